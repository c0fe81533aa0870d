"""Calls to the benchmark's server as a department's system makes them: JSON over
HTTP/1.1 with keep-alive (one connection per client thread), each call timed from
sending to the last byte of its answer."""

import http.client
import json
import socket
import statistics
import threading
import time
from dataclasses import dataclass

from django.core.management.base import CommandError


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Timing:
    wall: float  # seconds, first call sent to last answer read
    latencies: list[float]  # milliseconds, per call
    answers: list[dict]

    def p(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, round(share * len(ordered)) - 1)] if ordered else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else 0.0

    @property
    def p95(self) -> float:
        return self.p(0.95)


def post_json(path: str, body, *, token: str, key: str) -> Call:
    return Call(
        "POST",
        path,
        json.dumps(body).encode(),
        (
            ("Authorization", f"Bearer {token}"),
            ("Content-Type", "application/json"),
            ("Idempotency-Key", key),
            # What a TLS-terminating proxy in front of the server tells it.
            ("X-Forwarded-Proto", "https"),
        ),
    )


def run(port: int, calls: list[Call], *, clients: int = 1, expect: int = 200) -> Timing:
    """Make ``calls`` through ``clients`` connections at once (each takes the next call
    when its last one is answered); raise if an answer is not ``expect``."""
    latencies: list[float] = [0.0] * len(calls)
    answers: list[dict] = [{}] * len(calls)
    cursor = iter(range(len(calls)))
    lock = threading.Lock()
    failures: list[str] = []

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.connect()
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while not failures:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    return
                call = calls[index]
                started = time.perf_counter()
                connection.request(call.method, call.path, call.body, dict(call.headers))
                response = connection.getresponse()
                content = response.read()
                latencies[index] = (time.perf_counter() - started) * 1000
                if response.status != expect:
                    failures.append(
                        f"{call.method} {call.path}: {response.status} {content[:500]!r}"
                    )
                    return
                if content and response.getheader("Content-Type", "").startswith(
                    "application/json"
                ):
                    answers[index] = json.loads(content)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(max(1, clients))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise CommandError(f"The server refused a call: {failures[0]}")
    return Timing(wall=wall, latencies=latencies, answers=answers)
