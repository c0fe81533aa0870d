"""Health of a running site, for the load balancer and the operators' monitoring.

- ``/health/``: this web process and what it needs to serve: the database, the cache and
  the broker, each "ok", "unreachable" or (the broker of a first run, which runs tasks in
  process) "in_process". 200 when all are usable, else 503.
- ``/health/workers/``: the Celery workers answering a ping, the queues they consume, and
  the department queues no worker consumes (a department's checks would wait there). 200
  when every department queue and the default one have a consumer, else 503.

No sign-in (a load balancer has none), so they say nothing about any person or household:
statuses, worker names and queue names only."""

import contextlib

from celery import current_app
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from verification.queues import queues_for

OK, UNREACHABLE, IN_PROCESS = "ok", "unreachable", "in_process"
TIMEOUT_SECONDS = 2


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return OK
    except Exception:
        return UNREACHABLE


def _cache() -> str:
    try:
        cache.set("health:probe", 1, timeout=10)
        return OK if cache.get("health:probe") == 1 else UNREACHABLE
    except Exception:
        return UNREACHABLE


def _broker() -> str:
    if current_app.conf.task_always_eager:
        return IN_PROCESS
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)
        return OK
    except Exception:
        return UNREACHABLE


def _answer(usable: bool, body: dict) -> JsonResponse:
    status = OK if usable else UNREACHABLE
    return JsonResponse({"status": status, **body}, status=200 if usable else 503)


def components() -> dict[str, str]:
    return {"database": _database(), "cache": _cache(), "broker": _broker()}


@login_not_required
@never_cache
@require_GET
def health(request):
    found = components()
    usable = all(status in (OK, IN_PROCESS) for status in found.values())
    return _answer(usable, found)


def consumed_queues(timeout: float = TIMEOUT_SECONDS) -> dict[str, list[str]]:
    """Each answering worker and the queues it consumes."""
    replies = current_app.control.inspect(timeout=timeout).active_queues() or {}
    return {worker: sorted(q["name"] for q in queues) for worker, queues in replies.items()}


def workers_report(timeout: float = TIMEOUT_SECONDS) -> dict:
    """The workers, their queues, and the queues that must be consumed and are not."""
    workers: dict[str, list[str]] = {}
    with contextlib.suppress(Exception):  # a broker down: no worker answers
        workers = consumed_queues(timeout)
    consumed = {name for names in workers.values() for name in names}
    needed = [current_app.conf.task_default_queue, *queues_for("all")]
    return {"workers": workers, "unconsumed": [q for q in needed if q not in consumed]}


@login_not_required
@never_cache
@require_GET
def health_workers(request):
    if current_app.conf.task_always_eager:
        return JsonResponse({"status": IN_PROCESS, "workers": {}, "unconsumed": []})
    report = workers_report()
    usable = bool(report["workers"]) and not report["unconsumed"]
    return _answer(usable, report)
