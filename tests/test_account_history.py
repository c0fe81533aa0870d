"""Every change to accounts, role grants and passwords is kept in history, and the auditor
(only the auditor) reads it: who changed whose account, what and when."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from assistance.accounts import user_roles_set
from assistance.models import HistoricalUser
from assistance.roles import Role
from tests.factories import UserFactory
from tests.test_separation_of_duties import _account_form

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def security(db):
    return UserFactory(username="security", roles=[Role.SECURITY_ADMINISTRATOR], is_staff=True)


def _changes(client, auditor):
    """The rows of the page, read in English (the msgids)."""
    client.force_login(auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("account_changes"))
    assert response.status_code == 200
    return response.context["rows"]


def test_role_grants_are_recorded_with_who_made_them(client, auditor, security):
    person = UserFactory(username="zhang")
    user_roles_set(actor=security, user=person, roles={Role.OFFICE_CLERK})
    user_roles_set(actor=security, user=person, roles={Role.CONVENER})
    rows = [r for r in _changes(client, auditor) if r["account"] == "zhang"]
    assert {row["actor"] for row in rows[:2]} == {security}
    texts = [str(c) for row in rows for c in row["changes"]]
    assert "Role given: Convener" in texts
    assert "Role given: Office clerk" in texts
    assert "Role taken away: Office clerk" in texts


def test_changes_in_the_admin_are_recorded(client, auditor, security):
    person = UserFactory(username="zhang", roles=[Role.OFFICE_CLERK])
    client.force_login(security)
    url = reverse("admin:auth_user_change", args=[person.pk])
    response = client.post(url, _account_form(person, is_active=None, roles=[]))
    assert response.status_code == 302
    response = client.post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        {
            "usable_password": "true",
            "password1": "Other-long-passw0rd",
            "password2": "Other-long-passw0rd",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rows = [r for r in _changes(client, auditor) if r["account"] == "zhang"]
    texts = [str(c) for row in rows[:3] for c in row["changes"]]
    assert "Deactivated" in texts
    assert "Role taken away: Office clerk" in texts
    assert "Password changed" in texts
    assert all(row["actor"] == security for row in rows[:3])


def test_no_password_hash_is_kept_in_history(client, auditor, security):
    person = UserFactory(username="zhang")
    person.set_password("Other-long-passw0rd")
    person.save()
    field_names = {f.name for f in HistoricalUser._meta.get_fields()}
    assert "password" not in field_names
    client.force_login(auditor)
    page = client.get(reverse("account_changes")).content.decode()
    person.refresh_from_db()
    assert person.password not in page
    assert person.password.split("$")[-1] not in page
    assert HistoricalUser.objects.filter(
        id=person.pk, history_change_reason="password changed"
    ).exists()


def test_signing_in_is_not_a_change_to_the_account(client, password):
    person = UserFactory(username="zhang")
    before = HistoricalUser.objects.filter(id=person.pk).count()
    # Through the sign-in page, as a person signs in (django-axes needs the request).
    response = client.post(reverse("login"), {"username": "zhang", "password": password})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert HistoricalUser.objects.filter(id=person.pk).count() == before


def test_role_given_from_the_groups_side_is_recorded(security):
    from django.contrib.auth.models import Group

    person = UserFactory(username="zhang")
    clerks = Group.objects.get(name=Role.OFFICE_CLERK)
    clerks.user_set.add(person)
    latest = HistoricalUser.objects.filter(id=person.pk).latest()
    assert set(latest.groups.values_list("group__name", flat=True)) == {Role.OFFICE_CLERK}


@pytest.mark.parametrize(
    "role", [r for r in Role if r != Role.AUDITOR] + [None], ids=lambda r: str(r)
)
def test_only_the_auditor_sees_the_account_changes(client, personas, security, role):
    user = security if role == Role.SECURITY_ADMINISTRATOR else personas[role]
    client.force_login(user)
    assert client.get(reverse("account_changes")).status_code == 404


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("account_changes"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def _make_changes(security, count):
    for n in range(count):
        person = UserFactory(username=f"person{n}")
        user_roles_set(actor=security, user=person, roles={Role.OFFICE_CLERK})
        person.is_active = False
        person._history_user = security
        person.save()


def test_the_change_log_costs_the_same_queries_for_3_and_30_accounts(
    client, auditor, security, django_assert_max_num_queries
):
    client.force_login(auditor)
    _make_changes(security, 1)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("account_changes"))
    _make_changes(security, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("account_changes"))
    assert len(response.context["rows"]) == 50  # a full page


def test_auditor_home_links_to_the_account_changes(client, auditor):
    client.force_login(auditor)
    page = client.get(reverse("home")).content.decode()
    assert reverse("account_changes") in page


def test_a_superuser_made_on_the_command_line_is_shown(client, auditor):
    from django.core.management import call_command

    call_command(
        "createsuperuser", username="root", email="root@example.invalid", interactive=False
    )
    row = next(r for r in _changes(client, auditor) if r["account"] == "root")
    texts = [str(c) for c in row["changes"]]
    assert "Account created" in texts
    assert "Superuser status given" in texts
    assert row["actor"] is None
