"""Signing in and out, the home page per role, and the language switch."""

import pytest
from django.urls import reverse

from assistance.roles import Role

pytestmark = pytest.mark.django_db

HOME_HEADINGS = {
    Role.OFFICE_CLERK: "办公室科员",
    Role.OFFICE_DIRECTOR: "办公室主任",
    Role.CONVENER: "召集人",
    Role.AUDITOR: "审计员",
    Role.ADMINISTRATOR: "管理员",
    Role.UNIT_LIAISON: "单位联络员：区公安分局",
    None: "欢迎",
}


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("members:group_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_in_lands_on_home(client, liaison, password):
    # A liaison has no second factor to give (clerks do: see tests/test_signin.py).
    response = client.post(
        reverse("login"), {"username": "liaison", "password": password}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["user"] == liaison


def test_bad_sign_in_is_refused_with_a_message(client, clerk):
    response = client.post(reverse("login"), {"username": "clerk", "password": "wrong"})
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert "请输入一个正确的" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_bad_sign_in_message_in_english(client, clerk):
    client.cookies["django_language"] = "en"
    response = client.post(reverse("login"), {"username": "clerk", "password": "wrong"})
    assert "Please enter a correct username and password" in response.content.decode()


def test_sign_out(client, clerk):
    client.force_login(clerk)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", list(HOME_HEADINGS))
def test_home_page_per_role(client, personas, role):
    client.force_login(personas[role])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.templates[0].name == f"office/home_{role or 'none'}.html"
    assert HOME_HEADINGS[role] in response.content.decode()


def test_liaison_home_shows_their_unit(client, liaison, unit):
    client.force_login(liaison)
    page = client.get(reverse("home")).content.decode()
    assert unit.name in page
    assert "依法提供户籍、车辆信息。" in page


def test_director_home_lists_units_without_liaison(client, director, liaison, other_unit):
    client.force_login(director)
    response = client.get(reverse("home"))
    missing = list(response.context["units_without_liaison"])
    assert missing == [other_unit]


def test_language_switch_works_before_sign_in(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Sign in" in page
    assert '<html lang="en">' in page


def test_interface_defaults_to_simplified_chinese(client):
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page
