"""The office records a unit's answer on its behalf (issue 12, item 2): most member units
have no liaison in the application (``host_unit`` here has none), so no one could give
their consent and the minutes could not be signed before the deadline, while the convener
saw an active 签发 button that then refused. Now the office records the consent or the
receipt as the unit gave it (by phone, on paper: who, when, how, in the history), and the
sign button is disabled with the reason until signing would succeed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Minutes, MinutesReceipt, MinutesResponse
from meetings.services import MeetingError, NotAllowed, OnBehalfData, WrongState
from tests.meetings import factories, minutes_pages

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def by_phone(day=None):
    return OnBehalfData(
        via="phone", given_by="张明（办公室主任）", given_on=day or timezone.localdate()
    )


@pytest.fixture
def circulated(held_meeting, clerk, director, unit, host_unit, other_unit):
    drafted = factories.minutes_drafted(
        held_meeting, clerk=clerk, unit=unit, host_unit=host_unit, other_unit=other_unit
    )
    return factories.minutes_circulated(drafted, clerk=clerk, director=director)


@pytest.fixture
def issued(circulated, clerk, liaison, convener, unit, host_unit):
    services.minutes_respond(actor=liaison, minutes=circulated, unit=unit, consent=True)
    services.minutes_respond_on_behalf(
        actor=clerk, minutes=circulated, unit=host_unit, consent=True, on_behalf=by_phone()
    )
    services.minutes_sign(actor=convener, minutes=circulated)
    return services.minutes_issue(actor=clerk, minutes=circulated)


def test_the_office_records_a_consent_given_by_phone_and_the_history_keeps_it(
    circulated, clerk, host_unit
):
    response = services.minutes_respond_on_behalf(
        actor=clerk, minutes=circulated, unit=host_unit, consent=True, on_behalf=by_phone()
    )

    response.refresh_from_db()
    assert response.answer == MinutesResponse.Answer.CONSENTED
    assert (response.via, response.given_by, response.given_on) == (
        "phone",
        "张明（办公室主任）",
        timezone.localdate(),
    )
    assert response.answered_by == clerk
    latest = response.history.latest()
    assert latest.history_user == clerk
    assert latest.via == "phone" and latest.given_by == "张明（办公室主任）"
    assert "张明" in latest.history_change_reason


def test_with_every_consent_recorded_the_convener_signs_before_the_deadline(
    circulated, clerk, liaison, convener, unit, host_unit
):
    services.minutes_respond(actor=liaison, minutes=circulated, unit=unit, consent=True)
    assert services.sign_refusal(circulated, list(circulated.responses.all()))

    services.minutes_respond_on_behalf(
        actor=clerk,
        minutes=circulated,
        unit=host_unit,
        consent=True,
        on_behalf=OnBehalfData(via="paper", given_by="刘建国", given_on=timezone.localdate()),
    )
    services.minutes_sign(actor=convener, minutes=circulated)

    circulated.refresh_from_db()
    assert circulated.status == Minutes.Status.SIGNED
    assert timezone.localdate() <= circulated.consent_deadline


def test_comments_given_on_paper_block_signing_like_a_liaisons(
    circulated, clerk, liaison, convener, unit, host_unit, english
):
    services.minutes_respond(actor=liaison, minutes=circulated, unit=unit, consent=True)
    services.minutes_respond_on_behalf(
        actor=clerk,
        minutes=circulated,
        unit=host_unit,
        consent=False,
        comment="第二项时限请改为30个工作日。",
        on_behalf=by_phone(),
    )

    with pytest.raises(WrongState, match="Units commented"):
        services.minutes_sign(actor=convener, minutes=circulated)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (OnBehalfData(via="", given_by="张明", given_on=datetime.date(2026, 1, 1)), "how"),
        (OnBehalfData(via="fax", given_by="张明", given_on=datetime.date(2026, 1, 1)), "how"),
        (OnBehalfData(via="phone", given_by="  ", given_on=datetime.date(2026, 1, 1)), "Name"),
        (OnBehalfData(via="phone", given_by="张明", given_on=None), "day"),
    ],
)
def test_who_when_and_how_are_required(circulated, clerk, host_unit, data, message, english):
    before = minutes_pages.snapshot(circulated)

    with pytest.raises(MeetingError, match=message):
        services.minutes_respond_on_behalf(
            actor=clerk, minutes=circulated, unit=host_unit, consent=True, on_behalf=data
        )
    assert minutes_pages.snapshot(circulated) == before


def test_an_answer_given_tomorrow_is_refused(circulated, clerk, host_unit, english):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(MeetingError, match="today or earlier"):
        services.minutes_respond_on_behalf(
            actor=clerk,
            minutes=circulated,
            unit=host_unit,
            consent=True,
            on_behalf=by_phone(tomorrow),
        )


@pytest.mark.parametrize("persona", ["liaison", "convener"])
def test_only_the_office_records_for_a_unit(circulated, request, host_unit, persona, english):
    with pytest.raises(NotAllowed, match="record a unit's answer"):
        services.minutes_respond_on_behalf(
            actor=request.getfixturevalue(persona),
            minutes=circulated,
            unit=host_unit,
            consent=True,
            on_behalf=by_phone(),
        )


def test_a_unit_that_did_not_attend_has_no_answer_to_record(circulated, clerk, other_unit, english):
    with pytest.raises(NotAllowed, match="did not attend"):
        services.minutes_respond_on_behalf(
            actor=clerk, minutes=circulated, unit=other_unit, consent=True, on_behalf=by_phone()
        )


def test_the_liaisons_own_answer_replaces_the_recorded_one(circulated, clerk, liaison, unit):
    services.minutes_respond_on_behalf(
        actor=clerk, minutes=circulated, unit=unit, consent=True, on_behalf=by_phone()
    )
    services.minutes_respond(actor=liaison, minutes=circulated, unit=unit, consent=True)

    response = circulated.responses.get(unit=unit)
    assert (response.answered_by, response.via, response.given_by) == (liaison, "", "")
    assert response.history.count() >= 3  # asked, recorded by the office, answered


def test_the_office_records_a_receipt_on_paper(issued, clerk, other_unit, english):
    receipt = services.minutes_acknowledge_on_behalf(
        actor=clerk,
        minutes=issued,
        unit=other_unit,
        on_behalf=OnBehalfData(via="paper", given_by="李娜", given_on=timezone.localdate()),
    )

    receipt.refresh_from_db()
    assert receipt.acknowledged_at is not None and receipt.acknowledged_by == clerk
    assert (receipt.via, receipt.given_by) == ("paper", "李娜")
    assert receipt.history.latest().history_user == clerk

    with pytest.raises(WrongState, match="already acknowledged"):
        services.minutes_acknowledge_on_behalf(
            actor=clerk, minutes=issued, unit=other_unit, on_behalf=by_phone()
        )


# --- The minutes page -------------------------------------------------------------------------


def test_the_convener_sees_the_sign_button_disabled_with_the_reason(
    client, circulated, convener, liaison, unit
):
    services.minutes_respond(actor=liaison, minutes=circulated, unit=unit, consent=True)
    client.force_login(convener)

    page = client.get(circulated.get_absolute_url())

    html = page.content.decode()
    refusal = page.context["actions"]["sign_refusal"]
    assert "Waiting for consent" in refusal and "区民政局" in refusal
    assert 'data-testid="sign" disabled' in html
    # The refusal on the page is the service's own.
    with pytest.raises(WrongState) as refused:
        services.minutes_sign(actor=convener, minutes=circulated)
    assert refused.value.message == refusal


def test_the_clerk_records_a_consent_on_the_page_and_the_sign_button_turns_active(
    client, circulated, clerk, convener, liaison, unit, host_unit
):
    services.minutes_respond(actor=liaison, minutes=circulated, unit=unit, consent=True)
    client.force_login(clerk)
    page = client.get(circulated.get_absolute_url())
    assert page.context["actions"]["on_behalf"]
    assert [pk for pk, _ in page.context["page"].on_behalf_units] == [host_unit.pk]

    response = client.post(
        reverse("meetings:minutes_on_behalf", args=[circulated.pk]),
        {
            "unit": host_unit.pk,
            "answer": "consent",
            "via": "phone",
            "given_by": "刘建国（局长）",
            "given_on": timezone.localdate().isoformat(),
        },
    )

    assert response.status_code == 302
    answer = circulated.responses.get(unit=host_unit)
    assert (answer.answer, answer.via, answer.given_by) == ("consented", "phone", "刘建国（局长）")
    page = client.get(circulated.get_absolute_url())
    assert 'data-testid="on-behalf-note"' in page.content.decode()
    client.force_login(convener)
    page = client.get(circulated.get_absolute_url())
    assert page.context["actions"]["sign_refusal"] == ""
    assert 'data-testid="sign" disabled' not in page.content.decode()


def test_an_incomplete_record_is_refused_with_400_and_changes_nothing(
    client, circulated, clerk, host_unit
):
    client.force_login(clerk)
    before = minutes_pages.snapshot(circulated)

    response = client.post(
        reverse("meetings:minutes_on_behalf", args=[circulated.pk]),
        {"unit": host_unit.pk, "answer": "consent", "via": "phone", "given_by": ""},
    )

    assert response.status_code == 400
    assert 'data-testid="field-error"' in response.content.decode()
    assert minutes_pages.snapshot(circulated) == before


def test_a_liaison_cannot_record_for_another_unit(client, circulated, liaison, host_unit):
    client.force_login(liaison)
    before = minutes_pages.snapshot(circulated)

    response = client.post(
        reverse("meetings:minutes_on_behalf", args=[circulated.pk]),
        {
            "unit": host_unit.pk,
            "answer": "consent",
            "via": "phone",
            "given_by": "刘建国",
            "given_on": timezone.localdate().isoformat(),
        },
    )

    assert response.status_code == 200
    assert "Only the office records" in response.content.decode()
    assert minutes_pages.snapshot(circulated) == before


def test_the_clerk_records_a_receipt_on_the_issued_minutes_page(client, issued, clerk, other_unit):
    client.force_login(clerk)
    page = client.get(issued.get_absolute_url())
    assert other_unit.pk in [pk for pk, _ in page.context["page"].on_behalf_units]
    assert "answer" not in page.context["forms"]["on_behalf"].fields

    response = client.post(
        reverse("meetings:minutes_on_behalf", args=[issued.pk]),
        {
            "unit": other_unit.pk,
            "via": "paper",
            "given_by": "李娜",
            "given_on": timezone.localdate().isoformat(),
        },
    )

    assert response.status_code == 302
    receipt = MinutesReceipt.objects.get(minutes=issued, unit=other_unit)
    assert receipt.acknowledged_at is not None and receipt.via == "paper"


def test_nothing_to_record_on_draft_minutes_says_so(
    client, clerk, held_meeting, unit, host_unit, other_unit
):
    drafted = factories.minutes_drafted(
        held_meeting, clerk=clerk, unit=unit, host_unit=host_unit, other_unit=other_unit
    )
    client.force_login(clerk)
    before = minutes_pages.snapshot(drafted)

    response = client.post(
        reverse("meetings:minutes_on_behalf", args=[drafted.pk]),
        {"unit": host_unit.pk, "answer": "consent", "via": "phone", "given_by": "刘建国"},
    )

    assert "answer is awaited at this stage" in response.content.decode()
    assert 'data-testid="on-behalf"' not in response.content.decode()
    assert minutes_pages.snapshot(drafted) == before
