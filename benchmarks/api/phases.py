"""The benchmark's measurements, each on its own share of the checks: the bare floors
(SQL and HTTP), the batches, single answers and the naive way (one call per check)."""

import time

import psycopg2.extras
from django.db import connection
from django.urls import reverse

from verification.models import Finding

from .calls import Call, Timing, post_json, run
from .data import Data, answers

FLOOR_CALLS = 300


def bare_http(port: int) -> tuple[Timing, Timing]:
    """The bare round trips: the server's socket without Django (``/bench-ping``), and the
    cheapest call through Django's whole stack (the checks' list without a token: 401,
    nothing read from the database)."""
    ping = run(port, [Call("GET", "/bench-ping")] * FLOOR_CALLS)
    headers = (("X-Forwarded-Proto", "https"),)
    refused = Call("GET", reverse("api-v1:list_checks"), headers=headers)
    stack = run(port, [refused] * FLOOR_CALLS, expect=401)
    return ping, stack


def bare_sql(data: Data, checks: range, batch: int) -> float:
    """Seconds to write the findings of ``checks`` with one bare INSERT per ``batch``
    checks, each its own transaction, on a connection of its own: no application, no
    validation, no history, no request completed. The floor no API can beat."""
    items = {code: key for key, code in data.items}
    columns = ["department_check_id", "member_id", "item_id", "result", "details", "amount"]
    statement = (
        f'INSERT INTO "{Finding._meta.db_table}" ({", ".join(columns)}, snapshot_id) VALUES %s'
    )
    groups = [list(checks[i : i + batch]) for i in range(0, len(checks), batch)]
    rows_of = [
        [
            (check, a["member"], items[a["item"]], a["result"], a["details"], a["amount"], None)
            for check in group
            for a in answers(data, check)
        ]
        for group in groups
    ]
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            started = time.perf_counter()
            for rows in rows_of:
                psycopg2.extras.execute_values(cursor, statement, rows, page_size=len(rows))
            return time.perf_counter() - started
    finally:
        raw.close()


def batches(port: int, data: Data, checks: range, *, batch: int, token: str, clients: int):
    path = reverse("api-v1:answer_checks")
    calls = [
        post_json(
            path,
            {"checks": [{"check": k, "answers": answers(data, k)} for k in checks[i : i + batch]]},
            token=token,
            key=f"bench-batch-{checks[i]}",
        )
        for i in range(0, len(checks), batch)
    ]
    timing = run(port, calls, clients=clients)
    answered = sum(answer["answered"] for answer in timing.answers)
    return timing, answered


def one_per_call(port: int, data: Data, checks: range, *, token: str, clients: int) -> Timing:
    """Each check of ``checks`` answered by its own call (POST /checks/{id}/answers)."""
    calls = [
        post_json(
            reverse("api-v1:answer_check", kwargs={"check_id": k}),
            {"answers": answers(data, k)},
            token=token,
            key=f"bench-one-{k}",
        )
        for k in checks
    ]
    return run(port, calls, clients=clients)
