"""The follow-up list of decisions as XLSX: the page's filters applied, the office's every
decision, a liaison's own unit's only."""

import pytest
from django.urls import reverse

from tests.export_helpers import workbook_rows
from tests.factories import LiaisonFactory, UserFactory
from tests.meetings import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(held_meeting, clerk, director, liaison, unit, host_unit, other_unit, convener):
    from assistance.roles import Role

    host_liaison = LiaisonFactory(
        unit=host_unit, user=UserFactory(username="host-liaison", roles=[Role.UNIT_LIAISON])
    ).user
    minutes = factories.minutes_drafted(
        held_meeting, clerk=clerk, unit=unit, host_unit=host_unit, other_unit=other_unit
    )
    minutes = factories.minutes_circulated(minutes, clerk=clerk, director=director)
    minutes = factories.minutes_signed(
        minutes,
        liaison=liaison,
        host_liaison=host_liaison,
        unit=unit,
        host_unit=host_unit,
        convener=convener,
    )
    return factories.minutes_issued(minutes, clerk=clerk)


def test_decisions_export_with_the_filters(client, clerk, issued, unit, host_unit, other_unit):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(clerk)
    rows = workbook_rows(client.get(reverse("meetings:followup_xlsx")))
    assert rows[0][:4] == ["Decision", "Group", "Meeting", "Lead unit"]
    decisions = list(issued.decisions.order_by("order"))
    assert {row[0] for row in rows[1:]} == {d.text for d in decisions}
    led_by_other = workbook_rows(
        client.get(reverse("meetings:followup_xlsx"), {"unit": other_unit.pk})
    )
    # other_unit cooperates on decision 2 only.
    assert [row[0] for row in led_by_other[1:]] == [decisions[1].text]
    assert led_by_other[1][3] == host_unit.name
    assert led_by_other[1][4] == other_unit.name
    page = client.get(reverse("meetings:followup"), {"unit": other_unit.pk}).content.decode()
    assert f"{reverse('meetings:followup_xlsx')}?unit={other_unit.pk}" in page


def test_a_liaison_exports_their_own_units_decisions(client, issued, other_unit):
    from assistance.roles import Role

    other = LiaisonFactory(
        unit=other_unit, user=UserFactory(username="other-l", roles=[Role.UNIT_LIAISON])
    ).user
    client.force_login(other)
    rows = workbook_rows(client.get(reverse("meetings:followup_xlsx")))
    assert len(rows) == 2  # decision 2, which other_unit cooperates on


def test_outsiders_get_404(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("meetings:followup_xlsx")).status_code == 404
