"""Starting and stopping the benchmark's Celery worker processes, and its queues.

Its queues are named with a fresh token (the default queue ``bench.<token>``, the units'
``verify.bench<token>-NN``), so no other worker takes their tasks; they are emptied
before the workers start and after they stop."""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, connections

from assistance.broker import is_amqp, queues_delete, queues_purge
from verification.queues import queues_for

from .database import database_url
from .machine import children, proc_table, status_kib

START_SECONDS = 90


class Worker:
    """A Celery worker process started by the benchmark, in its own process group."""

    def __init__(self, name: str, process: subprocess.Popen, log: Path):
        self.name, self.process, self.log = name, process, log

    def peak_kib(self) -> tuple[int, int]:
        """VmHWM of the main process and its pool processes, summed (an upper bound of
        what the worker held at once: shared pages count in each process and the peaks
        need not coincide); and how many processes that is."""
        pids = children(proc_table(), self.process.pid)
        return sum(status_kib(pid, "VmHWM") for pid in pids), len(pids)

    def stop(self):
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class WorkerPool:
    """The benchmark's workers, their logs (in a fresh temporary folder) and its queues."""

    def __init__(self, say):
        self.say = say
        self.token = secrets.token_hex(3)
        self.default_queue = f"bench.{self.token}"
        self.unit_prefix = f"bench{self.token}"
        self.workers: list[Worker] = []
        self.logdir = Path(tempfile.mkdtemp(prefix="bench_verification-"))

    def start(self, *, count: int, concurrency: int, pool: str, loglevel: str, chunk: int):
        """Start ``count`` workers on the current database, consuming the default queue
        and every unit's queue (``VERIFY_QUEUES=all``), and wait until each answers."""
        current_app.conf.task_default_queue = self.default_queue
        self.purge_queues()
        env = self._environment(chunk)
        connections.close_all()
        options = ["-P", pool, "-c", str(concurrency)]
        options += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        options += ["-l", loglevel]
        for number in range(1, count + 1):
            self.workers.append(self._spawn(number, env, options))
        self._await_answers()
        self.say(
            f"started {len(self.workers)} worker(s) × concurrency {concurrency} "
            f"(logs in {self.logdir})"
        )

    def _environment(self, chunk: int) -> dict[str, str]:
        database = connection.settings_dict["NAME"]
        env = {
            **os.environ,
            "DATABASE_URL": database_url(connection.settings_dict, database),
            "VERIFY_QUEUES": "all",
            # What the workers send with no queue of its own (a batch's changes) stays in
            # the bench's queue, emptied at the end, never the configured broker's default.
            "CELERY_DEFAULT_QUEUE": self.default_queue,
            # Production settings: no query log kept in memory.
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
        }
        if chunk:
            env["VERIFICATION_BATCH_CHUNK"] = str(chunk)
        return env

    def _spawn(self, number: int, env: dict[str, str], options: list[str]) -> Worker:
        """Worker ``number``, in its own session (so its pool is stopped with it), its
        output in its log."""
        name = f"{self.unit_prefix}-w{number}@bench"
        log = self.logdir / f"worker{number}.log"
        command = [sys.executable, "-m", "celery", "-A", "office", "worker", "-n", name]
        command += ["-Q", self.default_queue, *options]
        with log.open("w") as out:
            process = subprocess.Popen(
                command,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=settings.BASE_DIR,
                start_new_session=True,
            )
        return Worker(name, process, log)

    def _await_answers(self):
        deadline = time.monotonic() + START_SECONDS
        waiting = {w.name for w in self.workers}
        while waiting:
            for worker in self.workers:
                if worker.process.poll() is not None:
                    raise CommandError(f"A worker did not start:\n{worker.log.read_text()}")
            for reply in current_app.control.ping(destination=sorted(waiting), timeout=1):
                waiting -= set(reply)
            if time.monotonic() > deadline:
                raise CommandError(
                    f"The workers did not answer in {START_SECONDS} s (logs in {self.logdir})."
                )

    def stop(self):
        for worker in self.workers:
            worker.stop()

    def alive(self):
        """Raise, with its log's end, if a worker died."""
        for worker in self.workers:
            if worker.process.poll() is not None:
                raise CommandError(f"A worker died:\n{worker.log.read_text()[-3000:]}")

    def peak_kib(self) -> tuple[int, int]:
        """The largest worker's summed VmHWM, and its number of processes."""
        return max((worker.peak_kib() for worker in self.workers), default=(0, 0))

    def wait(self, condition, *, interval: float, timeout: float = 3600):
        """Poll ``condition`` every ``interval`` seconds until it holds, as long as the
        workers live."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise CommandError(f"Gave up waiting after {timeout:.0f} s.")
            self.alive()
            time.sleep(interval)

    def _queues(self) -> list[str]:
        names = [self.default_queue]
        with contextlib.suppress(Exception):  # the bench database may be gone or half made
            names += [q for q in queues_for("all") if q.startswith(f"verify.{self.unit_prefix}-")]
        return names

    def purge_queues(self):
        try:
            queues_purge(self._queues())
        except Exception as exc:
            self.say(f"could not empty the bench queues: {exc}")

    def delete_queues(self):
        """Leave the broker as the bench found it: its queues gone (and, on Redis, the keys
        holding their bindings)."""
        try:
            queues_delete(self._queues())
            if not is_amqp():
                with current_app.connection_for_write() as conn:
                    client = conn.default_channel.client
                    for key in client.scan_iter(match=f"*{self.token}*"):
                        client.delete(key)
        except Exception as exc:
            self.say(f"could not delete the bench queues: {exc}")
