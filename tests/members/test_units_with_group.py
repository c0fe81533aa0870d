"""Units of the same name in different groups (every county has a 民政局) are named with
their group wherever they are picked or listed: the admin's lists and autocomplete, the
liaison's home page."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from assistance.roles import Role
from members.models import MemberUnit
from tests.factories import (
    DutyFactory,
    LeadingGroupFactory,
    LiaisonFactory,
    MemberUnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins():
    huangchuan = LeadingGroupFactory(short_name="黄川县")
    zhangbei = LeadingGroupFactory(short_name="张北县")
    return (
        MemberUnitFactory(group=huangchuan, name="县民政局"),
        MemberUnitFactory(group=zhangbei, name="县民政局"),
    )


def test_a_unit_read_with_its_group_is_named_with_it(twins):
    with translation.override("zh-hans"):
        named = {str(u) for u in MemberUnit.objects.select_related("group").filter(name="县民政局")}
        assert named == {"县民政局（黄川县）", "县民政局（张北县）"}
    with translation.override("en"):
        assert twins[0].name_with_group == "县民政局 (黄川县)"
    # Read alone, a unit costs no query for its group, and keeps its bare name.
    assert str(MemberUnit.objects.get(pk=twins[0].pk)) == "县民政局"


def test_the_admin_autocomplete_tells_the_twins_apart(admin_client, twins):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "民政",
            "app_label": "members",
            "model_name": "duty",
            "field_name": "unit",
        },
    )
    assert response.status_code == 200
    texts = {result["text"] for result in json.loads(response.content)["results"]}
    assert texts == {"县民政局（黄川县）", "县民政局（张北县）"}


def test_the_admin_lists_name_the_group(admin_client, twins):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    DutyFactory(unit=twins[0], text="负责低保审核。")
    DutyFactory(unit=twins[1], text="负责特困审核。")
    content = admin_client.get(reverse("admin:members_duty_changelist")).content.decode()
    assert "县民政局（黄川县）" in content and "县民政局（张北县）" in content
    # The unit chosen on a duty's form shows its group too (autocomplete's initial value).
    duty = twins[1].duties.get()
    page = admin_client.get(reverse("admin:members_duty_change", args=[duty.pk]))
    assert "县民政局（张北县）" in page.content.decode()


def test_the_liaisons_home_names_the_unit_with_its_group(client, twins):
    user = UserFactory(username="mz-liaison", roles=[Role.UNIT_LIAISON])
    LiaisonFactory(unit=twins[1], user=user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    client.force_login(user)
    content = client.get(reverse("home")).content.decode()
    assert "县民政局（张北县）" in content
