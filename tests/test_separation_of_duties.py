"""The three duties (三权分立): the system administrator keeps the register, the security
administrator keeps accounts and role grants, the auditor reads the logs; no account both
grants roles and uses them, nobody grants a role they do not administer or changes their
own, and the superuser flag is set on the command line only."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from assistance.accounts import AccountRuleError, held_roles, role_grant, user_roles_set
from assistance.roles import SECURITY_ADMINISTRATOR_PERMISSIONS, Role, sync_role_groups
from members.models import Liaison
from members.services import liaison_appoint
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(autouse=True)
def english(client, settings):
    """Messages are matched by their English msgids; one test checks the Chinese."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def security(db):
    return UserFactory(username="security", roles=[Role.SECURITY_ADMINISTRATOR], is_staff=True)


def _account_form(user, **changes):
    """The fields the account page posts, as they stand, with ``changes`` applied."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "roles": sorted(held_roles(user)),
    }
    if user.is_active:
        data["is_active"] = "on"
    if user.is_staff:
        data["is_staff"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- Permissions of the role groups ---------------------------------------------------------


def test_the_administrator_holds_no_account_permission():
    admins = Group.objects.get(name=Role.ADMINISTRATOR)
    assert not admins.permissions.filter(content_type__app_label="auth").exists()
    assert admins.permissions.filter(codename="change_memberunit").exists()


def test_the_security_administrator_holds_account_permissions_only():
    group = Group.objects.get(name=Role.SECURITY_ADMINISTRATOR)
    held = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert held == set(SECURITY_ADMINISTRATOR_PERMISSIONS)


def test_sync_takes_away_permissions_a_role_should_no_longer_hold():
    # A database set up before the duties were split: the administrator held ``auth``.
    admins = Group.objects.get(name=Role.ADMINISTRATOR)
    admins.permissions.add(*Permission.objects.filter(content_type__app_label="auth"))
    auditors = Group.objects.get(name=Role.AUDITOR)
    auditors.permissions.add(Permission.objects.get(codename="change_memberunit"))
    sync_role_groups()
    assert not admins.permissions.filter(content_type__app_label="auth").exists()
    assert admins.permissions.filter(codename="change_memberunit").exists()
    assert not auditors.permissions.exists()


# --- The system administrator ---------------------------------------------------------------


def test_the_administrator_cannot_reach_accounts_in_the_admin(client, administrator):
    client.force_login(administrator)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    response = client.post(
        reverse("admin:auth_user_add"),
        {"username": "boss", "password1": "Xy9-long-passw0rd", "password2": "Xy9-long-passw0rd"},
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="boss").exists()


def test_the_administrator_appoints_liaisons_in_the_admin(client, administrator, unit):
    person = UserFactory(username="new-liaison")
    client.force_login(administrator)
    url = reverse("admin:members_liaison_add")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"user": person.pk, "unit": unit.pk, "title": "科员", "active": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Liaison.objects.get(user=person).unit == unit
    assert Role.UNIT_LIAISON in held_roles(person)


def test_the_administrator_cannot_appoint_themselves_liaison(client, administrator, unit):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:members_liaison_add"),
        {"user": administrator.pk, "unit": unit.pk, "title": "科员", "active": "on"},
    )
    assert response.status_code == 200
    assert "Nobody changes their own roles" in response.content.decode()
    assert not Liaison.objects.filter(user=administrator).exists()
    assert Role.UNIT_LIAISON not in held_roles(administrator)


def test_liaison_appointment_refuses_an_account_that_grants_roles(administrator, security, unit):
    with pytest.raises(AccountRuleError):
        liaison_appoint(actor=administrator, user=security, unit=unit)
    other_admin = UserFactory(username="admin2", roles=[Role.ADMINISTRATOR])
    with pytest.raises(AccountRuleError):
        liaison_appoint(actor=administrator, user=other_admin, unit=unit)
    assert not Liaison.objects.exists()


# --- The rules, in the service --------------------------------------------------------------


def test_security_administrator_grants_data_roles(security):
    person = UserFactory(username="p")
    user_roles_set(actor=security, user=person, roles={Role.OFFICE_CLERK, Role.CONVENER})
    assert held_roles(person) == {Role.OFFICE_CLERK, Role.CONVENER}
    user_roles_set(actor=security, user=person, roles={Role.CONVENER})
    assert held_roles(person) == {Role.CONVENER}


def test_a_security_administrator_holds_no_other_role(security):
    person = UserFactory(username="p")
    with pytest.raises(AccountRuleError, match="holds no other role"):
        user_roles_set(actor=None, user=person, roles={Role.SECURITY_ADMINISTRATOR, Role.AUDITOR})
    clerk = UserFactory(username="c", roles=[Role.OFFICE_CLERK])
    with pytest.raises(AccountRuleError):
        role_grant(actor=None, user=clerk, role=Role.SECURITY_ADMINISTRATOR)
    with pytest.raises(AccountRuleError):
        role_grant(actor=None, user=security, role=Role.OFFICE_CLERK)
    assert held_roles(clerk) == {Role.OFFICE_CLERK}
    assert held_roles(security) == {Role.SECURITY_ADMINISTRATOR}


def test_nobody_grants_a_role_they_do_not_administer(security, administrator, clerk):
    person = UserFactory(username="p")
    # The security administrator does not make security administrators ...
    with pytest.raises(AccountRuleError, match="do not administer"):
        user_roles_set(actor=security, user=person, roles={Role.SECURITY_ADMINISTRATOR})
    # ... the system administrator grants the liaison role only (by appointing) ...
    with pytest.raises(AccountRuleError, match="do not administer"):
        user_roles_set(actor=administrator, user=person, roles={Role.OFFICE_CLERK})
    # ... and a clerk grants nothing.
    with pytest.raises(AccountRuleError, match="do not administer"):
        user_roles_set(actor=clerk, user=person, roles={Role.AUDITOR})
    assert held_roles(person) == frozenset()


def test_nobody_changes_their_own_roles(security, administrator):
    with pytest.raises(AccountRuleError, match="their own roles"):
        user_roles_set(actor=security, user=security, roles=set())
    with pytest.raises(AccountRuleError, match="their own roles"):
        role_grant(actor=administrator, user=administrator, role=Role.UNIT_LIAISON)


def test_only_a_superuser_changes_a_superuser_or_another_security_administrator(security):
    root = User.objects.create_superuser("root", "root@example.invalid", "Xy9-long-passw0rd")
    with pytest.raises(AccountRuleError, match="superuser"):
        user_roles_set(actor=security, user=root, roles={Role.OFFICE_CLERK})
    other = UserFactory(username="security2", roles=[Role.SECURITY_ADMINISTRATOR])
    with pytest.raises(AccountRuleError, match="another security administrator"):
        user_roles_set(actor=security, user=other, roles=set())
    user_roles_set(actor=root, user=other, roles=set())
    assert held_roles(other) == frozenset()


def test_the_rule_messages_are_translated(security):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(AccountRuleError) as error:
        user_roles_set(actor=security, user=security, roles=set())
    assert "Nobody" not in error.value.message


# --- The security administrator in the admin site -------------------------------------------


def test_security_administrator_creates_an_account_and_gives_it_a_role(client, security):
    client.force_login(security)
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "newclerk",
            "usable_password": "true",
            "password1": "Xy9-long-passw0rd",
            "password2": "Xy9-long-passw0rd",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = User.objects.get(username="newclerk")
    url = reverse("admin:auth_user_change", args=[person.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _account_form(person, roles=[Role.OFFICE_CLERK]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert held_roles(person) == {Role.OFFICE_CLERK}


def test_the_superuser_flag_and_direct_permissions_are_in_no_form(client, security):
    person = UserFactory(username="p")
    client.force_login(security)
    url = reverse("admin:auth_user_change", args=[person.pk])
    any_permission = Permission.objects.get(codename="view_household")
    response = client.post(
        url,
        _account_form(
            person,
            is_superuser="on",
            user_permissions=[any_permission.pk],
            groups=[Group.objects.get(name=Role.OFFICE_CLERK).pk],
        ),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_superuser
    assert not person.user_permissions.exists()
    assert held_roles(person) == frozenset()


def test_a_refused_grant_is_told_on_the_page(client, security):
    clerk = UserFactory(username="c", roles=[Role.OFFICE_CLERK])
    client.force_login(security)
    url = reverse("admin:auth_user_change", args=[clerk.pk])
    response = client.post(
        url, _account_form(clerk, roles=[Role.OFFICE_CLERK, Role.SECURITY_ADMINISTRATOR])
    )
    assert response.status_code == 200
    assert "do not administer" in response.content.decode()
    assert held_roles(clerk) == {Role.OFFICE_CLERK}


def test_nobody_edits_their_own_roles_or_flags_in_the_admin(client, security):
    client.force_login(security)
    url = reverse("admin:auth_user_change", args=[security.pk])
    page = client.get(url).content.decode()
    assert 'name="roles"' not in page
    assert 'name="is_staff"' not in page
    response = client.post(
        url,
        _account_form(security, roles=[Role.OFFICE_CLERK], is_staff=None, first_name="黄"),
    )
    assert response.status_code == 302
    security.refresh_from_db()
    assert security.first_name == "黄"  # the rest of one's own account is one's own
    assert security.is_staff
    assert held_roles(security) == {Role.SECURITY_ADMINISTRATOR}


def test_a_security_administrator_cannot_edit_a_superuser(client, security):
    root = User.objects.create_superuser("root", "root@example.invalid", "Xy9-long-passw0rd")
    client.force_login(security)
    url = reverse("admin:auth_user_change", args=[root.pk])
    response = client.post(url, _account_form(root, is_active=None))
    assert response.status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[root.pk])
    response = client.post(
        password_url, {"password1": "Other-long-passw0rd", "password2": "Other-long-passw0rd"}
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.is_active
    assert root.check_password("Xy9-long-passw0rd")


def test_roles_are_read_only_in_the_admin(client, security):
    client.force_login(security)
    clerks = Group.objects.get(name=Role.OFFICE_CLERK)
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 200
    url = reverse("admin:auth_group_change", args=[clerks.pk])
    assert client.get(url).status_code == 200
    any_permission = Permission.objects.get(codename="view_household")
    response = client.post(url, {"name": "clerks", "permissions": [any_permission.pk]})
    assert response.status_code == 403
    assert client.post(reverse("admin:auth_group_add"), {"name": "x"}).status_code == 403
    clerks.refresh_from_db()
    assert clerks.name == Role.OFFICE_CLERK
    assert not clerks.permissions.exists()


def test_the_security_administrator_reaches_no_data(client, security, unit):
    client.force_login(security)
    assert client.get(reverse("admin:members_memberunit_changelist")).status_code == 403
    assert client.get(reverse("verification:household_list")).status_code in (403, 404)
    assert client.get(reverse("access_log")).status_code == 404


def test_security_administrator_home_and_navigation(client, security):
    client.force_login(security)
    page = client.get(reverse("home")).content.decode()
    assert reverse("admin:auth_user_changelist") in page
    assert reverse("admin:auth_group_changelist") in page
    assert reverse("admin:index") in page
    assert reverse("members:group_list") not in page


# --- A lost phone: the security administrator resets the second factor ----------------------


def test_security_administrator_resets_a_lost_second_factor(client, security, clerk, auditor):
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    StaticDevice.objects.create(user=clerk, name="recovery")
    assert TOTPDevice.objects.filter(user=clerk, confirmed=True).exists()
    client.force_login(security)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [clerk.pk]},
        follow=True,
    )
    assert "The second factor of 1 account was reset." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    assert not StaticDevice.objects.filter(user=clerk).exists()
    # The clerk must set one up again before anything else (a fresh copy: the factory's
    # left the removed device on the object).
    client.force_login(User.objects.get(pk=clerk.pk))
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"].startswith(reverse("second_factor_enrol"))
    # The auditor sees who reset whose second factor.
    client.force_login(auditor)
    page = client.get(reverse("account_changes")).content.decode()
    assert "Second factor reset: to be set up again at the next sign-in" in page


def test_nobody_resets_their_own_or_a_superusers_second_factor(security):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from assistance.signin.services import second_factor_reset

    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    for user in (security, superuser):
        before = TOTPDevice.objects.filter(user=user).count()
        with pytest.raises(AccountRuleError):
            second_factor_reset(actor=security, user=user)
        assert TOTPDevice.objects.filter(user=user).count() == before


def test_only_a_security_administrator_resets_a_second_factor(administrator, clerk):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from assistance.signin.services import second_factor_reset

    with pytest.raises(AccountRuleError):
        second_factor_reset(actor=administrator, user=clerk)
    assert TOTPDevice.objects.filter(user=clerk).exists()
