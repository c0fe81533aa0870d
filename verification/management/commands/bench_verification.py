"""Benchmark batch re-verification end to end, on PostgreSQL and Redis with real workers.

The command never touches the configured database's data: it creates a throwaway database
beside it (``<name>_bench``, dropped first if a previous run left it), migrates it, fills
it with invented households, members, authorisations, 14 departments with their items,
snapshot connectors and registry snapshots, starts Celery worker processes against it and
measures:

* the batch: ``batch_submit`` → ``batch_prepare`` → one task per department, from the
  clerk's submission to the batch completed (polled in the database): checks per second;
* the same work done one Celery task per check (``check_deliver_task``) on a sample of
  checks of fresh requests, timed from the first message sent to the last check
  answered, and the ratio between the two rates;
* submit-to-complete latency of single interactive requests (``request_submit``, answered
  by the connectors), one at a time: p50 and p95;
* peak worker memory: for each worker, the sum of VmHWM (peak resident memory, from
  /proc/<pid>/status) of its main process and its pool processes; the largest worker's.

Then it stops the workers, empties its queues and drops the database (``--keep`` keeps it).
The last line states the figures.
"""

import collections
import contextlib
import datetime
import math
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, connections, transaction
from django.utils import timezone

from assistance.idnumbers import check_character
from assistance.workdays import WorkdayCalendar
from members.models import LeadingGroup, MemberUnit
from verification.sql import copy_rows

# Target figures of issue 5, printed beside what was measured.
TARGET_SECONDS_10K = 20
TARGET_RATIO = 10
TARGET_P95_MS = 300
TARGET_MEMORY_MB = 300

TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1

TOWNS = ["大峪街道", "城子街道", "东辛房街道", "永定镇", "龙泉镇"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建国秀英小明丽华志强海燕红梅文军玉兰春生桂芳"


def _person_id_number(index: int, *, child: bool) -> str:
    """A valid, invented and unique ID number for person ``index`` (GB 11643 check
    character included): a thousand people per birth day, adults born 1960–1979, children
    2014–2019."""
    day, sequence = divmod(index, 1000)
    if child:
        born = datetime.date(2014, 1, 1) + datetime.timedelta(days=day % 2000)
        region = 110101 + day // 2000
    else:
        born = datetime.date(1960, 1, 1) + datetime.timedelta(days=day % 7000)
        region = 110101 + day // 7000
    first17 = f"{region:06d}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def generate(
    *,
    households: int,
    members: int = 3,
    departments: int = 14,
    record_share: float = 0.1,
    code: str = "bench",
    unit_prefix: str = "bench",
    seed: int = 2026,
):
    """Invented data for a benchmark or a test, written in bulk (COPY) into an empty
    database: a leading group with ``departments`` units (one or two items each, a snapshot
    connector and a current registry snapshot holding a record for ``record_share`` of the
    people), and ``households`` households of ``members`` people (the third a child, its
    authorisation signed by a guardian), every member authorised for a year. Key values are
    assigned here, so the database must hold no household yet. Returns (office, clerk)."""
    from verification.models import (
        AssistanceType,
        Authorization,
        Household,
        HouseholdMember,
        RegistryRecord,
        RegistrySnapshot,
        UnitConnector,
        VerificationItem,
    )

    if Household.objects.exists():
        raise CommandError("generate() needs a database without households.")
    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    user_model = get_user_model()
    clerk = user_model.objects.create_user(username=f"{code}-clerk", password=None)
    office = LeadingGroup.objects.create(
        name=f"{code} 困难群众基本生活保障工作领导小组",
        code=code,
        kind=LeadingGroup.Kind.LEADING_GROUP,
        region="基准测试区",
    )
    items_of: dict[int, list] = {}
    snapshots = {}
    for number in range(1, departments + 1):
        unit = MemberUnit.objects.create(
            group=office,
            name=f"{code} 部门{number:02d}",
            code=f"{unit_prefix}-{number:02d}",
            kind=MemberUnit.Kind.GOVERNMENT,
            order=number,
        )
        count = 2 if number % 3 == 1 else 1
        items_of[unit.pk] = [
            VerificationItem.objects.create(
                code=f"{unit.code}-item{i}",
                name=f"事项{number:02d}-{i}",
                unit=unit,
                has_amount=i == 2,
                order=i,
            )
            for i in range(1, count + 1)
        ]
        UnitConnector.objects.create(unit=unit, kind=UnitConnector.Kind.SNAPSHOT)
        snapshots[unit.pk] = RegistrySnapshot.objects.create(
            unit=unit,
            taken_on=today,
            file=f"snapshots/{unit.pk}/{code}.csv",
            is_current=True,
            status=RegistrySnapshot.Status.IMPORTED,
            checked_at=now,
            uploaded_by=clerk,
        )

    copy_rows(
        Household,
        [
            "id",
            "office",
            "address",
            "town",
            "assistance_type",
            "irregular_income",
            "created_by",
            "created_at",
        ],
        (
            (
                h,
                office.pk,
                f"幸福路{h}号",
                TOWNS[h % len(TOWNS)],
                AssistanceType.DIBAO,
                rng.random() < 0.1,
                clerk.pk,
                now,
            )
            for h in range(1, households + 1)
        ),
    )
    people = []  # (member key, household key, id number, child)
    for h in range(1, households + 1):
        for m in range(members):
            index = len(people)
            child = m == 2
            people.append((index + 1, h, _person_id_number(index, child=child), child))
    relations = ["applicant", "spouse", "child", "parent", "sibling", "grandparent"]
    copy_rows(
        HouseholdMember,
        ["id", "household", "name", "relation", "id_number", "has_capacity"],
        (
            (
                pk,
                h,
                SURNAMES[pk % len(SURNAMES)] + GIVEN[pk % len(GIVEN)] + GIVEN[(pk // 7) % 16],
                relations[min((pk - 1) % members, len(relations) - 1)],
                id_number,
                True,
            )
            for pk, h, id_number, _child in people
        ),
    )
    signed = today - datetime.timedelta(days=30)
    copy_rows(
        Authorization,
        [
            "member",
            "signed_on",
            "signer",
            "guardian_name",
            "valid_until",
            "scan",
            "recorded_by",
            "recorded_at",
        ],
        (
            (
                pk,
                signed,
                "guardian" if child else "self",
                "监护人" if child else "",
                signed + datetime.timedelta(days=365),
                f"authorizations/{code}/{pk}.pdf",
                clerk.pk,
                now,
            )
            for pk, _h, _n, child in people
        ),
    )
    records = []
    for unit_id, items in items_of.items():
        for _pk, _h, id_number, _child in people:
            if rng.random() < record_share:
                item = items[rng.randrange(len(items))]
                amount = f"{rng.randrange(1000, 500000) / 100:.2f}" if item.has_amount else None
                records.append((snapshots[unit_id].pk, id_number, item.pk, "登记记录 1 条", amount))
    rows = collections.Counter(record[0] for record in records)
    for snapshot in snapshots.values():
        snapshot.row_count = rows[snapshot.pk]
        snapshot.save(update_fields=["row_count"])
    copy_rows(RegistryRecord, ["snapshot", "id_number", "item", "details", "amount"], records)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Household, HouseholdMember]):
            cursor.execute(sql)
        # Settle the new rows (visibility map, statistics) as a register's long-standing
        # rows are, so autovacuum does not catch up on them during the measurement.
        cursor.execute("VACUUM ANALYZE")
    return office, clerk


def _database_url(settings_dict, name: str) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(settings_dict.get("HOST") or "localhost", safe="")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(name, safe='')}"


def _proc_table() -> dict[int, tuple[int, int, float]]:
    """Every process: pid -> (parent pid, start time in ticks, CPU seconds used)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu = (int(fields[11]) + int(fields[12])) / TICKS
        table[int(entry)] = (int(fields[1]), int(fields[19]), cpu)
    return table


def _status_kib(pid: int, field: str, name: str = "status") -> int:
    """A memory figure in KiB from /proc/<pid>/status (VmHWM: peak resident set) or
    smaps_rollup (Pss: resident set with shared pages divided among their sharers)."""
    try:
        with open(f"/proc/{pid}/{name}") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:9]]
    return (sum(values) - values[3] - values[4]) / TICKS


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Watch:
    """What one phase of the benchmark used, sampled every 0.2 s in a thread: CPU seconds
    of the benchmark's own processes (this command, the workers and their pool processes,
    the bench database's server processes) and of everything else on the machine, and
    the workers' memory (peak PSS, summed over each worker's processes)."""

    def __init__(self, workers, database: str):
        self.workers, self.database = workers, database
        self.own: dict[tuple[int, int], list] = {}  # (pid, start) -> [kind, first, last]
        self.kinds: dict[tuple[int, int], str] = {}
        self.pss_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.started, self.busy = time.monotonic(), _busy_seconds()
        self._sample(first=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()
        self.wall = time.monotonic() - self.started
        self.machine = _busy_seconds() - self.busy
        self.by_kind = collections.Counter()
        for kind, first, last in self.own.values():
            self.by_kind[kind] += last - first
        self.mine = sum(self.by_kind.values())
        self.others = max(0.0, self.machine - self.mine)

    def _run(self):
        while not self._stop.wait(0.2):
            self._sample()

    def _kind(self, pid: int, start: int, parent: int, roots: set[int]) -> str:
        if pid == os.getpid():
            return "command"
        if pid in roots or parent in roots:
            return "workers"
        key = (pid, start)
        if key not in self.kinds:  # read each process's command line once
            words = _cmdline(pid).split()
            ours = words[:1] == ["postgres:"] and self.database in words
            self.kinds[key] = "database" if ours else ""
        return self.kinds[key]

    def _sample(self, first: bool = False):
        table = _proc_table()
        roots = {worker.process.pid for worker in self.workers}
        for pid, (parent, start, cpu) in table.items():
            kind = self._kind(pid, start, parent, roots)
            if not kind:
                continue
            # A process started during the phase used all its CPU within it.
            entry = self.own.setdefault((pid, start), [kind, cpu if first else 0.0, cpu])
            entry[2] = cpu
        for root in roots:
            pids = [root] + [pid for pid, (parent, _s, _c) in table.items() if parent == root]
            pss = sum(_status_kib(pid, "Pss", "smaps_rollup") for pid in pids)
            self.pss_kib = max(self.pss_kib, pss)

    def describe(self) -> str:
        kinds = ", ".join(f"{kind} {self.by_kind[kind]:.1f}" for kind in sorted(self.by_kind))
        return (
            f"CPU s used: {self.machine:.1f} of the machine's {self.wall * CORES:.1f} "
            f"({CORES} cores × {self.wall:.1f} s); the benchmark's {self.mine:.1f} ({kinds}), "
            f"other processes' {self.others:.1f}"
        )


class Worker:
    """A Celery worker process started by the benchmark, in its own process group."""

    def __init__(self, name: str, process: subprocess.Popen, log: Path):
        self.name, self.process, self.log = name, process, log

    def peak_kib(self) -> tuple[int, int]:
        """VmHWM of the main process and its pool processes, summed (an upper bound of
        what the worker held at once: shared pages count in each process and the peaks
        need not coincide); and how many processes that is."""
        table = _proc_table()
        pids = [self.process.pid]
        pids += [pid for pid, (parent, _s, _c) in table.items() if parent == pids[0]]
        return sum(_status_kib(pid, "VmHWM") for pid in pids), len(pids)

    def stop(self):
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class Command(BaseCommand):
    help = (
        "Benchmark batch re-verification on PostgreSQL and Redis with real workers, in a "
        "throwaway database (<name>_bench) that is dropped afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=10_000)
        parser.add_argument("--members", type=int, default=3, help="people per household")
        parser.add_argument("--departments", type=int, default=14)
        parser.add_argument(
            "--sample", type=int, default=500, help="checks done one Celery task per check"
        )
        parser.add_argument("--singles", type=int, default=100, help="single requests timed")
        parser.add_argument("--workers", type=int, default=2, help="worker processes")
        parser.add_argument(
            "--concurrency", type=int, default=1, help="pool processes of each worker"
        )
        parser.add_argument(
            "--pool",
            default="prefork",
            choices=["prefork", "solo", "threads"],
            help="the workers' execution pool",
        )
        parser.add_argument(
            "--chunk", type=int, default=0, help="VERIFICATION_BATCH_CHUNK for the workers"
        )
        parser.add_argument("--loglevel", default="warning", help="the workers' log level")
        parser.add_argument(
            "--keep", action="store_true", help="keep the bench database (dropped by default)"
        )

    # --- the run ------------------------------------------------------------------------------

    def handle(self, *args, **options):
        self._refuse_unless_real()
        for name in ("households", "members", "departments", "workers", "concurrency"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        if options["sample"] < 0 or options["singles"] < 0:
            raise CommandError("--sample and --singles cannot be negative.")
        original = connection.settings_dict["NAME"]
        bench = f"{original}_bench"[:63]
        self.token = token = secrets.token_hex(3)
        self.default_queue = f"bench.{token}"
        self.unit_prefix = f"bench{token}"
        self.workers: list[Worker] = []
        self.logdir = Path(tempfile.mkdtemp(prefix="bench_verification-"))
        self._create_database(bench)
        try:
            self._use_database(bench)
            summary = self._run(options)
        finally:
            for worker in self.workers:
                worker.stop()
            self._purge_queues()
            self._use_database(original)
            if options["keep"]:
                self._say(f"kept the bench database {bench}")
            else:
                self._drop_database(bench)
        # The last line states the figures.
        self.stdout.write(summary)

    def _run(self, options):
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        self._say(f"migrated the bench database in {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        office, clerk = generate(
            households=options["households"],
            members=options["members"],
            departments=options["departments"],
            unit_prefix=self.unit_prefix,
        )
        self._say(
            f"generated {options['households']} households × {options['members']} members "
            f"and {options['departments']} departments' snapshots in "
            f"{time.monotonic() - started:.1f} s"
        )
        self._start_workers(options)
        database = connection.settings_dict["NAME"]
        with Watch(self.workers, database) as watch:
            batch_checks, batch_seconds = self._bench_batch(office, clerk)
        self._say(f"  {watch.describe()}")
        batch_rate = batch_checks / batch_seconds
        pss = watch.pss_kib
        with Watch(self.workers, database) as watch:
            sample_checks, sample_seconds = self._bench_per_check(office, clerk, options["sample"])
        if sample_checks:
            self._say(f"  {watch.describe()}")
        pss = max(pss, watch.pss_kib)
        per_check_rate = sample_checks / sample_seconds if sample_checks else 0.0
        with Watch(self.workers, database) as watch:
            latencies = self._bench_singles(office, clerk, options["singles"])
        if latencies:
            self._say(f"  {watch.describe()}")
        pss = max(pss, watch.pss_kib)
        peak_kib, processes = self._memory()
        # None: not measured (--sample 0, --singles 0).
        ratio = batch_rate / per_check_rate if per_check_rate else None
        p50 = _percentile(latencies, 0.5) if latencies else None
        p95 = _percentile(latencies, 0.95) if latencies else None
        peak_mb = peak_kib / 1024
        self._say(
            f"worker peak memory: {peak_mb:.0f} MB (VmHWM of the {processes} processes of a "
            f"worker, main and pool, summed; largest of {len(self.workers)} workers); peak "
            f"PSS sampled every 0.2 s: {pss / 1024:.0f} MB"
        )
        self._targets(
            options["households"], batch_seconds, ratio, p95, peak_mb, options["departments"]
        )
        per_check = (
            f"per-check tasks {per_check_rate:.0f} checks/s (ratio {ratio:.1f}x)"
            if ratio is not None
            else "per-check tasks not measured"
        )
        singles = (
            f"single requests p50 {p50 * 1000:.0f} ms p95 {p95 * 1000:.0f} ms"
            if p95 is not None
            else "single requests not measured"
        )
        return (
            f"bench_verification: {batch_checks} checks in {batch_seconds:.1f} s = "
            f"{batch_rate:.0f} checks/s; {per_check}; {singles}; "
            f"worker peak memory {peak_mb:.0f} MB"
        )

    def _targets(self, households, seconds, ratio, p95, peak_mb, departments):
        def verdict(ok):
            return "met" if ok else "MISSED"

        if households == 10_000 and departments == 14:
            self._say(
                f"target: 10,000 households × 14 departments in ≤ {TARGET_SECONDS_10K} s: "
                f"{seconds:.1f} s, {verdict(seconds <= TARGET_SECONDS_10K)}"
            )
        if ratio is None:
            self._say(f"target: ≥ {TARGET_RATIO}× one task per check: not measured (--sample 0)")
        else:
            self._say(
                f"target: ≥ {TARGET_RATIO}× one task per check: {ratio:.1f}×, "
                f"{verdict(ratio >= TARGET_RATIO)}"
            )
        if p95 is None:
            self._say(
                f"target: single request p95 ≤ {TARGET_P95_MS} ms: not measured (--singles 0)"
            )
        else:
            self._say(
                f"target: single request p95 ≤ {TARGET_P95_MS} ms: {p95 * 1000:.0f} ms, "
                f"{verdict(p95 * 1000 <= TARGET_P95_MS)}"
            )
        self._say(
            f"target: worker peak memory ≤ {TARGET_MEMORY_MB} MB: {peak_mb:.0f} MB, "
            f"{verdict(peak_mb <= TARGET_MEMORY_MB)}"
        )

    def _say(self, message: str):
        self.stdout.write(f"  {message}")
        self.stdout.flush()

    # --- refusing, the database and the queues -----------------------------------------------

    def _refuse_unless_real(self):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_verification runs only on PostgreSQL: set DATABASE_URL to a "
                f"postgres:// address (the configured database is {connection.vendor})."
            )
        from assistance.celery import app

        broker = settings.CELERY_BROKER_URL or ""
        if app.conf.task_always_eager or broker.startswith("memory://"):
            raise CommandError(
                "bench_verification needs a real broker and workers: set CELERY_BROKER_URL "
                "(e.g. redis://127.0.0.1:6379/0)."
            )
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=5)
        except Exception as exc:
            raise CommandError(f"The broker at {broker} cannot be reached: {exc}") from exc

    def _create_database(self, name: str):
        quoted = connection.ops.quote_name(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                self._say(f"dropping the bench database a previous run left: {name}")
                cursor.execute(f"DROP DATABASE {quoted} WITH (FORCE)")
            try:
                cursor.execute(f"CREATE DATABASE {quoted}")
            except Exception as exc:
                raise CommandError(
                    f"Cannot create the throwaway database {name}: {exc}. The benchmark "
                    "needs a database user allowed to create databases (CREATEDB)."
                ) from exc
        self._say(f"created the throwaway database {name}")

    def _drop_database(self, name: str):
        with connection.cursor() as cursor:
            quoted = connection.ops.quote_name(name)
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        self._say(f"dropped the bench database {name}")

    def _use_database(self, name: str):
        connections.close_all()
        settings.DATABASES["default"]["NAME"] = name
        connection.settings_dict["NAME"] = name

    def _queues(self) -> list[str]:
        from verification.queues import queues_for

        names = [self.default_queue]
        with contextlib.suppress(Exception):  # the bench database may be gone or half made
            names += [q for q in queues_for("all") if q.startswith(f"verify.{self.unit_prefix}-")]
        return names

    def _purge_queues(self):
        from assistance.celery import app

        try:
            with app.connection_for_write() as conn:
                for queue in self._queues():
                    conn.default_channel.queue_purge(queue)
                client = getattr(conn.default_channel, "client", None)
                if client is not None:  # Redis: the queues' bindings carry the token too
                    for key in client.scan_iter(match=f"*{self.token}*"):
                        client.delete(key)
        except Exception as exc:
            self._say(f"could not empty the bench queues: {exc}")

    # --- workers -------------------------------------------------------------------------------

    def _start_workers(self, options):
        from assistance.celery import app

        app.conf.task_default_queue = self.default_queue
        self._purge_queues()
        database = connection.settings_dict["NAME"]
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(connection.settings_dict, database),
            "VERIFY_QUEUES": "all",
            # Production settings: no query log kept in memory.
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
        }
        if options["chunk"]:
            env["VERIFICATION_BATCH_CHUNK"] = str(options["chunk"])
        connections.close_all()
        for number in range(1, options["workers"] + 1):
            name = f"{self.unit_prefix}-w{number}@bench"
            log = self.logdir / f"worker{number}.log"
            with log.open("w") as out:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "assistance",
                        "worker",
                        "-n",
                        name,
                        "-Q",
                        self.default_queue,
                        "-P",
                        options["pool"],
                        "-c",
                        str(options["concurrency"]),
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                        "-l",
                        options["loglevel"],
                    ],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    cwd=settings.BASE_DIR,
                    start_new_session=True,
                )
            self.workers.append(Worker(name, process, log))
        deadline = time.monotonic() + 90
        waiting = {w.name for w in self.workers}
        while waiting:
            for worker in self.workers:
                if worker.process.poll() is not None:
                    raise CommandError(f"A worker did not start:\n{worker.log.read_text()}")
            for reply in app.control.ping(destination=sorted(waiting), timeout=1):
                waiting -= set(reply)
            if time.monotonic() > deadline:
                raise CommandError(f"The workers did not answer in 90 s (logs in {self.logdir}).")
        self._say(
            f"started {len(self.workers)} worker(s) × concurrency {options['concurrency']} "
            f"(logs in {self.logdir})"
        )

    def _alive(self):
        for worker in self.workers:
            if worker.process.poll() is not None:
                raise CommandError(f"A worker died:\n{worker.log.read_text()[-3000:]}")

    def _memory(self) -> tuple[int, int]:
        return max((worker.peak_kib() for worker in self.workers), default=(0, 0))

    def _wait(self, condition, *, interval: float, timeout: float = 3600):
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise CommandError(f"Gave up waiting after {timeout:.0f} s.")
            self._alive()
            time.sleep(interval)

    # --- the three measurements ----------------------------------------------------------------

    def _bench_batch(self, office, clerk) -> tuple[int, float]:
        from verification.batches import batch_submit
        from verification.models import DepartmentCheck, VerificationBatch, VerificationRequest

        started = time.monotonic()
        batch = batch_submit(actor=clerk, office=office, due_only=True)
        prepared = None

        def done():
            nonlocal prepared
            status, households = VerificationBatch.objects.values_list(
                "status", "household_count"
            ).get(pk=batch.pk)
            if households and prepared is None:
                prepared = time.monotonic() - started
            return status == VerificationBatch.Status.COMPLETED

        self._wait(done, interval=0.05)
        seconds = time.monotonic() - started
        checks = DepartmentCheck.objects.filter(request__batch=batch)
        total = checks.count()
        answered = checks.filter(status=DepartmentCheck.Status.ANSWERED).count()
        completed = VerificationRequest.objects.filter(
            batch=batch, status=VerificationRequest.Status.COMPLETED
        ).count()
        batch.refresh_from_db()
        if answered != total or completed != batch.household_count:
            raise CommandError(
                f"The batch completed with {answered} of {total} checks answered and "
                f"{completed} of {batch.household_count} requests completed."
            )
        self._say(
            f"batch: {batch.household_count} households, {total} checks answered from "
            f"snapshots in {seconds:.1f} s (requests and checks prepared after "
            f"{prepared or seconds:.1f} s)"
        )
        return total, seconds

    def _bench_per_check(self, office, clerk, sample: int) -> tuple[int, float]:
        """Fresh requests for the first households, their checks sent one task each."""
        from verification.models import (
            AssistanceType,
            DepartmentCheck,
            Household,
            HouseholdMember,
            VerificationItem,
            VerificationRequest,
        )
        from verification.tasks import check_deliver_task

        if not sample:
            return 0, 0.0
        units = list(MemberUnit.objects.filter(group=office, active=True).order_by("pk"))
        households = list(
            Household.objects.filter(office=office)
            .order_by("pk")
            .values_list("pk", flat=True)[: math.ceil(sample / len(units))]
        )
        calendar = WorkdayCalendar()
        today = timezone.localdate()
        deadlines = {u.pk: calendar.add_working_days(today, u.answer_days) for u in units}
        items = {}
        for item in VerificationItem.objects.filter(unit__in=units, active=True):
            items.setdefault(item.unit_id, []).append(item.pk)
        with transaction.atomic():
            requests = VerificationRequest.objects.bulk_create(
                VerificationRequest(
                    household_id=pk, assistance_type=AssistanceType.RECHECK, requested_by=clerk
                )
                for pk in households
            )
            pairs = [(request, unit) for request in requests for unit in units][:sample]
            checks = DepartmentCheck.objects.bulk_create(
                DepartmentCheck(
                    request=request,
                    unit=unit,
                    deadline=deadlines[unit.pk].date,
                    deadline_provisional=deadlines[unit.pk].provisional,
                )
                for request, unit in pairs
            )
            through = DepartmentCheck.items.through
            through.objects.bulk_create(
                through(departmentcheck_id=check.pk, verificationitem_id=item_id)
                for check in checks
                for item_id in items[check.unit_id]
            )
            # Each request covers its household's members, as request_submit records.
            covered = VerificationRequest.members.through
            by_household = {request.household_id: request.pk for request in requests}
            covered.objects.bulk_create(
                covered(verificationrequest_id=by_household[household_id], householdmember_id=pk)
                for pk, household_id in HouseholdMember.objects.filter(
                    household_id__in=households
                ).values_list("pk", "household_id")
            )
        ids = [c.pk for c in checks]
        started = time.monotonic()
        for check in checks:
            check_deliver_task.apply_async(args=[check.pk], queue=check.unit.queue_name)
        self._wait(
            lambda: (
                not DepartmentCheck.objects.filter(pk__in=ids)
                .exclude(status=DepartmentCheck.Status.ANSWERED)
                .exists()
            ),
            interval=0.05,
        )
        seconds = time.monotonic() - started
        self._say(f"one task per check: {len(ids)} checks answered in {seconds:.1f} s")
        return len(ids), seconds

    def _bench_singles(self, office, clerk, singles: int) -> list[float]:
        """Single requests, one at a time, each timed from the clerk's submission until
        every department's connector has answered and the request is complete."""
        from verification import services
        from verification.models import Household, VerificationRequest

        if not singles:
            return []
        households = list(
            Household.objects.filter(office=office)
            .exclude(requests__status=VerificationRequest.Status.SUBMITTED)
            .order_by("-pk")[:singles]
        )
        # Polled every 5 ms with one cheap statement, so the measuring takes little of the
        # CPU the workers need (a figure is at most 5 ms late).
        status = connection.ops.quote_name(VerificationRequest._meta.get_field("status").column)
        poll = (
            f"SELECT {status} FROM {connection.ops.quote_name(VerificationRequest._meta.db_table)}"
            " WHERE id = %s"
        )
        completed = VerificationRequest.Status.COMPLETED
        latencies = []
        with connection.cursor() as cursor:
            for household in households:
                started = time.monotonic()
                request = services.request_submit(actor=clerk, household=household)

                def done(pk=request.pk):
                    cursor.execute(poll, [pk])
                    return cursor.fetchone()[0] == completed

                self._wait(done, interval=0.005, timeout=60)
                latencies.append(time.monotonic() - started)
        self._say(
            f"single requests: {len(latencies)} answered by connectors, p50 "
            f"{_percentile(latencies, 0.5) * 1000:.0f} ms, p95 "
            f"{_percentile(latencies, 0.95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
        )
        return latencies
