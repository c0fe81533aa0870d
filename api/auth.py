"""Who is calling: a bearer token of a usable client (not revoked, not expired), from one of
its allowed addresses. Every refusal answers the same 401, so a caller learns nothing about
which clients exist.

The client's own account (``principal``) is marked as acting for the client's unit for
this call (``members.acting``): the services the pages use then let the unit's system
sign for, return, report on and close the unit's referrals under that account, which the
histories and timelines name, without it being one of the unit's liaisons."""

from django.utils import timezone
from ninja.security import HttpBearer

from assistance.services import client_ip
from members.acting import act_for_unit

from . import services, tokens
from .models import ApiClient


class ClientToken(HttpBearer):
    def authenticate(self, request, token):
        key, secret = tokens.split(token)
        if not key or not secret:
            return None
        client = ApiClient.objects.select_related("unit", "principal").filter(key_id=key).first()
        if client is None or not tokens.matches(secret, client.secret_hash):
            return None
        if not client.usable(timezone.now()):
            return None
        if not tokens.address_allowed(client_ip(request), client.allowed_addresses):
            return None
        if client.principal is None:
            client.principal = services.client_principal(client=client)
        act_for_unit(client.principal, client.unit)
        return client
