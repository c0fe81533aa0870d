"""The register's pages: what they show, and that their query count does not grow with
the number of units, duties, liaisons or programmes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import MemberUnit
from tests.factories import (
    AssistanceProgramFactory,
    DutyFactory,
    LiaisonFactory,
    MemberUnitFactory,
    PositionFactory,
)

pytestmark = pytest.mark.django_db


def _grow(group, n):
    """Add n units, each with two duties, a liaison, a position and a shared programme."""
    for _ in range(n):
        unit = MemberUnitFactory(group=group)
        DutyFactory.create_batch(2, unit=unit)
        LiaisonFactory(unit=unit)
        PositionFactory(group=group, unit=unit)
        AssistanceProgramFactory(group=group, lead_unit=unit, responsible_units=[unit])


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


PAGES = [
    ("members:group_detail", True),
    ("members:unit_list", True),
    ("members:program_list", True),
    ("members:group_list", False),
    ("home", False),
]


@pytest.mark.parametrize(("name", "by_group"), PAGES)
def test_query_count_does_not_grow_with_rows(client, clerk, group, name, by_group):
    # A second group keeps the group list from redirecting straight to the only group.
    MemberUnitFactory()
    url = reverse(name, kwargs={"code": group.code}) if by_group else reverse(name)
    client.force_login(clerk)
    _grow(group, 3)
    small = _count(client, url)
    _grow(group, 30)
    large = _count(client, url)
    assert large == small
    assert small <= 12


def test_unit_page_query_count_does_not_grow(client, liaison, unit):
    client.force_login(liaison)
    url = reverse("members:unit_detail", kwargs={"code": unit.code})
    DutyFactory.create_batch(2, unit=unit)
    small = _count(client, url)
    DutyFactory.create_batch(40, unit=unit)
    for _ in range(10):
        LiaisonFactory(unit=unit)
        PositionFactory(group=unit.group, unit=unit)
        AssistanceProgramFactory(group=unit.group, responsible_units=[unit])
    assert _count(client, url) == small


def test_group_page_shows_roster_and_office(client, clerk, group, unit):
    group.office_host_unit = unit
    group.office_duties = "负责联席会议日常工作。"
    group.save()
    PositionFactory(group=group, role="leader", person="甲某", title="区政府副区长")
    PositionFactory(
        group=group, role="office_director", person="乙某", title="区公安分局局长", unit=unit
    )
    client.force_login(clerk)
    response = client.get(reverse("members:group_detail", kwargs={"code": group.code}))
    roster = {s["role"]: s["positions"] for s in response.context["roster"]}
    office = {s["role"]: s["positions"] for s in response.context["office"]}
    assert [p.person for p in roster["leader"]] == ["甲某"]
    assert [p.person for p in office["office_director"]] == ["乙某"]
    page = response.content.decode()
    assert "负责联席会议日常工作。" in page
    assert unit.get_absolute_url() in page


def test_directory_shows_active_units_with_duties_and_liaisons(client, clerk, group, unit, liaison):
    gone = MemberUnitFactory(group=group, name="已撤销单位", active=False)
    client.force_login(clerk)
    response = client.get(reverse("members:unit_list", kwargs={"code": group.code}))
    page = response.content.decode()
    assert unit.name in page
    assert "依法提供户籍、车辆信息。" in page
    assert liaison.first_name in page
    assert gone.name not in page


def test_directory_filters_by_kind_and_name(client, clerk, group, unit):
    street = MemberUnitFactory(group=group, name="大峪街道办事处", kind="subdistrict")
    client.force_login(clerk)
    url = reverse("members:unit_list", kwargs={"code": group.code})
    by_kind = client.get(url, {"kind": "subdistrict"}).context["units"]
    assert list(by_kind) == [street]
    by_name = client.get(url, {"q": "公安"}).context["units"]
    assert list(by_name) == [unit]
    unknown_kind = client.get(url, {"kind": "nonsense"}).context["units"]
    assert set(unknown_kind) == {unit, street}


def test_directory_search_answers_htmx_with_the_fragment(client, clerk, group, unit):
    client.force_login(clerk)
    url = reverse("members:unit_list", kwargs={"code": group.code})
    response = client.get(url, {"q": "公安"}, headers={"HX-Request": "true"})
    assert [t.name for t in response.templates][0] == "members/partials/memberunit_cards.html"
    assert "<html" not in response.content.decode()


def test_unit_page_shows_programmes_led_and_shared(client, clerk, group, unit, other_unit):
    led = AssistanceProgramFactory(group=group, name="助困", lead_unit=unit)
    AssistanceProgramFactory(
        group=group, name="住房", lead_unit=other_unit, responsible_units=[unit]
    )
    client.force_login(clerk)
    response = client.get(unit.get_absolute_url())
    assert list(response.context["unit"].led_programs.all()) == [led]
    page = response.content.decode()
    assert "助困" in page
    assert "住房" in page


def test_programme_list(client, clerk, group, unit, other_unit):
    AssistanceProgramFactory(
        group=group,
        name="助医",
        lead_unit=unit,
        responsible_units=[other_unit],
        responsible_text="区税务局等。",
    )
    client.force_login(clerk)
    page = client.get(reverse("members:program_list", kwargs={"code": group.code})).content
    page = page.decode()
    assert "助医" in page
    assert "区税务局等。" in page


def test_unknown_group_and_unit_are_404(client, clerk):
    client.force_login(clerk)
    assert (
        client.get(reverse("members:group_detail", kwargs={"code": "nowhere"})).status_code == 404
    )
    assert client.get(reverse("members:unit_detail", kwargs={"code": "nobody"})).status_code == 404


def test_change_log_lists_changes_with_their_author(client, auditor, administrator, unit):
    from members.services import unit_set_active

    unit_set_active(actor=administrator, unit=unit, active=False)
    client.force_login(auditor)
    response = client.get(reverse("members:change_log"))
    rows = response.context["rows"]
    assert rows[0]["user"] == administrator
    assert rows[0]["label"] == unit.name
    assert MemberUnit.objects.get(pk=unit.pk).active is False


def test_change_log_query_count_does_not_grow(client, auditor, group):
    client.force_login(auditor)
    _grow(group, 2)
    small = _count(client, reverse("members:change_log"))
    _grow(group, 20)
    # The small log's page holds every kind of record (one query each); the long log's
    # first page may hold fewer kinds, never more queries.
    assert _count(client, reverse("members:change_log")) <= small
