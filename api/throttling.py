"""Calls per client: ``API_RATE_LIMIT`` (e.g. "6000/m") per client, counted in the cache
(Redis where configured). Read at each call, so the setting can change without a restart."""

from django.conf import settings
from ninja.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    scope = "api-client"

    def __init__(self):
        self.rate = None

    def allow_request(self, request) -> bool:
        self.rate = settings.API_RATE_LIMIT
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request):
        client = getattr(request, "auth", None)
        if client is None:
            return None  # refused at authentication anyway
        return self.cache_format % {"scope": self.scope, "ident": client.pk}
