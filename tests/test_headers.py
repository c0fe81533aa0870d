"""Response headers: a Content-Security-Policy without inline scripts or styles, a
Permissions-Policy, Referrer-Policy and Cross-Origin-Opener-Policy, and no caching of any
page or export that can show personal data (OWASP ASVS V3.4, V14.3)."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.verification.factories import (
    VerificationItemFactory,
    authorize_all,
    register_family,
)
from tests.verification.helpers import submit

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"


def _policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as ``{directive: [sources]}``."""
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def _assert_never_cached(response):
    cache_control = {v.strip() for v in response.headers["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "private", "max-age=0"} <= cache_control, cache_control
    assert "public" not in cache_control
    assert response.headers["Pragma"] == "no-cache"


@pytest.fixture
def household(clerk, group):
    return register_family(actor=clerk, office=group)


@pytest.fixture
def submitted(clerk, household, unit, django_capture_on_commit_callbacks):
    """A request for the family, filed and delivered, so its report can be exported."""
    VerificationItemFactory(unit=unit, code="hdr-vehicles", name="车辆")
    authorize_all(actor=clerk, household=household)
    return submit(django_capture_on_commit_callbacks, actor=clerk, household=household)


def test_pages_carry_a_policy_without_inline_scripts_or_styles(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("home"))

    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


def test_the_sign_in_page_and_not_found_pages_carry_the_policy_too(client, clerk):
    # The pages an outsider reaches are the ones an attacker tries first.
    assert "Content-Security-Policy" in client.get(reverse("login")).headers
    client.force_login(clerk)
    response = client.get("/verification/households/999999/")
    assert response.status_code == 404
    assert _policy(response)["script-src"] == ["'self'"]


def test_browser_features_and_referrers_are_restricted(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("home"))

    features = dict(
        item.strip().split("=", 1) for item in response.headers["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()", features
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_household_page_is_never_cached(client, clerk, household):
    client.force_login(clerk)
    response = client.get(reverse("verification:household_detail", args=[household.pk]))

    assert response.status_code == 200
    assert household.members.first().masked_id in response.content.decode()
    _assert_never_cached(response)


def test_a_report_export_is_never_cached(client, clerk, submitted):
    client.force_login(clerk)
    response = client.get(reverse("verification:request_report_docx", args=[submitted.pk]))

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    _assert_never_cached(response)


def test_the_sign_in_page_is_never_cached(client):
    # It carries a CSRF token, and on a shared office computer the back button must not
    # bring back a page of the previous user.
    _assert_never_cached(client.get(reverse("login")))


def test_static_files_stay_cacheable(settings):
    """Static files are served before the no-store middleware: the stylesheet and scripts
    hold no personal data and should be cached."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/js/site.js")  # a new client: WhiteNoise reads settings

    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


# What the policy refuses, as it would appear in a template: an inline <script> (without
# src), a <style> block, an event-handler attribute, a style attribute, hx-on, javascript:.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>"
    r"|<style\b"
    r"|\son[a-z]+\s*="
    r"|\sstyle\s*="
    r"|\shx-on"
    r"|javascript:",
    re.IGNORECASE,
)


def test_no_template_holds_inline_scripts_handlers_or_styles():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            # Template comments may name what they forbid.
            code = re.sub(r"\{#.*?#\}", "", line)
            found += [
                f"{path.relative_to(ROOT)}:{number}: {m.group(0)}" for m in INLINE.finditer(code)
            ]
    assert found == []


def test_every_page_loads_the_site_script_and_tells_htmx_to_stay_within_the_policy(client, clerk):
    client.force_login(clerk)
    content = client.get(reverse("home")).content.decode()

    assert "js/site.js" in content
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", content)
    assert config is not None
    assert '"includeIndicatorStyles": false' in config.group(1)
    assert '"allowEval": false' in config.group(1)
    assert '"allowScriptTags": false' in config.group(1)
    # The indicator styles htmx no longer injects come from the site's stylesheet.
    assert ".htmx-indicator" in (STATIC / "css" / "site.css").read_text(encoding="utf-8")


def test_a_refused_form_answers_in_the_site_s_own_page(clerk):
    """Django's page for a form without a valid CSRF token has an inline style block; the
    site's own page has none, and tells the clerk what to do in their language."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    client.get(reverse("home"))  # the CSRF cookie, as a browser would hold it

    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": "expired" * 5})

    assert response.status_code == 403
    content = response.content.decode()
    assert 'data-testid="csrf-failure"' in content
    assert "页面已过期" in content
    assert not INLINE.search(content)
    assert _policy(response)["style-src"] == ["'self'"]
