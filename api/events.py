"""The client's own event subscriptions: list them, subscribe a callback URL, end one
(scope ``events:manage``). A client sees and ends only its own; another client's is 404.
The signing secret is in the answer to the subscription, and never again."""

import datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Router, Schema, Status

from . import webhooks
from .errors import ApiError, Error, require_scope
from .models import Scope

router = Router(tags=["events"])

EventName = Literal["check.created", "referral.created"]


class SubscriptionIn(Schema):
    # The schema takes any web address; the rules (https, no credentials) refuse with 409.
    # Visible ASCII only, spelled out: "\S" means one thing to the schema's readers
    # (ECMAScript: U+0085 is not a space) and another to pydantic's regex (it is), so a
    # URL the schema allowed was refused as invalid. A host in another script is sent
    # in its ASCII form (punycode), as the callback's HTTP client needs it anyway.
    url: str = Field(..., max_length=500, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[!-~]+$")
    events: list[EventName] = Field(..., min_length=1, max_length=2)


class SubscriptionOut(Schema):
    id: int
    url: str
    events: list[str]
    created_at: datetime.datetime


class SubscriptionCreated(SubscriptionOut):
    # HMAC-SHA256 key of the X-Signature header; shown this once.
    secret: str


def _out(subscription) -> dict:
    return {
        "id": subscription.pk,
        "url": subscription.url,
        "events": subscription.events,
        "created_at": subscription.created_at,
    }


@router.get(
    "/subscriptions",
    response={200: list[SubscriptionOut], 401: Error, 403: Error},
    summary="The client's event subscriptions",
)
def list_subscriptions(request):
    """The calling client's active subscriptions, oldest first."""
    require_scope(request, Scope.EVENTS_MANAGE)
    return [_out(s) for s in webhooks.subscriptions_of(request.auth)]


@router.post(
    "/subscriptions",
    response={201: SubscriptionCreated, 401: Error, 403: Error, 409: Error, 422: Error},
    summary="Subscribe a callback URL to events",
)
def create_subscription(request, body: SubscriptionIn):
    """POST each event of the unit (``check.created``, ``referral.created``: the ids of
    the new objects, never personal data) to ``url`` (https), signed with the secret in
    this answer (shown once): ``X-Signature: sha256=<HMAC-SHA256 of "<X-Timestamp>.<body>">``.
    A web address the rules refuse (not https, a user name or password in it) is 409."""
    require_scope(request, Scope.EVENTS_MANAGE)
    client = request.auth
    try:
        subscription, secret = webhooks.subscription_create(
            actor=client.principal, client=client, url=body.url, events=list(body.events)
        )
    except webhooks.SubscriptionRefused as refused:
        raise ApiError(409, "refused", refused.message, refused.field) from None
    return Status(201, {**_out(subscription), "secret": secret})


@router.delete(
    "/subscriptions/{subscription_id}",
    response={204: None, 401: Error, 403: Error, 404: Error},
    summary="End a subscription",
)
def delete_subscription(request, subscription_id: int):
    """End one of the client's subscriptions: nothing more is sent to it."""
    require_scope(request, Scope.EVENTS_MANAGE)
    subscription = webhooks.subscriptions_of(request.auth).filter(pk=subscription_id).first()
    if subscription is None:
        raise Http404
    webhooks.subscription_end(actor=request.auth.principal, subscription=subscription)
    return Status(204, None)
