"""Who is calling: a bearer token of a usable client (not revoked, not expired), from one of
its allowed addresses. Every refusal answers the same 401, so a caller learns nothing about
which clients exist."""

from django.utils import timezone
from ninja.security import HttpBearer

from assistance.services import client_ip

from . import tokens
from .models import ApiClient


class ClientToken(HttpBearer):
    def authenticate(self, request, token):
        key, secret = tokens.split(token)
        if not key or not secret:
            return None
        client = ApiClient.objects.select_related("unit").filter(key_id=key).first()
        if client is None or not tokens.matches(secret, client.secret_hash):
            return None
        if not client.usable(timezone.now()):
            return None
        if not tokens.address_allowed(client_ip(request), client.allowed_addresses):
            return None
        return client
