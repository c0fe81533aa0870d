"""Events for the departments' systems: subscriptions (a callback URL per client, with a
signing secret shown once), deliveries queued in the transaction that created the checks
or referrals, and each delivery's attempts, POSTed by a Celery task after the commit.

Every delivery is a row before it is a message: the task claims it in the database (one
attempt at a time, however many messages arrive), records what happened and, after a
failure, when to try again; a message lost on the way (broker down, worker killed) is sent
again by the sweep. The payload names the event and the objects' ids only, never personal
data: the receiver reads each object with its own token, and that read is logged."""

import datetime
import hashlib
import hmac
import http.client
import json
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from assistance.outbox import send_or_leave_for_sweep

from .models import ApiClient, EventDelivery, EventSubscription

logger = logging.getLogger(__name__)

DELIVER_TASK = "api.tasks.event_deliver_task"
CONNECT_TIMEOUT = 3
READ_TIMEOUT = 10
# While an attempt runs its delivery is leased to it for this long (both timeouts and a
# margin): a second message for the same delivery finds it not due and leaves it.
LEASE = datetime.timedelta(seconds=CONNECT_TIMEOUT + READ_TIMEOUT + 5)
Status = EventDelivery.Status


class SubscriptionRefused(Exception):
    """A subscription was refused; ``message`` says why, ``field`` which field."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message, self.field = message, field


# --- Signing ---------------------------------------------------------------------------------


def subscription_secret(subscription: EventSubscription) -> str:
    """The subscription's signing secret, derived from its salt and API_EVENTS_KEY."""
    return salted_hmac(
        "api.events.subscription", subscription.salt, settings.API_EVENTS_KEY, algorithm="sha256"
    ).hexdigest()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 of ``<timestamp>.<body>``: the timestamp is signed too, so a receiver
    that refuses old timestamps cannot be sent a recorded delivery again."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


# --- Subscriptions ---------------------------------------------------------------------------


@transaction.atomic
def subscription_create(
    *, actor, client: ApiClient, url: str, events: list[str]
) -> tuple[EventSubscription, str]:
    """A new subscription of ``client`` and its signing secret, shown this once.
    ``actor`` is the security administrator, or the client's own account when the client
    subscribes through the API."""
    subscription = EventSubscription(
        client=client, url=url, events=sorted(set(events)), salt=secrets.token_hex(16)
    )
    try:
        subscription.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise SubscriptionRefused(messages[0], field) from None
    subscription._history_user = actor
    subscription.save()
    return subscription, subscription_secret(subscription)


@transaction.atomic
def subscription_end(*, actor, subscription: EventSubscription) -> EventSubscription:
    """Stop sending to ``subscription``: its deliveries not yet made are given up."""
    subscription = EventSubscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.active:
        subscription.active = False
        subscription._history_user = actor
        subscription.save(update_fields=["active"])
    return subscription


def subscriptions_of(client: ApiClient):
    """The client's active subscriptions: all that it sees and may end."""
    return EventSubscription.objects.filter(client=client, active=True).order_by("pk")


# --- Queueing ----------------------------------------------------------------------------------


def deliveries_queue(*, event: str, by_unit: dict[int, list[int]]) -> list[int]:
    """In the transaction that created the objects (``by_unit``: unit key → object keys):
    one delivery per active subscription to ``event`` of a usable client of each unit,
    carrying all that unit's ids, written in one statement and sent after the commit.
    Returns the deliveries' keys."""
    now = timezone.now()
    subscriptions = EventSubscription.objects.filter(
        active=True,
        client__unit_id__in=list(by_unit),
        client__revoked_at__isnull=True,
        client__expires_at__gt=now,
    ).values_list("pk", "client__unit_id", "events")
    deliveries = [
        EventDelivery(
            subscription_id=pk,
            event=event,
            object_ids=sorted(by_unit[unit_id]),
            payload={"event": event, "ids": sorted(by_unit[unit_id]), "at": now.isoformat()},
            next_attempt=now,
            created_at=now,
        )
        for pk, unit_id, events in subscriptions
        if event in events
    ]
    if not deliveries:
        return []
    keys = [d.pk for d in EventDelivery.objects.bulk_create(deliveries)]
    transaction.on_commit(lambda: deliveries_send(keys))
    return keys


def deliveries_send(keys: list[int], countdown: int = 0) -> int:
    """Send each delivery's task (default queue); stop at the first the broker refuses,
    leaving the rest to the sweep. Returns how many were sent."""
    sent = 0
    for key in keys:
        if not send_or_leave_for_sweep(
            DELIVER_TASK, key, what=f"event delivery {key}", countdown=countdown
        ):
            break
        sent += 1
    return sent


def deliveries_resend(*, older_than: datetime.timedelta | None = None) -> int:
    """Send again the deliveries still pending ``older_than`` (API_EVENT_RESEND_AFTER_MINUTES)
    after they were due: their message was lost. Oldest first, at most 1,000 a sweep."""
    if older_than is None:
        older_than = datetime.timedelta(minutes=settings.API_EVENT_RESEND_AFTER_MINUTES)
    due = EventDelivery.objects.filter(
        status=Status.PENDING, next_attempt__lte=timezone.now() - older_than
    ).order_by("next_attempt", "pk")
    return deliveries_send(list(due.values_list("pk", flat=True)[:1000]))


# --- Attempts ----------------------------------------------------------------------------------


@dataclass
class Attempt:
    """What one attempt did: ``status`` afterwards and, when to try again, ``retry_in``
    seconds."""

    status: str
    retry_in: int = 0
    error: str = ""


def delivery_attempt(*, delivery_id: int) -> Attempt | None:
    """POST one pending delivery, if due, and record the outcome: delivered on any 2xx;
    otherwise tried again after API_EVENT_RETRY_SECONDS, doubled each time (at most
    API_EVENT_RETRY_MAX_SECONDS), and failed after API_EVENT_MAX_ATTEMPTS attempts. None
    when there was nothing to do (delivered, failed, not due, or another attempt under
    way), so a repeated message changes nothing."""
    now = timezone.now()
    claimed = EventDelivery.objects.filter(
        pk=delivery_id, status=Status.PENDING, next_attempt__lte=now
    ).update(next_attempt=now + LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return None
    delivery = EventDelivery.objects.select_related("subscription__client").get(pk=delivery_id)
    subscription = delivery.subscription
    if not subscription.active or not subscription.client.usable(now):
        return _record(delivery, Attempt(Status.FAILED, error="subscription ended"))
    error = _post(subscription, delivery)
    if not error:
        return _record(delivery, Attempt(Status.DELIVERED))
    if delivery.attempts >= settings.API_EVENT_MAX_ATTEMPTS:
        return _record(delivery, Attempt(Status.FAILED, error=error))
    pause = settings.API_EVENT_RETRY_SECONDS * 2 ** (delivery.attempts - 1)
    pause = min(pause, settings.API_EVENT_RETRY_MAX_SECONDS)
    return _record(delivery, Attempt(Status.PENDING, retry_in=pause, error=error))


def _record(delivery: EventDelivery, attempt: Attempt) -> Attempt:
    now = timezone.now()
    values = {"status": attempt.status, "last_error": attempt.error[:300]}
    if attempt.status == Status.DELIVERED:
        values["delivered_at"] = now
    if attempt.status == Status.PENDING:
        values["next_attempt"] = now + datetime.timedelta(seconds=attempt.retry_in)
    EventDelivery.objects.filter(pk=delivery.pk).update(**values)
    return attempt


def _post(subscription: EventSubscription, delivery: EventDelivery) -> str:
    """POST the signed payload (connect timeout 3 s, read 10 s, no redirect followed);
    returns "" when the receiver answered 2xx, else what went wrong."""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(timezone.now().timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "assistance-office-events/1",
        "X-Event": delivery.event,
        "X-Delivery": str(delivery.pk),
        "X-Timestamp": timestamp,
        "X-Signature": "sha256=" + signature(subscription_secret(subscription), timestamp, body),
    }
    parts = urlsplit(subscription.url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname, parts.port, timeout=CONNECT_TIMEOUT)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.connect()
        connection.sock.settimeout(READ_TIMEOUT)
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        if 200 <= response.status < 300:
            return ""
        return f"HTTP {response.status}"
    except (OSError, http.client.HTTPException) as exc:
        logger.info("Event delivery %s to %s failed: %r", delivery.pk, subscription.url, exc)
        return f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()
