"""Prometheus metrics at ``/metrics``, for the operators' monitoring.

- Requests and their latencies per view, and responses per status: django-prometheus's
  middlewares (with ``PROMETHEUS_MULTIPROC_DIR`` set, summed over the web server's
  processes by prometheus_client's multiprocess mode).
- Read when scraped, the same from every host (``OfficeCollector``):
  ``office_queue_messages{queue}``, the messages waiting in the default queue and each
  department's; ``office_checks_answered_total{unit}``, the checks each department answered
  (from the dashboards' weekly summaries, at most ``SUMMARY_REFRESH_SECONDS`` old, so a scrape
  costs one small query); ``office_task_failures_total{task}``, counted by the workers in the
  cache (Redis) when a task fails.

Only for the addresses in ``METRICS_ALLOWED_ADDRESSES`` (loopback by default): names of
views, queues and units, nothing about any person."""

import contextlib
import os

from celery import current_app
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db.models import Sum
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from api.tokens import address_allowed
from assistance.services import client_ip
from dashboards.models import CheckWeek
from verification.queues import queues_for

FAILURES_KEY = "metrics:task_failures:"


def task_failed(task_name: str) -> None:
    """Count one failure of ``task_name`` where every host's scrape can read it."""
    key = FAILURES_KEY + task_name
    cache.add(key, 0, timeout=None)
    with contextlib.suppress(ValueError):  # evicted between add and incr: this one is lost
        cache.incr(key)


def _depth(conn, name: str) -> int:
    # A channel each: AMQP closes the one a passive declaration of a missing queue used.
    try:
        with conn.channel() as channel:
            return channel.queue_declare(queue=name, passive=True).message_count
    except Exception:  # not declared yet (Redis drops an empty list)
        return 0


def queue_depths() -> dict[str, int]:
    """Messages waiting in the default queue and each department's (0 for one not yet
    declared); empty when tasks run in process or the broker is unreachable."""
    if current_app.conf.task_always_eager:
        return {}
    names = [current_app.conf.task_default_queue, *queues_for("all")]
    depths = {}
    try:
        with current_app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            for name in names:
                depths[name] = _depth(conn, name)
    except Exception:
        return {}
    return depths


class OfficeCollector(Collector):
    def collect(self):
        queues = GaugeMetricFamily(
            "office_queue_messages", "Messages waiting in a task queue.", labels=["queue"]
        )
        for name, depth in queue_depths().items():
            queues.add_metric([name], depth)
        yield queues
        answered = CounterMetricFamily(
            "office_checks_answered", "Checks a department answered.", labels=["unit"]
        )
        rows = CheckWeek.objects.values("unit__code").annotate(n=Sum("answered"))
        for row in rows.order_by("unit__code"):
            answered.add_metric([row["unit__code"]], row["n"] or 0)
        yield answered
        failures = CounterMetricFamily(
            "office_task_failures", "Tasks that failed, by task.", labels=["task"]
        )
        # The apps' tasks modules, which a web process has not needed to import.
        current_app.loader.import_default_modules()
        names = sorted(name for name in current_app.tasks if not name.startswith("celery."))
        counted = cache.get_many([FAILURES_KEY + name for name in names])
        for name in names:
            failures.add_metric([name], counted.get(FAILURES_KEY + name, 0))
        yield failures


_OFFICE = CollectorRegistry(auto_describe=False)
_OFFICE.register(OfficeCollector())


def _process_registry():
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


@login_not_required
@never_cache
def metrics(request):
    if not address_allowed(client_ip(request), settings.METRICS_ALLOWED_ADDRESSES):
        raise Http404
    body = generate_latest(_process_registry()) + generate_latest(_OFFICE)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
