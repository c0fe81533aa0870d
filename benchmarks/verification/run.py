"""One run of the benchmark, from the refusal to run where nothing real can be measured
to the last line stating the figures (see this package's docstring)."""

import time
from dataclasses import dataclass, fields

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from . import floors, report, scenarios
from .data import generate
from .database import create_database, drop_database, refuse_unless_real, use_database
from .machine import Watch
from .report import Figures, Printer
from .workers import WorkerPool


@dataclass(frozen=True)
class Options:
    """The benchmark's settings (``manage.py bench_verification --help``)."""

    households: int
    members: int  # people per household
    departments: int
    sample: int  # checks done one Celery task per check; 0: not measured
    singles: int  # single requests timed; 0: not measured
    workers: int  # worker processes
    concurrency: int  # pool processes of each worker
    pool: str  # the workers' execution pool: prefork, solo or threads
    chunk: int  # VERIFICATION_BATCH_CHUNK for the workers; 0: the settings' own
    loglevel: str  # the workers' log level
    keep: bool  # keep the bench database (dropped by default)

    @classmethod
    def pick(cls, options: dict) -> "Options":
        """The benchmark's settings out of a command's options (which hold more)."""
        return cls(**{field.name: options[field.name] for field in fields(cls)})

    def validate(self):
        for name in ("households", "members", "departments", "workers", "concurrency"):
            if getattr(self, name) < 1:
                raise CommandError(f"--{name} must be at least 1.")
        if self.sample < 0 or self.singles < 0:
            raise CommandError("--sample and --singles cannot be negative.")


def bench_verification(options: Options, stdout):
    """Run the benchmark in a throwaway database beside the configured one, printing to
    ``stdout`` as it goes; the last line states the figures. The workers are stopped, the
    queues deleted and the database dropped (unless ``keep``) whatever happens."""
    refuse_unless_real()
    options.validate()
    say = Printer(stdout)
    original = connection.settings_dict["NAME"]
    bench = f"{original}_bench"[:63]
    pool = WorkerPool(say)
    create_database(bench, say)
    try:
        use_database(bench)
        figures = _measure(options, pool, say)
    finally:
        pool.stop()
        pool.delete_queues()
        use_database(original)
        if options.keep:
            say(f"kept the bench database {bench}")
        else:
            drop_database(bench, say)
    # The last line states the figures.
    stdout.write(report.summary(figures) + "\n")


def _prepare(options: Options, pool: WorkerPool, say):
    """Migrate the bench database and fill it. Returns (office, clerk)."""
    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    say(f"migrated the bench database in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    office, clerk = generate(
        households=options.households,
        members=options.members,
        departments=options.departments,
        unit_prefix=pool.unit_prefix,
    )
    say(
        f"generated {options.households} households × {options.members} members "
        f"and {options.departments} departments' snapshots in "
        f"{time.monotonic() - started:.1f} s"
    )
    return office, clerk


def _measure(options: Options, pool: WorkerPool, say) -> Figures:
    """Prepare, start the workers, measure the three scenarios, each under a Watch (its
    CPU use printed when it measured something), and print the memory and the targets."""
    office, clerk = _prepare(options, pool, say)
    pool.start(
        count=options.workers,
        concurrency=options.concurrency,
        pool=options.pool,
        loglevel=options.loglevel,
        chunk=options.chunk,
    )
    database = connection.settings_dict["NAME"]
    common = {"office": office, "clerk": clerk, "pool": pool, "say": say}
    with Watch(pool.workers, database) as batch_watch:
        batch_checks, batch_seconds, batch_id = scenarios.batch(**common)
    say(f"  {report.cpu_use(batch_watch)}")
    with Watch(pool.workers, database) as changes_watch:
        scenarios.changes(batch_id=batch_id, pool=pool, say=say)
    say(f"  {report.cpu_use(changes_watch)}")
    bare_seconds, floor_rows = floors.sql_floor(batch_id, foreign_keys=False)
    # Its CPU seconds are printed too: they compare with the batch's whatever share of
    # the cores either phase had.
    with Watch(pool.workers, database) as floor_watch:
        floor_seconds, _ = floors.sql_floor(batch_id, foreign_keys=True)
    say(
        f"bare-SQL floor: the batch's {floor_rows} rows written in {floor_seconds:.2f} s "
        f"with the tables' foreign keys, {bare_seconds:.2f} s without them"
    )
    say(f"  with the foreign keys, {report.cpu_use(floor_watch)}")
    with Watch(pool.workers, database) as sample_watch:
        sample_checks, sample_seconds = scenarios.per_check(sample=options.sample, **common)
    if sample_checks:
        say(f"  {report.cpu_use(sample_watch)}")
    with Watch(pool.workers, database) as singles_watch:
        latencies = scenarios.singles(count=options.singles, **common)
    if latencies:
        say(f"  {report.cpu_use(singles_watch)}")
    round_trips = floors.celery_round_trips(office=office, count=options.singles, pool=pool)
    if round_trips:
        say(
            f"bare Celery round trip: {len(round_trips)} × one no-op task per department, "
            f"p95 {report.percentile(round_trips, 0.95) * 1000:.0f} ms"
        )
    peak_kib, processes = pool.peak_kib()
    figures = Figures(
        households=options.households,
        departments=options.departments,
        batch_checks=batch_checks,
        batch_seconds=batch_seconds,
        sample_checks=sample_checks,
        sample_seconds=sample_seconds,
        latencies=latencies,
        peak_kib=peak_kib,
        processes=processes,
        workers=len(pool.workers),
        pss_kib=max(w.pss_kib for w in (batch_watch, changes_watch, sample_watch, singles_watch)),
        floor_seconds=floor_seconds,
        bare_floor_seconds=bare_seconds,
        round_trips=round_trips,
    )
    report.memory(figures, say)
    report.targets(figures, say)
    return figures
