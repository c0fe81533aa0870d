"""The API's URLs. A department's system signs in with its client token, not a session:
Django's LoginRequiredMiddleware is told to let these views through (they authenticate
every call themselves, answering 401 as JSON)."""

from django.contrib.auth.decorators import login_not_required

from .v1 import api


def _public(patterns):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            _public(pattern.url_patterns)
        else:
            pattern.callback = login_not_required(pattern.callback)
    return patterns


patterns, _app, namespace = api.urls
app_name = namespace  # "api-v1": the names are api-v1:list_checks, api-v1:openapi-json, …
urlpatterns = _public(patterns)
