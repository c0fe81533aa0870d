"""Shared fixtures: a small register and one persona per role (plus an outsider), and a
real Celery worker for the tests that need one."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from assistance.roles import Role
from tests import register
from tests.factories import PASSWORD, enrol_second_factor
from tests.hosts import process_stop


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded scans, attachments and snapshots never land in the project's media folder.
    settings.MEDIA_ROOT = tmp_path / "media"


# --- Parallel runs (pytest-xdist) ------------------------------------------------------------
# Each xdist process (gw0, gw1, …) has its own test database (pytest-django adds the suffix)
# but shares the Redis behind CACHE_URL and CELERY_BROKER_URL with the others. Its cache
# keys carry its name, and it empties only those; the tests that use the broker and a real
# worker (same queues, purged at start) all run in one process, one after the other
# (bin/test runs them after the rest, with -n 0).
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def pytest_configure(config):
    if _XDIST_WORKER:
        from django.conf import settings

        settings.CACHES["default"]["KEY_PREFIX"] = f"test-{_XDIST_WORKER}"


def _cache_clear(cache):
    from django.core.cache.backends.redis import RedisCache

    if isinstance(cache, RedisCache) and cache.key_prefix:
        # RedisCache.clear() empties the whole Redis database, the other processes' keys too.
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (Redis in CI, CACHE_URL; memory otherwise):
    what one test computed never answers another's question."""
    from django.core.cache import caches

    # The backend itself: ``django.core.cache.cache`` is a proxy, not a RedisCache.
    cache = caches["default"]
    _cache_clear(cache)
    yield
    _cache_clear(cache)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage used in production needs collectstatic; tests render templates
    # straight from the source folders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Hashing is not what these tests test; the real hasher costs ~0.2 s a user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# The access log and the login log are append-only in the database (triggers). A test that
# commits (transactional_db) is cleaned up by emptying every table, which the triggers
# refuse: they are lifted just before that, and every test that uses the database puts
# them back first if they are missing (inside its transaction when it has one).
_LOG_TABLES = ("assistance_accesslog", "assistance_loginlog")


def _db_use(request) -> str:
    """'commits', 'rolls back' or '' (no database) for the test of ``request``."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if (
        "transactional_db" in names
        or "live_server" in names
        or (marker is not None and marker.kwargs.get("transaction"))
    ):
        return "commits"
    if marker is not None or "db" in names:
        return "rolls back"
    return ""


def _log_protection_missing(connection) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'assistance_%%' "
                "AND NOT tgisinternal AND tgenabled <> 'D'"
            )
            return cursor.fetchone()[0] < 2 * len(_LOG_TABLES)
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
        return cursor.fetchone()[0] < 2 * len(_LOG_TABLES)


@pytest.fixture(autouse=True)
def _log_protection(request):
    use = _db_use(request)
    if not use:
        yield
        return
    # Set up after the database fixture, so torn down before its flush.
    request.getfixturevalue("_django_db_helper")
    from django.db import connection

    from assistance.logchain import protection_install, protection_remove

    if _log_protection_missing(connection):
        protection_install(connection, _LOG_TABLES)
    yield
    if use == "commits":
        protection_remove(connection, _LOG_TABLES)


@pytest.fixture
def admin_user(admin_user):
    """pytest-django's superuser (behind ``admin_client``), enrolled in the second factor
    that every administrator must give."""
    return enrol_second_factor(admin_user)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def group(db):
    return register.group()


@pytest.fixture
def unit(group):
    return register.unit(group)


@pytest.fixture
def other_unit(group):
    return register.other_unit(group)


@pytest.fixture
def clerk(db):
    return register.persona("clerk")


@pytest.fixture
def director(db):
    return register.persona("director")


@pytest.fixture
def convener(db):
    return register.persona("convener")


@pytest.fixture
def auditor(db):
    return register.persona("auditor")


@pytest.fixture
def administrator(db):
    return register.persona("administrator")


@pytest.fixture
def security_administrator(db):
    return register.persona("security_administrator")


@pytest.fixture
def liaison(unit):
    return register.liaison("liaison", unit)


@pytest.fixture
def other_liaison(other_unit):
    return register.liaison("other-liaison", other_unit)


@pytest.fixture
def outsider(db):
    """Signed in, but holding no role."""
    return register.persona("outsider")


@pytest.fixture
def personas(clerk, director, convener, auditor, administrator, liaison, outsider):
    return {
        Role.OFFICE_CLERK: clerk,
        Role.OFFICE_DIRECTOR: director,
        Role.CONVENER: convener,
        Role.AUDITOR: auditor,
        Role.ADMINISTRATOR: administrator,
        Role.UNIT_LIAISON: liaison,
        None: outsider,
    }


# --- A real broker and worker -------------------------------------------------------------
# Tests marked ``broker`` talk to Redis and a real Celery worker process. They run when
# CELERY_BROKER_URL is set (as in CI) and are reported by name as not run otherwise.

_NOT_RUN_WITHOUT_BROKER = []
_BROKER_SKIP_REASON = "needs a broker: set CELERY_BROKER_URL (Redis)"


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CELERY_BROKER_URL"):
        return
    skip = pytest.mark.skip(reason=_BROKER_SKIP_REASON)
    for item in items:
        if "broker" in item.keywords:
            item.add_marker(skip)
            _NOT_RUN_WITHOUT_BROKER.append(item.nodeid)


def _skipped_for_want_of_postgresql(terminalreporter):
    """Node ids of the tests skipped because the database is not PostgreSQL, whichever way
    they skip (a skipif mark, or pytest.skip in a fixture): their reason names PostgreSQL."""
    nodeids = []
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if "postgresql" in reason.lower() and report.nodeid not in nodeids:
            nodeids.append(report.nodeid)
    return nodeids


def pytest_terminal_summary(terminalreporter):
    # Under xdist the items are collected in the worker processes: the skips they report
    # name the tests here.
    not_run = list(_NOT_RUN_WITHOUT_BROKER)
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        if isinstance(longrepr, tuple) and _BROKER_SKIP_REASON in str(longrepr[2]):
            nodeid = report.nodeid.removesuffix("@broker")
            if nodeid not in not_run:
                not_run.append(nodeid)
    if not_run:
        terminalreporter.write_sep("=", "not run: these tests need a broker and a worker")
        for nodeid in not_run:
            terminalreporter.write_line(f"NOT RUN (no CELERY_BROKER_URL) {nodeid}")
    without_postgresql = _skipped_for_want_of_postgresql(terminalreporter)
    if without_postgresql:
        terminalreporter.write_sep("=", "not run: these tests need PostgreSQL")
        for nodeid in without_postgresql:
            terminalreporter.write_line(f"NOT RUN (no PostgreSQL DATABASE_URL) {nodeid}")


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Outside broker tests, tasks run in process so a test sees their effect at once; a
    broker test sends them to Redis for the worker."""
    from office.celery import app

    eager = "broker" not in request.keywords
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


def _database_url(settings_dict):
    from assistance.databases import database_url

    return database_url(settings_dict)


@pytest.fixture
def celery_worker_queues():
    """The department queues the worker also consumes, as ``VERIFY_QUEUES`` spells them
    ('all' or unit codes; empty for none). The worker reads the units from the database
    when it starts, so a module that overrides this fixture creates its units in a
    fixture this one depends on."""
    return ""


@pytest.fixture
def celery_worker(transactional_db, tmp_path, celery_worker_queues):
    """A real Celery worker process consuming from Redis and writing to the test database.
    Yields a function that waits until a condition on the database holds."""
    from django.conf import settings
    from django.db import connection

    from assistance.broker import queues_purge
    from office.celery import app
    from verification.queues import queues_for

    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a shared database: set DATABASE_URL to PostgreSQL")
    app.control.purge()
    # Tasks left in a department queue by an earlier run name rows of another database.
    department_queues = queues_for(celery_worker_queues) if celery_worker_queues else []
    queues_purge(department_queues)
    name = f"test-{uuid.uuid4().hex[:8]}@localhost"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "VERIFY_QUEUES": celery_worker_queues,
        # The worker's cache keys are this test process's (emptied around each test).
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "office", "worker", "-n", name]
            + ["-Q", "default", "-c", "1", "--without-gossip", "--without-mingle", "-l", "info"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[1],
        )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[name], timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not start:\n{log.read_text()}")

        def wait_for(condition, timeout=30):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if condition():
                    return
                time.sleep(0.1)
            pytest.fail(f"the worker did not do the work in {timeout} s:\n{log.read_text()}")

        yield wait_for
    finally:
        process_stop(process, timeout=20)


class WorkerController:
    """A real Celery worker process that a test starts when its data is ready, kills with
    SIGKILL (main process and pool together, as a crash or the OOM killer would) and
    starts again. Each start is a new worker, in its own process group, logging to its own
    file; ``env`` adds environment variables for that start only. ``environment`` replaces
    this process's environment as the base of every start, ``prefix`` goes before the
    command (``ip netns exec NS``: a worker on another host) and ``node`` begins the
    worker's name."""

    def __init__(
        self,
        *,
        log_dir: Path,
        database_url: str,
        environment: dict | None = None,
        prefix: tuple[str, ...] = (),
        node: str = "test",
    ):
        self.log_dir, self.database_url = log_dir, database_url
        self.environment, self.prefix, self.node = environment, list(prefix), node
        self.process: subprocess.Popen | None = None
        self.name = ""
        self.starts = 0

    def start(
        self, *, queues: str = "", default_queue: str = "default", wait: bool = True, **env
    ) -> None:
        """Start a worker consuming ``default_queue`` (none if empty) and the department
        queues ``queues`` names (``VERIFY_QUEUES``); unless ``wait`` is false, return
        once it answers a ping (else call ``wait_started``)."""
        from django.conf import settings

        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        self.name = f"{self.node}-{uuid.uuid4().hex[:8]}@localhost"
        # Without a default queue, the worker excludes the one Celery would consume.
        default = settings.CELERY_TASK_DEFAULT_QUEUE
        consume = ["-Q", default_queue] if default_queue else ["-X", default]
        log = self.log_dir / f"worker-{self.starts}.log"
        with log.open("w") as out:
            self.process = subprocess.Popen(
                self.prefix
                + [sys.executable, "-m", "celery", "-A", "office", "worker", "-n", self.name]
                + consume
                + ["-c", "1", "--without-gossip", "--without-mingle", "-l", "info"],
                env={
                    **(os.environ if self.environment is None else self.environment),
                    "DATABASE_URL": self.database_url,
                    "VERIFY_QUEUES": queues,
                    **{key: str(value) for key, value in env.items()},
                },
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=Path(__file__).resolve().parents[1],
                start_new_session=True,
            )
        if wait:
            self.wait_started()

    def wait_started(self) -> None:
        from office.celery import app

        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[self.name], timeout=1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not start:\n{self.logs()}")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self) -> None:
        """SIGKILL the worker's whole process group, at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if not self.running:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill9()

    def wait_for(self, condition, timeout: float = 30, interval: float = 0.05) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(interval)
        pytest.fail(f"the worker did not do the work in {timeout} s:\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text()[-4000:]}"
            for path in sorted(self.log_dir.glob("worker-*.log"))
        )


@pytest.fixture
def celery_worker_controller(transactional_db, tmp_path):
    """A ``WorkerController`` against the test database (PostgreSQL only); whatever it
    started is stopped afterwards."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a shared database: set DATABASE_URL to PostgreSQL")
    controller = WorkerController(
        log_dir=tmp_path, database_url=_database_url(connection.settings_dict)
    )
    try:
        yield controller
    finally:
        controller.stop()
