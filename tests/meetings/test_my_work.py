"""The "my work" home of the convener and the director: what waits for them in the joint
meetings, with counts and links, only for the convener's own groups, in a fixed number of
queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance.roles import Role
from meetings.models import AgendaItem, Minutes
from tests.factories import LeadingGroupFactory, MemberUnitFactory, UserFactory
from tests.meetings import factories

pytestmark = pytest.mark.django_db


def _work(client, user) -> dict:
    """Each work entry of the user's home: key -> (count, link)."""
    client.force_login(user)
    response = client.get(reverse("home"), headers={"accept-language": "zh-hans"})
    assert response.status_code == 200
    return {w.key: (w.count, w.url) for w in response.context["work"]}


def test_the_convener_sees_agendas_to_approve_only_of_the_groups_they_convene(
    client, convener, meeting, items, make_meeting, make_item, host_unit, clerk
):
    work = _work(client, convener)
    assert work["agenda-approve"] == (1, meeting.get_absolute_url())
    assert work["minutes-sign"] == (0, "")
    # Another convener's group: its accepted item is not this convener's work.
    other_convener = UserFactory(username="other-convener", roles=[Role.CONVENER])
    other_group = LeadingGroupFactory(code="other-group", name="另一个领导小组")
    other_host = MemberUnitFactory(group=other_group, name="区民政局", code="other-civil")
    other = factories.meeting_schedule(
        clerk=clerk, group=other_group, convener=other_convener, invited_units=[other_host]
    )
    make_item(other, other_host, status=AgendaItem.Status.ACCEPTED, actor=clerk, title="别组议题")
    assert _work(client, convener)["agenda-approve"][0] == 1
    assert _work(client, other_convener)["agenda-approve"][0] == 1
    page = client.get(reverse("home"), headers={"accept-language": "zh-hans"}).content.decode()
    assert "待您审定的议题" in page and 'data-testid="my-work"' in page


def test_the_director_sees_items_and_minutes_to_review(client, director, meeting, items):
    work = _work(client, director)
    assert work["items-review"] == (1, items["submitted"].get_absolute_url())
    assert work["minutes-review"] == (0, "")
    assert work["decisions-overdue"][0] == 0


def _home_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as context:
        assert client.get(reverse("home")).status_code == 200
    return len(context.captured_queries)


def test_the_homes_cost_the_same_queries_however_much_waits(
    client, convener, director, meeting, make_item, host_unit, unit, clerk
):
    make_item(meeting, host_unit, status=AgendaItem.Status.ACCEPTED, actor=clerk, title="一")
    make_item(meeting, unit, status=AgendaItem.Status.SUBMITTED, title="二")
    few = (_home_queries(client, convener), _home_queries(client, director))
    for number in range(6):
        make_item(
            meeting, host_unit, status=AgendaItem.Status.ACCEPTED, actor=clerk, title=f"甲{number}"
        )
        make_item(meeting, unit, status=AgendaItem.Status.SUBMITTED, title=f"乙{number}")
    assert _work(client, convener)["agenda-approve"][0] == 7
    assert _work(client, director)["items-review"][0] == 7
    assert (_home_queries(client, convener), _home_queries(client, director)) == few
    assert not Minutes.objects.exists()
