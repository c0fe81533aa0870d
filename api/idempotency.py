"""Writes under an ``Idempotency-Key``, one mechanism for every operation that writes.

The first call's response is kept with a hash of what it asked (the operation, its object
and its body), so a repeated call (a retry after a timeout) returns it and changes
nothing, and the same key with anything else is refused (409). The write and its record
commit together, so a retry never finds half of one; a refused write (an ``ApiError``)
keeps nothing, and the same key may be used again."""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from ninja import Header

from .errors import ApiError
from .models import ApiClient, IdempotentCall


def key_header():
    """The ``Idempotency-Key`` header every write requires."""
    return Header(..., alias="Idempotency-Key", min_length=1, max_length=100)


def body_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _stored(client: ApiClient, key: str, digest: str) -> tuple[int, dict] | None:
    call = IdempotentCall.objects.filter(client=client, key=key).first()
    if call is None:
        return None
    if call.body_hash != digest:
        raise ApiError(
            409,
            "idempotency_key_reused",
            _("This Idempotency-Key was used with another body."),
            "Idempotency-Key",
        )
    return call.status, call.response


def idempotent(
    *, client: ApiClient, key: str, asked: dict, write: Callable[[], dict]
) -> tuple[int, dict]:
    """(status, response) of ``write()`` (which returns the response, JSON-ready, or raises
    ``ApiError``) for what was ``asked``; the first response again for a retry."""
    digest = body_hash(asked)
    stored = _stored(client, key, digest)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            response = write()
            IdempotentCall.objects.create(
                client=client, key=key, body_hash=digest, status=200, response=response
            )
    except IntegrityError:
        # The same key, committed by a concurrent call a moment earlier.
        stored = _stored(client, key, digest)
        if stored is None:
            raise
        return stored
    return 200, response
