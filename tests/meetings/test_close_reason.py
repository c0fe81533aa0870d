"""Closing (销号) a decision its lead unit never reported done needs a written reason, kept
on the decision and in its history (issue 12, item 4); a decision reported done closes at
once, as before."""

import pytest
from django.urls import reverse

from meetings import services
from meetings.models import Decision
from meetings.services import MeetingError
from tests.meetings import factories, minutes_pages

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def host_liaison(host_unit):
    from assistance.roles import Role
    from tests.factories import LiaisonFactory, UserFactory

    user = UserFactory(username="host-liaison", roles=[Role.UNIT_LIAISON])
    return LiaisonFactory(unit=host_unit, user=user).user


@pytest.fixture
def decision(
    held_meeting, clerk, director, convener, liaison, host_liaison, unit, host_unit, other_unit
):
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
    minutes = factories.minutes_issued(minutes, clerk=clerk)
    return minutes.decisions.get(lead_unit=unit)


@pytest.mark.parametrize("reason", ["", "   "])
def test_closing_without_a_report_and_without_a_reason_is_refused(
    decision, director, reason, english
):
    before = minutes_pages.decision_snapshot(decision)

    with pytest.raises(MeetingError, match="write why you close it"):
        services.decision_close(actor=director, decision=decision, reason=reason)

    assert minutes_pages.decision_snapshot(decision) == before


def test_closing_without_a_report_keeps_the_reason_in_the_history(decision, director):
    services.decision_close(
        actor=director, decision=decision, reason="经电话核实，公安分局已统一核对口径。"
    )

    decision.refresh_from_db()
    assert decision.status == Decision.Status.CLOSED
    assert decision.close_reason == "经电话核实，公安分局已统一核对口径。"
    latest = decision.history.latest()
    assert latest.history_user == director
    assert latest.close_reason == decision.close_reason
    assert latest.history_change_reason.startswith("经电话核实")


def test_a_decision_reported_done_closes_without_a_reason(decision, liaison, unit, clerk):
    services.decision_update_post(
        actor=liaison, decision=decision, unit=unit, text="已完成。", reports_done=True
    )

    services.decision_close(actor=clerk, decision=decision)

    decision.refresh_from_db()
    assert (decision.status, decision.close_reason) == (Decision.Status.CLOSED, "")


def test_the_page_asks_for_a_reason_and_a_post_without_one_is_a_400(client, decision, director):
    client.force_login(director)
    page = client.get(decision.get_absolute_url())
    html = page.content.decode()
    assert 'data-testid="close-needs-reason"' in html
    assert "reason" in page.context["close_form"].fields
    before = minutes_pages.decision_snapshot(decision)

    response = client.post(reverse("meetings:decision_close", args=[decision.pk]), {})

    assert response.status_code == 400
    assert 'data-testid="field-error"' in response.content.decode()
    assert minutes_pages.decision_snapshot(decision) == before

    response = client.post(
        reverse("meetings:decision_close", args=[decision.pk]), {"reason": "会议决定不再推进。"}
    )
    assert response.status_code == 302
    page = client.get(decision.get_absolute_url())
    assert "会议决定不再推进。" in page.content.decode()
    assert 'data-testid="close-reason"' in page.content.decode()


def test_after_a_report_the_page_offers_a_plain_close(client, decision, liaison, unit, clerk):
    services.decision_update_post(
        actor=liaison, decision=decision, unit=unit, text="已完成。", reports_done=True
    )
    client.force_login(clerk)

    page = client.get(decision.get_absolute_url())

    assert "reason" not in page.context["close_form"].fields
    response = client.post(reverse("meetings:decision_close", args=[decision.pk]), {})
    assert response.status_code == 302
