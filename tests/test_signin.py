"""Protecting the sign-in: lockout after failures, the second factor, session limits,
password rules and age."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from assistance.roles import Role
from assistance.signin import session as keys
from assistance.signin.models import PasswordRecord
from tests.factories import PASSWORD, UserFactory
from tests.signin_helpers import totp_code, user_totp_code

pytestmark = pytest.mark.django_db


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


# --- Lockout --------------------------------------------------------------------------------


def test_account_locked_after_five_failures_even_with_the_right_password(client, liaison):
    for _ in range(4):
        assert sign_in(client, "liaison", "wrong").status_code == 200
    response = sign_in(client, "liaison", "wrong")
    assert response.status_code == 429
    assert "登录已锁定" in response.content.decode()
    response = sign_in(client, "liaison")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_page_in_english(client, liaison):
    client.cookies["django_language"] = "en"
    for _ in range(5):
        response = sign_in(client, "liaison", "wrong")
    page = response.content.decode()
    assert "Sign-in locked" in page
    assert "30 minutes" in page
    assert "security administrator" in page


def test_address_locked_after_failures_on_several_accounts(client, liaison):
    for n in range(5):
        sign_in(client, f"nobody-{n}", "wrong")
    assert sign_in(client, "liaison").status_code == 429


def test_other_address_can_still_sign_in_other_account(client, liaison, other_liaison):
    for _ in range(5):
        sign_in(client, "liaison", "wrong")
    other = Client(REMOTE_ADDR="10.0.0.9")
    response = sign_in(other, "other-liaison")
    assert response.status_code == 302


def test_security_administrator_unlocks_an_account(client, liaison, security_administrator):
    for _ in range(5):
        sign_in(client, "liaison", "wrong")
    admin_client = Client()
    admin_client.force_login(security_administrator)
    assert "安全管理员" in admin_client.get(reverse("home")).content.decode()
    page = admin_client.get(reverse("locked_signins"))
    assert page.status_code == 200
    assert "liaison" in page.content.decode()
    admin_client.post(reverse("locked_signins"), {"username": "liaison"})
    admin_client.post(reverse("locked_signins"), {"ip_address": "127.0.0.1"})
    assert not AccessAttempt.objects.exists()
    assert sign_in(client, "liaison").status_code == 302


@pytest.mark.parametrize("persona", ["clerk", "auditor", "liaison", "administrator"])
def test_only_the_security_administrator_sees_locked_signins(client, personas, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("locked_signins")).status_code == 404
    assert client.post(reverse("locked_signins"), {"username": "x"}).status_code == 404


# --- Second factor --------------------------------------------------------------------------


@pytest.fixture
def new_clerk(db):
    """A clerk who has not enrolled a second factor yet."""
    return UserFactory(username="new-clerk", roles=[Role.OFFICE_CLERK], second_factor=False)


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("verification:household_list"),
        reverse("members:group_list"),
        reverse("account_security"),
        reverse("password_change"),
        "/admin/",
    ],
)
def test_required_role_without_device_is_sent_to_enrolment_from_every_page(client, new_clerk, url):
    sign_in(client, "new-clerk")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor_enrol"))


def test_htmx_request_is_sent_to_enrolment_as_a_whole_page(client, new_clerk):
    sign_in(client, "new-clerk")
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("second_factor_enrol")


def test_enrolment_shows_qr_and_key_then_recovery_codes(client, new_clerk):
    sign_in(client, "new-clerk")
    page = client.get(reverse("second_factor_enrol"))
    text = page.content.decode()
    assert "<svg" in text
    assert "设置身份验证器应用" in text
    device = TOTPDevice.objects.get(user=new_clerk, confirmed=False)
    response = client.post(reverse("second_factor_enrol"), {"code": totp_code(device)})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    codes = response.context["codes"]
    assert len(codes) == 10
    assert all(code in response.content.decode() for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("verification:household_list")).status_code == 200


def test_enrolment_refuses_a_wrong_code(client, new_clerk):
    sign_in(client, "new-clerk")
    client.get(reverse("second_factor_enrol"))
    response = client.post(reverse("second_factor_enrol"), {"code": "000000"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=new_clerk, confirmed=True).exists()
    assert client.get(reverse("home")).status_code == 302


def test_with_a_device_the_code_is_asked_and_a_valid_one_lets_in(client, clerk):
    response = sign_in(client, "clerk")
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor_verify"))
    page = client.get(response["Location"])
    assert "登录第二步" in page.content.decode()
    response = client.post(
        reverse("second_factor_verify"),
        {"code": user_totp_code("clerk"), "next": reverse("verification:household_list")},
    )
    assert response["Location"] == reverse("verification:household_list")
    assert client.get(reverse("verification:household_list")).status_code == 200


def test_a_wrong_code_is_refused(client, clerk):
    sign_in(client, "clerk")
    response = client.post(reverse("second_factor_verify"), {"code": "123456"})
    assert response.status_code == 200
    assert "验证码无效" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_enrolment_page_cannot_replace_the_device_before_the_code(client, clerk):
    sign_in(client, "clerk")
    response = client.get(reverse("second_factor_enrol"))
    assert response["Location"] == reverse("second_factor_verify")


def test_a_recovery_code_works_once(client, new_clerk):
    sign_in(client, "new-clerk")
    client.get(reverse("second_factor_enrol"))
    device = TOTPDevice.objects.get(user=new_clerk)
    codes = client.post(reverse("second_factor_enrol"), {"code": totp_code(device)}).context[
        "codes"
    ]
    client.post(reverse("logout"))
    sign_in(client, "new-clerk")
    response = client.post(reverse("second_factor_verify"), {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert StaticToken.objects.filter(device__user=new_clerk).count() == 9
    client.post(reverse("logout"))
    sign_in(client, "new-clerk")
    response = client.post(reverse("second_factor_verify"), {"code": codes[0]})
    assert response.status_code == 200
    assert client.get(reverse("home")).status_code == 302


def test_optional_role_works_without_a_device_and_may_enrol(client, liaison):
    sign_in(client, "liaison")
    assert client.get(reverse("home")).status_code == 200
    page = client.get(reverse("account_security")).content.decode()
    assert 'data-testid="second-factor-off"' in page
    client.get(reverse("second_factor_enrol"))
    device = TOTPDevice.objects.get(user=liaison)
    client.post(reverse("second_factor_enrol"), {"code": totp_code(device)})
    client.post(reverse("logout"))
    sign_in(client, "liaison")
    assert client.get(reverse("home"))["Location"].startswith(reverse("second_factor_verify"))


def test_admin_site_needs_the_second_factor(client, administrator):
    sign_in(client, "administrator")
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("second_factor_verify"))


# --- Sessions -------------------------------------------------------------------------------


def _age_session(client, **seconds):
    session = client.session
    for key, ago in seconds.items():
        session[key] = int(time.time()) - ago
    session.save()


def test_idle_session_is_ended_and_the_user_told_why(client, liaison):
    client.force_login(liaison)
    _age_session(client, seen_at=31 * 60)
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("login")).content.decode()
    assert "30 分钟无操作" in page


def test_session_older_than_the_absolute_limit_is_ended(client, liaison):
    client.cookies["django_language"] = "en"
    client.force_login(liaison)
    _age_session(client, signin_at=13 * 3600)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert "signed in for 12 hours" in page


def test_active_session_stays(client, liaison):
    client.force_login(liaison)
    _age_session(client, seen_at=29 * 60, signin_at=11 * 3600)
    assert client.get(reverse("home")).status_code == 200
    assert client.session[keys.SEEN_AT] > time.time() - 5


def test_password_change_signs_out_other_sessions(client, liaison):
    client.force_login(liaison)
    other = Client()
    other.force_login(liaison)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-good-pass-9",
            "new_password2": "Another-good-pass-9",
        },
    )
    assert response["Location"] == reverse("account_security")
    assert client.get(reverse("home")).status_code == 200
    assert other.get(reverse("home"))["Location"].startswith(reverse("login"))


# --- Passwords ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["Short-1a", "alllowercaseletters", "lowercase-and-dash", "123456789012345"],
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize(
    "password", [PASSWORD, "Demo-pass-2026", "xk7#mq2!pz9w", "长城Abc12345678"]
)
def test_strong_passwords_pass(password):
    validate_password(password)


def test_password_like_the_username_is_refused(liaison):
    with pytest.raises(ValidationError):
        validate_password("Liaison-2026", user=liaison)


def test_character_class_message_in_chinese(client, liaison):
    client.force_login(liaison)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "onlylowercaseletters-and-dashes",
            "new_password2": "onlylowercaseletters-and-dashes",
        },
    )
    assert response.status_code == 200
    assert "至少混合 3 种字符" in response.content.decode()


def test_setting_a_password_records_when(liaison):
    record = PasswordRecord.objects.get(user=liaison)
    assert timezone.now() - record.changed_at < timedelta(minutes=1)


def test_expired_password_keeps_the_user_on_the_change_page(client, liaison):
    PasswordRecord.objects.filter(user=liaison).update(
        changed_at=timezone.now() - timedelta(days=91)
    )
    sign_in(client, "liaison")
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("password_change")
    page = client.get(reverse("password_change")).content.decode()
    assert "90 天" in page
    client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-good-pass-9",
            "new_password2": "Another-good-pass-9",
        },
    )
    assert client.get(reverse("home")).status_code == 200


def test_maximum_age_zero_means_never(client, liaison, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    PasswordRecord.objects.filter(user=liaison).update(
        changed_at=timezone.now() - timedelta(days=900)
    )
    sign_in(client, "liaison")
    assert client.get(reverse("home")).status_code == 200
