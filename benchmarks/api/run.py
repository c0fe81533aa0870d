"""One run of the API benchmark (see this package's docstring)."""

import os
from dataclasses import dataclass, fields

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from benchmarks.verification.database import (
    create_database,
    drop_database,
    refuse_unless_real,
    use_database,
)

from . import phases
from .data import fill
from .server_process import ServerProcess, broker_messages

TARGET_CHECKS_PER_SECOND = 2000
TARGET_SINGLE_P95_MS = 100


@dataclass(frozen=True)
class Options:
    """The benchmark's settings (``manage.py bench_api --help``)."""

    checks: int  # answered in batches (and as many the naive way, and by the SQL floor)
    batch: int  # checks per batch call
    singles: int  # single answers timed
    naive: int  # checks answered one call each; -1: as many as --checks
    clients: int  # calls at once
    keep: bool

    @classmethod
    def pick(cls, options: dict) -> "Options":
        return cls(**{field.name: options[field.name] for field in fields(cls)})

    def validate(self):
        for name in ("checks", "batch", "clients"):
            if getattr(self, name) < 1:
                raise CommandError(f"--{name} must be at least 1.")
        if self.batch > 500:
            raise CommandError("--batch cannot exceed 500, the API's limit per call.")
        if self.singles < 0:
            raise CommandError("--singles cannot be negative.")

    @property
    def naive_checks(self) -> int:
        return self.checks if self.naive < 0 else self.naive


def _load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def bench_api(options: Options, stdout, register_client):
    """Run the benchmark in a throwaway database beside the configured one; the last line
    states the figures. ``register_client(unit)`` returns the token of a new API client of
    ``unit`` allowed to answer from 127.0.0.1 (the API's own service, passed in by the
    command: no benchmark imports the API). The server is stopped, its queue and cache
    keys removed and the database dropped (unless ``keep``) whatever happens."""
    refuse_unless_real("bench_api")
    options.validate()
    say = lambda line: stdout.write(line + "\n")  # noqa: E731
    before = broker_messages()
    original = connection.settings_dict["NAME"]
    bench = f"{original}_apibench"[:63]
    server = ServerProcess()
    create_database(bench, say)
    try:
        use_database(bench)
        line = _measure(options, server, register_client, say)
    finally:
        server.stop()
        server.clean(say)
        use_database(original)
        if options.keep:
            say(f"kept the bench database {bench}")
        else:
            drop_database(bench, say)
    after = broker_messages()
    say(f"broker messages in every queue: {before} before, {after} after")
    stdout.write(line + "\n")


def _measure(options: Options, server: ServerProcess, register_client, say) -> str:
    call_command("migrate", interactive=False, verbosity=0)
    n, naive = options.checks, options.naive_checks
    # Each phase answers its own checks: the batches, the SQL floor, singles, naive.
    shares = {}
    start = 1
    for name, count in (("batch", n), ("floor", n), ("singles", options.singles), ("naive", naive)):
        shares[name] = range(start, start + count)
        start += count
    data = fill(checks=start - 1, unit_prefix=server.unit_prefix)
    say(f"filled: {start - 1} delivered checks of one department, 3 members × 2 items each")
    token = register_client(data.unit)
    port = server.start()
    say(f"server on 127.0.0.1:{port} (DEBUG=0; log {server.log})")
    say(f"before measuring: {_load()}")
    ping, stack = phases.bare_http(port)
    say(
        f"bare HTTP round trip: no Django p50 {ping.p50:.2f} ms p95 {ping.p95:.2f} ms; "
        f"through Django (401, no database) p50 {stack.p50:.2f} ms p95 {stack.p95:.2f} ms"
    )
    floor = phases.bare_sql(data, shares["floor"], options.batch)
    say(f"bare SQL floor: {n} checks' findings in {floor:.2f} s, one INSERT per {options.batch}")
    timing, answered = phases.batches(
        port, data, shares["batch"], batch=options.batch, token=token, clients=options.clients
    )
    if answered != n:
        raise CommandError(f"The batches answered {answered} of {n} checks.")
    rate = n / timing.wall
    say(
        f"batches: {n} checks in {timing.wall:.2f} s = {rate:.0f} checks/s; "
        f"{len(timing.latencies)} calls of {options.batch}, p50 {timing.p50:.0f} ms "
        f"p95 {timing.p95:.0f} ms; {timing.wall / floor:.1f}x the bare SQL floor"
    )
    single = phases.one_per_call(port, data, shares["singles"], token=token, clients=1)
    if options.singles:
        say(
            f"single answers: {options.singles} calls, p50 {single.p50:.1f} ms "
            f"p95 {single.p95:.1f} ms; {single.p95 / stack.p95:.1f}x the bare round trip's p95"
        )
    slow = phases.one_per_call(port, data, shares["naive"], token=token, clients=options.clients)
    naive_rate = naive / slow.wall if slow.wall else 0
    say(
        f"naive (one call per check): {naive} checks in {slow.wall:.2f} s = "
        f"{naive_rate:.0f} checks/s; batches are {rate / naive_rate:.1f}x faster"
        if naive
        else "naive: not measured"
    )
    say(f"after measuring: {_load()}")
    verdict = "meets" if rate >= TARGET_CHECKS_PER_SECOND else "MISSES"
    single_verdict = "meets" if single.p95 < TARGET_SINGLE_P95_MS else "MISSES"
    say(
        f"target {TARGET_CHECKS_PER_SECOND} checks/s: {verdict}; single p95 target "
        f"{TARGET_SINGLE_P95_MS} ms: {single_verdict if options.singles else 'not measured'}"
    )
    singles = (
        f"single answer p50 {single.p50:.0f} ms p95 {single.p95:.0f} ms "
        f"({single.p95 / stack.p95:.1f}x the bare round trip)"
        if options.singles
        else "single answers not measured"
    )
    return (
        f"bench_api: {n} checks in batches of {options.batch} in {timing.wall:.2f} s = "
        f"{rate:.0f} checks/s (p95 {timing.p95:.0f} ms per call, "
        f"{timing.wall / floor:.1f}x the bare SQL floor); {singles}; "
        + (f"naive {naive_rate:.0f} checks/s" if naive else "naive not measured")
    )
