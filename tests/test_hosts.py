"""README's deployment on more than one host (*Beyond one machine*), on this machine: two
worker hosts, each a network namespace joined to this one by a bridge on a private /24,
split the departments as README tells an operator to (``VERIFY_QUEUES`` naming each
host's units: host A also serves the default queue, host B its departments' queues
only). They reach the database and the broker only over that network: the machine's
PostgreSQL and Redis listen on loopback, which a namespace cannot reach, so the test
starts a PostgreSQL cluster and a Redis server of its own on the bridge's address
(tests/hosts.py), migrates the database from this namespace, and plays the office's web
host here, on those same services.

A batch fanned out to the four departments runs; host A's worker is killed (SIGKILL)
mid-batch. Host B finishes its departments meanwhile, host A's wait in their queues, and
the worker started again on host A takes them up: the batch completes with every check
answered exactly once, each report whole, and each host's log naming only its own
departments.

The broker is the test's own redis-server in both of CI's passes (CELERY_BROKER_URL
Redis, then RabbitMQ): the machine's RabbitMQ listens on loopback too, and the test does
not start one of its own. Needs root and ``ip``; skipped, saying so, otherwise."""

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.db import connection

from benchmarks.verification.data import generate
from members.models import MemberUnit
from office.celery import app
from tests import hosts
from tests.conftest import WorkerController
from tests.verification.helpers import assert_answered_exactly_once, broker_at
from verification import batches
from verification.models import BatchTask, DepartmentCheck, VerificationBatch, VerificationRequest
from verification.queues import queues_for
from verification.report import RowState, build_report

pytestmark = pytest.mark.broker

HOUSEHOLDS, DEPARTMENTS = 300, 4
Status = DepartmentCheck.Status
# What the hosts' workers must not inherit from this process: they reach the test's own
# services, over the network, and nothing else.
MACHINE_SERVICES = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "CACHE_KEY_PREFIX",
)


@dataclass
class Services:
    """The test's own services: the URLs the office and the hosts use, and the address
    they listen on."""

    database: str
    broker: str
    cache: str
    address: str


@pytest.fixture
def network():
    if reason := hosts.missing_requirement():
        pytest.skip(reason)
    with hosts.network(["office-a", "office-b"]) as net:
        yield net


@pytest.fixture
def services(network):
    """PostgreSQL (migrated from this namespace) and Redis (the broker, database 0, and the
    cache, database 1) of the test's own, on the bridge's address."""
    with hosts.postgres(network.address) as database, hosts.redis(network.address) as broker:
        environment = {**_environment(), "DATABASE_URL": database}
        migrated = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "--skip-checks", "-v", "0"],
            cwd=django_settings.BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
        )
        assert migrated.returncode == 0, migrated.stderr
        yield Services(database, broker, broker.removesuffix("/0") + "/1", network.address)


def _environment() -> dict:
    """This process's environment without the machine's services."""
    return {key: value for key, value in os.environ.items() if key not in MACHINE_SERVICES}


@pytest.fixture
def office(services, settings, django_db_blocker):
    """This process as the office's web host: its database, cache and broker are the test's
    own services, reached at the bridge's address."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": services.cache,
            "KEY_PREFIX": "assistance",
        }
    }
    with (
        django_db_blocker.unblock(),
        hosts.database_at(services.database),
        broker_at(services.broker),
    ):
        yield services


@pytest.fixture
def workers(network, office, tmp_path):
    """One worker controller per host (started by the test), run in its namespace with
    nothing but the test's services in its environment; stopped afterwards."""
    environment = {
        **_environment(),
        "CELERY_BROKER_URL": office.broker,
        "CACHE_URL": office.cache,
    }
    controllers = []
    for namespace in network.hosts:
        (tmp_path / namespace).mkdir()
        controllers.append(
            WorkerController(
                log_dir=tmp_path / namespace,
                database_url=office.database,
                environment=environment,
                prefix=hosts.on_host(namespace),
                node=namespace,
            )
        )
    try:
        yield controllers
    finally:
        for controller in controllers:
            controller.stop()


def _consumed(worker: WorkerController) -> set[str]:
    reply = app.control.inspect(destination=[worker.name], timeout=2).active_queues() or {}
    return {queue["name"] for queue in reply.get(worker.name, [])}


def assert_separate_hosts(network, workers, services) -> None:
    """Each worker runs in its namespace, where the machine's loopback services are out of
    reach and the test's services, on the bridge, are not."""
    database = connection.settings_dict
    assert hosts.reaches((), "127.0.0.1", 5432), "the machine's PostgreSQL is on loopback"
    for namespace, worker in zip(network.hosts, workers, strict=True):
        assert hosts.runs_in(worker.process.pid, namespace)
        inside = hosts.on_host(namespace)
        assert not hosts.reaches(inside, "127.0.0.1", 5432)
        assert hosts.reaches(inside, services.address, 5432)
        assert hosts.reaches(inside, services.address, 6379)
    assert database["HOST"] == services.address


def _departments_in_log(text: str) -> dict[str, set[str]]:
    """Per event ('started', 'done'), the departments whose share a worker's log names."""
    seen: dict[str, set[str]] = {"started": set(), "done": set()}
    for code, event in re.findall(r"department (\S+)'s share (started|done)", text):
        seen[event].add(code)
    return seen


def assert_reports_whole(batch) -> None:
    """Every tenth report of the batch, as the office reads it: every department answered,
    every member and item with its finding."""
    for request in VerificationRequest.objects.filter(batch=batch).order_by("pk")[::10]:
        report = build_report(request)
        assert report.answered_count == len(report.checks) == DEPARTMENTS
        assert not report.pending_checks
        states = {row.state for section in report.members for row in section.rows}
        assert states == {RowState.ANSWERED}


def _log(worker: WorkerController, start: int | None = None) -> str:
    """The log of one start of ``worker`` (1, 2…), or of all of them."""
    pattern = f"worker-{start}.log" if start else "worker-*.log"
    return "".join(path.read_text() for path in sorted(worker.log_dir.glob(pattern)))


def _received(text: str) -> list[str]:
    """The ids of the departments' tasks a worker's log says it received, in order."""
    return re.findall(r"batch_process_unit_task\[([0-9a-f-]+)\] received", text)


def assert_each_host_ran_its_own(host_a, a_codes, host_b, b_codes) -> None:
    """Each host's log names its own departments' shares, every one started and done, and
    no other; the worker killed on host A had started a share it never finished, and the
    message it held was taken again by the worker started after it (redelivered: the
    same task id)."""
    a_log, b_log = _departments_in_log(_log(host_a)), _departments_in_log(_log(host_b))
    assert a_log["started"] == a_log["done"] == set(a_codes)
    assert b_log["started"] == b_log["done"] == set(b_codes)
    killed = _departments_in_log(_log(host_a, 1))
    assert killed["started"] - killed["done"]
    held = _received(_log(host_a, 1))[-1]
    assert held in _received(_log(host_a, 2))


def _kill_mid_batch(host_a, batch, a_codes) -> int:
    """Kill host A's worker while it is answering one of its departments' checks; returns
    how many of its departments' checks were left queued."""
    checks = DepartmentCheck.objects.filter(request__batch=batch, unit__code__in=a_codes)
    running = BatchTask.objects.filter(
        batch=batch, unit__code__in=a_codes, started_at__isnull=False, finished_at__isnull=True
    )
    host_a.wait_for(
        lambda: running.exists() and checks.filter(status=Status.ANSWERED).count() >= 100,
        timeout=60,
        interval=0.01,
    )
    host_a.kill9()
    left = checks.filter(status=Status.QUEUED).count()
    assert left, "host A had answered its departments' checks before it was killed"
    return left


@pytest.fixture
def clock():
    """When the test began, its setup included (requested first)."""
    return time.monotonic()


def test_two_worker_hosts_split_the_departments_and_lose_nothing_when_one_dies(
    clock, network, office, workers
):
    host_a, host_b = workers
    namespace_a = list(network.hosts)[0]
    group, clerk = generate(
        households=HOUSEHOLDS,
        departments=DEPARTMENTS,
        record_share=0.3,
        code="hosts",
        unit_prefix="hosts",
    )
    codes = sorted(MemberUnit.objects.filter(group=group).values_list("code", flat=True))
    a_codes, b_codes = codes[:2], codes[2:]
    # Tiny chunks make the batch take seconds, so the kill lands in the middle of it.
    host_a.start(queues=",".join(a_codes), wait=False, VERIFICATION_BATCH_CHUNK=2)
    host_b.start(queues=",".join(b_codes), default_queue="", VERIFICATION_BATCH_CHUNK=2)
    host_a.wait_started()
    default = django_settings.CELERY_TASK_DEFAULT_QUEUE
    assert _consumed(host_a) == {default, *queues_for(",".join(a_codes))}
    assert _consumed(host_b) == set(queues_for(",".join(b_codes)))
    assert_separate_hosts(network, workers, office)

    submitted = time.monotonic()
    batch = batches.batch_submit(actor=clerk, office=group)
    left_for_a = _kill_mid_batch(host_a, batch, a_codes)
    killed = time.monotonic()
    checks = DepartmentCheck.objects.filter(request__batch=batch)
    # Host B finishes its departments; host A's checks wait for host A.
    host_b.wait_for(
        lambda: not checks.filter(unit__code__in=b_codes, status=Status.QUEUED).exists()
    )
    assert checks.filter(unit__code__in=a_codes, status=Status.QUEUED).count() == left_for_a
    batch.refresh_from_db()
    assert batch.status == VerificationBatch.Status.RUNNING

    # Host A's worker again, in the same namespace. With a visibility timeout of one
    # second, the message the killed worker held (never acknowledged) comes back to its
    # department's queue when the new worker starts.
    time.sleep(max(0.0, 1.5 - (time.monotonic() - killed)))
    host_a.start(queues=",".join(a_codes), CELERY_VISIBILITY_TIMEOUT=1)
    assert hosts.runs_in(host_a.process.pid, namespace_a)
    completed = VerificationBatch.objects.filter(
        pk=batch.pk, status=VerificationBatch.Status.COMPLETED
    )
    host_a.wait_for(completed.exists, timeout=60)
    finished = time.monotonic()
    host_a.stop()
    host_b.stop()

    assert_answered_exactly_once(batch, households=HOUSEHOLDS)
    assert_reports_whole(batch)
    assert_each_host_ran_its_own(host_a, a_codes, host_b, b_codes)
    print(
        f"\ntwo hosts: {HOUSEHOLDS} households, {checks.count()} checks over {DEPARTMENTS} "
        f"departments; host A killed with {left_for_a} of its checks queued; batch "
        f"{finished - submitted:.1f} s from submission to completion "
        f"({finished - killed:.1f} s after the kill); {time.monotonic() - clock:.1f} s with "
        "the namespaces, a new PostgreSQL cluster migrated and the workers' starts"
    )
