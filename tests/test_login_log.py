"""The login log: every sign-in, failed sign-in and sign-out is recorded with time, the
account name typed, address and browser, and only auditors read it."""

import pytest
from django.urls import reverse

from assistance.models import LoginLog
from assistance.services import login_log_record

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chromium/140"
# Session, user, groups, count, page, users offered (and the navigation's unread count).
LOGIN_LOG_QUERIES = 8


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _sign_in(client, username, password, **extra):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        HTTP_USER_AGENT=BROWSER,
        **extra,
    )


def test_a_sign_in_is_recorded(client, clerk, password):
    response = _sign_in(client, "clerk", password)
    assert response.status_code == 302
    [entry] = LoginLog.objects.all()
    assert entry.event == LoginLog.Event.SUCCESS
    assert entry.user == clerk
    assert entry.username == "clerk"
    assert entry.ip_address == "127.0.0.1"
    assert entry.user_agent == BROWSER


@pytest.mark.parametrize(
    ("username", "reason", "known"),
    [("clerk", "wrong password", True), ("no-such-person", "unknown account", False)],
)
def test_a_failed_sign_in_is_recorded_with_why(client, clerk, username, reason, known):
    response = _sign_in(client, username, "not-the-password")
    assert response.status_code == 200  # the form again
    [entry] = LoginLog.objects.all()
    assert entry.event == LoginLog.Event.FAILURE
    assert entry.username == username
    assert entry.user is None
    assert entry.reason == reason
    assert entry.ip_address == "127.0.0.1"
    # The password typed is never kept.
    assert "not-the-password" not in str(entry.__dict__)


def test_a_disabled_account_is_named_as_such(client, clerk, password):
    clerk.is_active = False
    clerk.save()
    _sign_in(client, "clerk", password)
    assert LoginLog.objects.get().reason == "account disabled"


def test_a_sign_out_is_recorded(client, clerk, password):
    _sign_in(client, "clerk", password)
    client.post(reverse("logout"))
    events = list(LoginLog.objects.order_by("pk").values_list("event", "user"))
    assert events == [(LoginLog.Event.SUCCESS, clerk.pk), (LoginLog.Event.LOGOUT, clerk.pk)]


def test_a_forwarded_address_is_ignored_without_a_trusted_proxy(client, clerk, password):
    _sign_in(client, "clerk", password, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert LoginLog.objects.get().ip_address == "127.0.0.1"


def test_behind_a_trusted_proxy_the_address_it_saw_is_kept(client, clerk, password, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged the first address; our proxy appended the one it saw.
    _sign_in(client, "clerk", password, HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.9")
    assert LoginLog.objects.get().ip_address == "203.0.113.9"


def test_a_long_browser_string_is_cut(client, clerk, password):
    client.post(
        reverse("login"), {"username": "clerk", "password": password}, HTTP_USER_AGENT="x" * 999
    )
    assert len(LoginLog.objects.get().user_agent) == 300


# --- The auditors' page ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["clerk", "director", "convener", "liaison", "administrator", "outsider"]
)
def test_login_log_is_not_found_for_other_roles(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("login_log")).status_code == 404


def test_login_log_is_not_found_for_a_superuser(admin_client):
    assert admin_client.get(reverse("login_log")).status_code == 404


def test_login_log_needs_sign_in(client, db):
    response = client.get(reverse("login_log"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_auditor_reads_and_filters_the_login_log(client, auditor, clerk, liaison, password):
    _sign_in(client, "clerk", password)
    client.post(reverse("logout"))
    _sign_in(client, "ghost", "guess")
    client.force_login(auditor)
    url = reverse("login_log")
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "ghost" in body and "No such account" in body and BROWSER[:40] in body
    # 4 entries: clerk in and out, ghost, and the auditor's own sign-in.
    assert response.context["page"].paginator.count == 4
    failed = client.get(url, {"event": "failure"}).context["page"]
    assert [e.username for e in failed] == ["ghost"]
    by_clerk = client.get(url, {"user": clerk.pk}).context["page"]
    assert {e.event for e in by_clerk} == {"success", "logout"}
    assert [e.username for e in client.get(url, {"username": "GHOST"}).context["page"]] == ["ghost"]
    assert set(client.get(url).context["users"]) == {clerk, auditor}


def test_login_log_query_count_does_not_grow(client, auditor, clerk, django_assert_max_num_queries):
    client.force_login(auditor)
    url = reverse("login_log")
    with django_assert_max_num_queries(LOGIN_LOG_QUERIES):
        assert len(client.get(url).context["page"]) == 1
    LoginLog.objects.bulk_create(
        LoginLog(event=LoginLog.Event.SUCCESS, user=clerk, username="clerk") for _ in range(120)
    )
    with django_assert_max_num_queries(LOGIN_LOG_QUERIES):
        response = client.get(url, {"page": 2, "user": clerk.pk})
    assert response.context["page"].paginator.count == 120
    assert len(response.context["page"]) == 50


def test_auditors_find_the_login_log_in_the_navigation(client, auditor, clerk):
    login_log_record(event=LoginLog.Event.SUCCESS, user=clerk)
    client.force_login(auditor)
    urls = [item["url"] for item in client.get(reverse("home")).context["nav_items"]]
    assert reverse("login_log") in urls
    client.force_login(clerk)
    urls = [item["url"] for item in client.get(reverse("home")).context["nav_items"]]
    assert reverse("login_log") not in urls
