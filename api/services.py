"""Registering, rotating and revoking API clients (the security administrator's work).
Each returns the secret where one is made, to be shown once; only its hash is kept."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assistance.people import SYSTEM_ACCOUNT_PREFIX
from members.models import MemberUnit

from . import tokens
from .models import ApiClient


def _issue(client: ApiClient) -> str:
    secret = tokens.new_secret()
    client.secret_hash = tokens.digest(secret)
    return f"{client.key_id}.{secret}"


def _new_principal(key: str, name: str):
    """The client's own account: inactive, no usable password, never a liaison."""
    principal = get_user_model().objects.create_user(
        username=f"{SYSTEM_ACCOUNT_PREFIX}{key}", first_name=name[:150], is_active=False
    )
    principal.set_unusable_password()
    principal.save(update_fields=["password"])
    return principal


@transaction.atomic
def client_principal(*, client: ApiClient):
    """The client's account, made now for a client registered before clients had one."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.principal is None:
        client.principal = _new_principal(client.key_id, client.name)
        client._history_user = None
        client._change_reason = "account of its own"
        client.save(update_fields=["principal"])
    return client.principal


@transaction.atomic
def client_register(
    *,
    actor,
    name: str,
    unit: MemberUnit,
    scopes: list[str],
    allowed_addresses: str,
    expires_at: datetime.datetime,
) -> tuple[ApiClient, str]:
    """A new client and its token (``<key>.<secret>``), shown this once."""
    key = tokens.new_key()
    client = ApiClient(
        principal=_new_principal(key, name),
        name=name,
        unit=unit,
        scopes=sorted(set(scopes)),
        allowed_addresses=allowed_addresses,
        expires_at=expires_at,
        key_id=key,
        created_by=actor,
    )
    token = _issue(client)
    client._history_user = actor
    client.full_clean()
    client.save()
    return client, token


@transaction.atomic
def client_rotate(*, actor, client: ApiClient) -> str:
    """A new secret for ``client``; the old one stops working at once."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    token = _issue(client)
    client._history_user = actor
    client._change_reason = "secret rotated"
    client.save(update_fields=["secret_hash"])
    return token


@transaction.atomic
def client_revoke(*, actor, client: ApiClient) -> ApiClient:
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client._history_user = actor
        client.save(update_fields=["revoked_at"])
    return client
