"""Issue 12: the office changes a household's address and town after registration; the
earlier values stay in the history with who, when and why, shown on the household's pages.
Only the office reaches the page; a refused change (nothing changed, no reason) saves
nothing and answers 400. In English and in Chinese."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from verification import register
from verification.models import Household

pytestmark = pytest.mark.django_db


def test_service_changes_the_address_and_keeps_the_old_one(clerk, household):
    before = (household.town, household.address)
    register.household_update_address(
        actor=clerk, household=household, town="王平镇", address="新村2号", reason="搬迁"
    )
    household.refresh_from_db()
    assert (household.town, household.address) == ("王平镇", "新村2号")
    latest = household.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (clerk, "搬迁")
    assert (latest.prev_record.town, latest.prev_record.address) == before


def test_service_refuses_no_change_and_no_reason(clerk, household):
    with translation.override("en"), pytest.raises(ValidationError, match="as on file"):
        register.household_update_address(
            actor=clerk,
            household=household,
            town=household.town,
            address=household.address,
            reason="x",
        )
    with pytest.raises(ValidationError):
        register.household_update_address(
            actor=clerk, household=household, town="王平镇", address="新村2号", reason=" "
        )
    assert household.history.count() == 1


@pytest.mark.parametrize(
    ("language", "saved", "shown"),
    [
        ("en", "Address updated", "Earlier addresses"),
        ("zh-hans", "地址已修改", "地址修改记录"),
    ],
)
def test_office_changes_the_address_through_the_page(
    client, clerk, household, language, saved, shown
):
    client.force_login(clerk)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    url = reverse("verification:household_edit", args=[household.pk])
    page = client.get(url).content.decode()
    assert household.address in page and household.town in page
    old = f"{household.town} {household.address}"
    response = client.post(
        url, {"town": "王平镇", "address": "新村2号", "reason": "家庭搬迁"}, follow=True
    )
    assert saved in response.content.decode()
    household.refresh_from_db()
    assert household.address == "新村2号"
    detail = client.get(household.get_absolute_url()).content.decode()
    assert 'data-testid="address-changed"' in detail and old in detail
    history = client.get(url).content.decode()
    assert shown in history and "家庭搬迁" in history and old in history


def test_a_refused_change_is_400_and_saves_nothing(client, clerk, household):
    client.force_login(clerk)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("verification:household_edit", args=[household.pk])
    same = {"town": household.town, "address": household.address, "reason": "核对"}
    response = client.post(url, same)
    assert response.status_code == 400
    assert "nothing was changed" in response.content.decode()
    response = client.post(url, {"town": "王平镇", "address": "新村2号", "reason": ""})
    assert response.status_code == 400
    assert Household.objects.get(pk=household.pk).address == household.address
    assert household.history.count() == 1


@pytest.mark.parametrize("persona", ["liaison", "auditor", "outsider", "convener"])
def test_only_the_office_edits_a_household(client, request, household, persona):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("verification:household_edit", args=[household.pk])
    assert client.get(url).status_code == 404
    data = {"town": "王平镇", "address": "新村2号", "reason": "搬迁"}
    assert client.post(url, data).status_code == 404
    assert Household.objects.get(pk=household.pk).town == household.town


def test_director_may_edit_too(client, director, household):
    client.force_login(director)
    url = reverse("verification:household_edit", args=[household.pk])
    data = {"town": "王平镇", "address": "新村2号", "reason": "搬迁"}
    assert client.post(url, data).status_code == 302
