"""Starting and stopping the benchmark's API server process (``server.py``) on the
throwaway database, with its own default queue and cache prefix, and removing what it
left in the broker and the cache."""

import os
import secrets
import select
import subprocess
import sys
import tempfile
from pathlib import Path

import redis
from celery import current_app
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

from assistance.broker import is_amqp, queues_delete
from benchmarks.verification.database import database_url
from benchmarks.verification.workers import stop_group

START_SECONDS = 60


class ServerProcess:
    """The API server in its own process group, its output in a log file."""

    def __init__(self):
        self.token = secrets.token_hex(3)
        self.queue = f"apibench.{self.token}"
        self.cache_prefix = f"apibench{self.token}"
        self.unit_prefix = f"apibench{self.token}"
        self.log = Path(tempfile.mkdtemp(prefix="bench_api-")) / "server.log"
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> int:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(
                connection.settings_dict, connection.settings_dict["NAME"]
            ),
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_PROXY_SSL_HEADER": "1",
            "BENCH_DEFAULT_QUEUE": self.queue,
            "CACHE_KEY_PREFIX": self.cache_prefix,
            # The benchmark makes tens of thousands of calls in a few minutes.
            "API_RATE_LIMIT": "10000000/m",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.api.server"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=self.log.open("w"),
            cwd=settings.BASE_DIR,
            start_new_session=True,
            text=True,
        )
        ready, _, _ = select.select([self.process.stdout], [], [], START_SECONDS)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("ready "):
            self.stop()
            raise CommandError(f"The API server did not start:\n{self.log.read_text()[-3000:]}")
        self.port = int(line.split()[1])
        return self.port

    def stop(self):
        if self.process is not None:
            stop_group(self.process)

    def clean(self, say):
        """Delete the server's queue (on Redis, its bindings' keys too) and remove its
        cache keys."""
        try:
            queues_delete([self.queue])
            if not is_amqp():
                with current_app.connection_for_write() as conn:
                    client = conn.default_channel.client
                    for key in client.scan_iter(match=f"*{self.queue}*"):
                        client.delete(key)
        except Exception as exc:
            say(f"could not empty the bench queue: {exc}")
        if getattr(settings, "CACHE_URL", ""):
            cache = redis.Redis.from_url(settings.CACHE_URL)
            for key in cache.scan_iter(match=f"{self.cache_prefix}:*"):
                cache.delete(key)


def broker_messages() -> int | None:
    """Messages waiting in every queue of the configured broker (Redis: its lists and the
    messages taken but not acknowledged); None for another broker."""
    with current_app.connection_for_write() as conn:
        client = getattr(conn.default_channel, "client", None)
        if client is None:
            return None
        total = 0
        for key in client.scan_iter():
            kind = client.type(key)
            if kind in (b"list", "list"):
                total += client.llen(key)
            elif key in (b"unacked", "unacked"):
                total += client.hlen(key)
        return total
