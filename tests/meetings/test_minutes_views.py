"""The minutes, decision and follow-up pages, driven through the client as the office, the
convener and the liaisons would: who may see what (outsiders and liaisons of units not
concerned get 404), the whole minutes procedure of Zhangbei's notice (drafted by the
office, reviewed by the office director, consented by the attending units, signed by the
convener, issued to the member units and reported to the government), every refused step
showing the service's message and changing nothing, every version kept, the decisions
followed up to their close, completion rates, the Word document, and a follow-up page
whose query count does not grow with the number of decisions.

States are built through ``meetings.services`` (see ``tests/meetings/conftest.py``):
``held_meeting`` invites ``host_unit`` (present) and ``unit`` (delegated); ``other_unit``
is a member unit of the group but was not invited, so ``other_liaison`` is the liaison of
a unit that did not attend.
"""

import datetime
import io
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn

from assistance.roles import Role
from meetings import services
from meetings.models import (
    Decision,
    Minutes,
    MinutesResponse,
)
from tests.factories import LiaisonFactory, UserFactory
from tests.meetings import factories, minutes_pages

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 60

# Queries of the follow-up page, with 5 decisions or 200 (measured: 15 for the office, 14 for
# a liaison), and of the minutes page with 2 decisions or 40 (15 for the office). A query
# per row would blow either at once. One more for an office user: the second-factor device
# that verified the session (django-otp reads it on every request).
FOLLOWUP_QUERIES = 16
MINUTES_PAGE_QUERIES = 14

TEXT = factories.MINUTES_TEXT
_call, _decision = minutes_pages.call, minutes_pages.decision
_snapshot, _decision_snapshot = minutes_pages.snapshot, minutes_pages.decision_snapshot


@pytest.fixture(autouse=True)
def _english(client):
    # Assertions read the English source strings, whatever the catalogue says.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def today(monkeypatch):
    """Set the office's "today" (``timezone.localdate``) for the services and the pages."""

    def set_today(day: datetime.date):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        return day

    return set_today


@pytest.fixture
def host_liaison(host_unit):
    """The liaison of the unit hosting the office (the conftest gives it none)."""
    user = UserFactory(username="host-liaison", roles=[Role.UNIT_LIAISON])
    return LiaisonFactory(unit=host_unit, user=user).user


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


_decisions = factories.decisions_for


@pytest.fixture
def drafted(held_meeting, clerk, unit, host_unit, other_unit):
    return factories.minutes_drafted(
        held_meeting, clerk=clerk, unit=unit, host_unit=host_unit, other_unit=other_unit
    )


@pytest.fixture
def circulated(drafted, clerk, director):
    return factories.minutes_circulated(drafted, clerk=clerk, director=director)


@pytest.fixture
def signed(circulated, liaison, host_liaison, unit, host_unit, convener):
    return factories.minutes_signed(
        circulated,
        liaison=liaison,
        host_liaison=host_liaison,
        unit=unit,
        host_unit=host_unit,
        convener=convener,
    )


@pytest.fixture
def issued(signed, clerk):
    return factories.minutes_issued(signed, clerk=clerk)


def _draft_data(decisions, *, text=TEXT, number="第3期", initial=0, extra=1):
    """The POST of the draft page: ``decisions`` as (text, lead, cooperating, days[,
    delete]) rows, then ``extra`` empty rows."""
    data = {
        "document_number": number,
        "text": text,
        "decisions-TOTAL_FORMS": str(len(decisions) + extra),
        "decisions-INITIAL_FORMS": str(initial),
        "decisions-MIN_NUM_FORMS": "0",
        "decisions-MAX_NUM_FORMS": "50",
    }
    for index, row in enumerate(decisions):
        text_, lead, cooperating, days, *delete = row
        data[f"decisions-{index}-text"] = text_
        data[f"decisions-{index}-lead_unit"] = str(lead.pk)
        data[f"decisions-{index}-cooperating_units"] = [str(u.pk) for u in cooperating]
        data[f"decisions-{index}-working_days"] = str(days)
        if delete and delete[0]:
            data[f"decisions-{index}-DELETE"] = "on"
    for index in range(len(decisions), len(decisions) + extra):
        data[f"decisions-{index}-working_days"] = "20"
    return data


# --- Who may see what -----------------------------------------------------------------------
# The URLs for every role on circulated and on issued minutes: test_minutes_access.py and
# test_minutes_circulated_access.py.


@pytest.mark.parametrize("name", ["minutes_draft", "followup"])
def test_anonymous_is_sent_to_sign_in_from_the_draft_and_follow_up_pages(
    client, held_meeting, name
):
    url = (
        reverse("meetings:followup")
        if name == "followup"
        else reverse("meetings:minutes_draft", kwargs={"pk": held_meeting.pk})
    )
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["liaison", "other_liaison", "clerk", "convener"])
def test_draft_minutes_are_the_offices_working_papers(client, request, drafted, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("meetings:minutes_detail", kwargs={"pk": drafted.pk}))

    assert response.status_code == (200 if persona in ("clerk", "convener") else 404)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("clerk", 200),
        ("director", 200),
        # Only the office drafts: to anyone else the page does not exist.
        ("convener", 404),
        ("liaison", 404),
        ("other_liaison", 404),
        ("outsider", 404),
        ("auditor", 404),
    ],
)
def test_the_draft_page_is_the_offices(client, request, held_meeting, persona, status):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("meetings:minutes_draft", kwargs={"pk": held_meeting.pk}))

    assert response.status_code == status


def test_decisions_of_minutes_not_yet_issued_are_404_to_liaisons(client, signed, liaison):
    client.force_login(liaison)

    response = client.get(
        reverse("meetings:decision_detail", kwargs={"pk": _decision(signed, 1).pk})
    )

    assert response.status_code == 404


# --- The whole procedure ---------------------------------------------------------------------


def test_the_minutes_procedure_end_to_end_through_the_pages(
    client,
    held_meeting,
    clerk,
    director,
    convener,
    liaison,
    host_liaison,
    other_liaison,
    unit,
    host_unit,
    other_unit,
):
    versions = [0]

    def history():
        count = Minutes.history.filter(meeting=held_meeting).count()
        # Every step keeps a version: the count only grows.
        assert count > versions[-1]
        versions.append(count)

    def minutes():
        return Minutes.objects.get(meeting=held_meeting)

    draft_url = reverse("meetings:minutes_draft", kwargs={"pk": held_meeting.pk})

    # 1. The office drafts the minutes with two decisions.
    client.force_login(clerk)
    assert client.get(draft_url).status_code == 200
    response = client.post(
        draft_url,
        _draft_data(
            [
                ("统一车辆信息核对口径。", unit, [host_unit], 10),
                ("安排年度救助资金。", host_unit, [other_unit, unit], 20),
            ],
            extra=2,
        ),
    )
    page_url = minutes().get_absolute_url()
    assert response.status_code == 302 and response["Location"] == page_url
    assert minutes().status == Minutes.Status.DRAFT
    assert minutes().document_number == "第3期"
    first, second = minutes().decisions.order_by("order")
    assert (first.lead_unit, set(first.cooperating_units.all())) == (unit, {host_unit})
    assert (second.lead_unit, set(second.cooperating_units.all())) == (
        host_unit,
        {other_unit, unit},
    )
    assert first.working_days == 10 and first.deadline is None
    history()

    # 2. Submitted for review; 3. the office director returns it with comments.
    response = client.post(reverse("meetings:minutes_submit", kwargs={"pk": minutes().pk}))
    assert response.status_code == 302
    assert minutes().status == Minutes.Status.IN_REVIEW
    history()
    client.force_login(director)
    response = client.post(
        reverse("meetings:minutes_review", kwargs={"pk": minutes().pk}),
        {"verdict": "return", "comment": "第二项请写明资金来源。"},
    )
    assert response.status_code == 302
    assert minutes().status == Minutes.Status.DRAFT
    assert minutes().review_comment == "第二项请写明资金来源。"
    history()

    # 4. The office redrafts, from a page prefilled with the minutes and decisions.
    client.force_login(clerk)
    response = client.get(draft_url)
    assert response.context["form"]["text"].value() == TEXT
    rows = response.context["formset"].forms
    assert [f["text"].value() for f in rows[:2]] == ["统一车辆信息核对口径。", "安排年度救助资金。"]
    assert set(rows[1]["cooperating_units"].value()) == {other_unit.pk, unit.pk}
    assert "第二项请写明资金来源。" in response.content.decode()
    response = client.post(
        draft_url,
        _draft_data(
            [
                ("统一车辆信息核对口径。", unit, [host_unit], 10),
                ("从区级救助资金中安排年度救助资金。", host_unit, [other_unit], 20),
            ],
            initial=2,
        ),
    )
    assert response.status_code == 302
    assert minutes().decisions.get(order=2).text == "从区级救助资金中安排年度救助资金。"
    history()
    client.post(reverse("meetings:minutes_submit", kwargs={"pk": minutes().pk}))
    history()

    # 5. Approved: circulated to the attending units for consent.
    client.force_login(director)
    response = client.post(
        reverse("meetings:minutes_review", kwargs={"pk": minutes().pk}), {"verdict": "approve"}
    )
    assert response.status_code == 302
    assert minutes().status == Minutes.Status.CIRCULATED
    assert minutes().consent_deadline is not None
    assert set(minutes().responses.values_list("unit", flat=True)) == {unit.pk, host_unit.pk}
    history()

    # 6. One unit comments; the convener cannot sign over an open comment.
    client.force_login(liaison)
    page = client.get(page_url)
    assert page.status_code == 200
    assert b'data-testid="respond-form"' in page.content
    response = client.post(
        reverse("meetings:minutes_respond", kwargs={"pk": minutes().pk}),
        {"answer": "comment", "comment": "第一项请改为“会同”。"},
    )
    assert response.status_code == 302
    assert minutes().responses.get(unit=unit).answer == MinutesResponse.Answer.COMMENTED
    client.force_login(convener)
    before = _snapshot(minutes())
    response = client.post(reverse("meetings:minutes_sign", kwargs={"pk": minutes().pk}))
    assert response.status_code == 200
    assert any("commented" in m for m in _messages(response))
    assert _snapshot(minutes()) == before

    # 7. The office takes the minutes back, revises and recirculates them.
    client.force_login(clerk)
    response = client.post(
        reverse("meetings:minutes_revise", kwargs={"pk": minutes().pk}),
        {"comment": "按区公安分局意见修改第一项。"},
    )
    assert response.status_code == 302
    assert minutes().status == Minutes.Status.DRAFT
    history()
    client.post(
        draft_url,
        _draft_data(
            [
                ("会同区民政局统一车辆信息核对口径。", unit, [host_unit], 10),
                ("从区级救助资金中安排年度救助资金。", host_unit, [other_unit], 20),
            ],
            initial=2,
        ),
    )
    client.post(reverse("meetings:minutes_submit", kwargs={"pk": minutes().pk}))
    client.force_login(director)
    client.post(
        reverse("meetings:minutes_review", kwargs={"pk": minutes().pk}), {"verdict": "approve"}
    )
    assert minutes().status == Minutes.Status.CIRCULATED
    # Everyone is asked again.
    assert set(minutes().responses.values_list("answer", flat=True)) == {"pending"}
    history()

    # 8. Every attending unit consents; the convener signs; the minutes are locked.
    for user in (liaison, host_liaison):
        client.force_login(user)
        response = client.post(
            reverse("meetings:minutes_respond", kwargs={"pk": minutes().pk}),
            {"answer": "consent"},
        )
        assert response.status_code == 302
    assert set(minutes().responses.values_list("answer", flat=True)) == {"consented"}
    client.force_login(convener)
    response = client.post(reverse("meetings:minutes_sign", kwargs={"pk": minutes().pk}))
    assert response.status_code == 302
    assert minutes().status == Minutes.Status.SIGNED
    assert minutes().signed_by == convener
    history()
    client.force_login(clerk)
    page = client.get(page_url)
    assert b'data-testid="edit"' not in page.content
    assert b'data-testid="locked"' in page.content

    # 9. The office issues them, reported to the government.
    response = client.post(
        reverse("meetings:minutes_issue", kwargs={"pk": minutes().pk}),
        {"reported_to_government": "on"},
    )
    assert response.status_code == 302
    issued = minutes()
    assert issued.status == Minutes.Status.ISSUED
    assert issued.reported_to_government_at is not None
    assert set(issued.receipts.values_list("unit", flat=True)) == {
        unit.pk,
        host_unit.pk,
        other_unit.pk,
    }
    assert all(d.deadline for d in issued.decisions.all())
    history()

    # 10. Units acknowledge receipt; the office sees who has not.
    for user in (liaison, other_liaison):
        client.force_login(user)
        response = client.post(reverse("meetings:minutes_acknowledge", kwargs={"pk": issued.pk}))
        assert response.status_code == 302
    client.force_login(clerk)
    page = client.get(page_url)
    content = page.content.decode()
    not_acknowledged = content.split('data-testid="not-acknowledged"')[1].split("</div>")[0]
    assert host_unit.name in not_acknowledged
    assert unit.name not in not_acknowledged and other_unit.name not in not_acknowledged
    assert page.context["page"].receipt_counts == {"total": 3, "acknowledged": 2}

    # Every version is kept, and the office sees them all with their text.
    assert len(page.context["page"].versions) == versions[-1]
    assert content.count('data-testid="version"') == versions[-1]
    assert "按区公安分局意见修改第一项。" in content and "第二项请写明资金来源。" in content


def test_the_liaison_sees_their_own_units_answer_and_receipt_only(
    client, issued, liaison, unit, host_unit
):
    client.force_login(liaison)

    page = client.get(reverse("meetings:minutes_detail", kwargs={"pk": issued.pk}))

    assert [r.unit for r in page.context["page"].responses] == [unit]
    assert [r.unit for r in page.context["page"].receipts] == [unit]
    assert page.context["page"].versions == []
    content = page.content.decode()
    assert 'data-testid="not-acknowledged"' not in content
    assert 'data-testid="acknowledge"' in content


def test_the_minutes_page_shows_the_consent_deadline_as_provisional_when_it_is(
    client, circulated, clerk
):
    Minutes.objects.filter(pk=circulated.pk).update(consent_deadline_provisional=True)
    client.force_login(clerk)

    page = client.get(reverse("meetings:minutes_detail", kwargs={"pk": circulated.pk}))

    assert b'data-testid="provisional"' in page.content


def test_issuing_without_the_government_box_does_not_report_it(client, signed, clerk):
    client.force_login(clerk)

    response = client.post(reverse("meetings:minutes_issue", kwargs={"pk": signed.pk}), {})

    assert response.status_code == 302
    signed.refresh_from_db()
    assert signed.status == Minutes.Status.ISSUED
    assert signed.reported_to_government_at is None


def test_the_issue_box_is_ticked_by_default(client, signed, clerk):
    client.force_login(clerk)

    page = client.get(reverse("meetings:minutes_detail", kwargs={"pk": signed.pk}))

    form = page.context["forms"]["issue"]
    assert form["reported_to_government"].value() is True
    issue_form = page.content.decode().split('data-testid="issue-form"')[1].split("</form>")[0]
    assert "checked" in issue_form


# --- Refused steps: a message, and nothing changes ------------------------------------------

REFUSALS = [
    # (state fixture, persona, url name, POST data, part of the message)
    ("circulated", "clerk", "minutes_sign", {}, "Your role does not allow you to sign"),
    ("circulated", "convener", "minutes_sign", {}, "Waiting for consent until"),
    ("circulated", "liaison", "minutes_submit", {}, "Your role does not allow you"),
    ("circulated", "liaison", "minutes_revise", {"comment": "改"}, "Your role does not allow"),
    ("circulated", "clerk", "minutes_respond", {"answer": "consent"}, "Only a unit's liaison"),
    ("circulated", "clerk", "minutes_issue", {}, "cannot be changed that way"),
    ("circulated", "liaison", "minutes_acknowledge", {}, "not issued"),
    ("drafted", "director", "minutes_review", {"verdict": "approve"}, "Only minutes in review"),
    ("drafted", "convener", "minutes_submit", {}, "Your role does not allow you"),
    ("drafted", "clerk", "minutes_sign", {}, "Your role does not allow you to sign"),
    ("in_review", "director", "minutes_review", {"verdict": "return"}, "Say what to change"),
    ("in_review", "clerk", "minutes_review", {"verdict": "approve"}, "Your role does not allow"),
    ("signed", "clerk", "minutes_revise", {"comment": "改"}, "Only circulated minutes"),
    ("signed", "liaison", "minutes_respond", {"answer": "consent"}, "not open for consent"),
    ("issued", "other_liaison", "minutes_respond", {"answer": "consent"}, "not open"),
    ("issued", "convener", "minutes_sign", {}, "Only circulated minutes can be signed"),
    ("issued", "clerk", "minutes_issue", {}, "cannot be changed that way"),
]


@pytest.fixture
def in_review(drafted, clerk):
    return services.minutes_submit_for_review(actor=clerk, minutes=drafted)


@pytest.mark.parametrize(("state", "persona", "name", "data", "message"), REFUSALS)
def test_a_refused_step_shows_the_services_message_and_changes_nothing(
    client, request, state, persona, name, data, message
):
    minutes = request.getfixturevalue(state)
    client.force_login(request.getfixturevalue(persona))
    before = _snapshot(minutes)

    response = client.post(reverse(f"meetings:{name}", kwargs={"pk": minutes.pk}), data)

    assert response.status_code == 200
    shown = _messages(response)
    assert any(message in m for m in shown), shown
    assert message in response.content.decode().replace("&#x27;", "'")
    assert _snapshot(minutes) == before


def test_signed_minutes_cannot_be_edited(client, signed, clerk, held_meeting, unit, host_unit):
    client.force_login(clerk)
    draft_url = reverse("meetings:minutes_draft", kwargs={"pk": held_meeting.pk})
    before = _snapshot(signed)

    page = client.get(draft_url)
    assert page.status_code == 302 and page["Location"] == signed.get_absolute_url()
    assert "Only draft minutes can be edited." in _messages(page)

    # Even a hand-made POST is refused by the service's rule… the page never gets there.
    response = client.post(
        draft_url, _draft_data([("改写的议定事项。", unit, [host_unit], 5)], text="改写")
    )
    assert response.status_code == 302
    assert _snapshot(signed) == before
    with pytest.raises(services.WrongState):
        services.minutes_draft(actor=clerk, meeting=held_meeting, text="改写", decisions=[])


def test_a_liaison_of_a_unit_that_did_not_attend_cannot_consent(client, circulated, other_liaison):
    client.force_login(other_liaison)
    before = _snapshot(circulated)

    response = client.post(
        reverse("meetings:minutes_respond", kwargs={"pk": circulated.pk}), {"answer": "consent"}
    )

    assert response.status_code == 404
    assert _snapshot(circulated) == before


def test_minutes_are_drafted_once_the_meeting_is_held(client, approved_meeting, clerk, unit):
    client.force_login(clerk)
    url = reverse("meetings:minutes_draft", kwargs={"pk": approved_meeting.pk})

    page = client.get(url)
    assert b'data-testid="not-held"' in page.content
    # One row only: the page suggests a row per agenda item, each with its own lead unit.
    response = client.post(url, _draft_data([("事项", unit, [], 10)], extra=0))

    assert response.status_code == 200
    assert "Minutes are drafted once the meeting is held." in _messages(response)
    assert not Minutes.objects.filter(meeting=approved_meeting).exists()


def test_the_draft_form_checks_what_was_typed(client, held_meeting, clerk, unit):
    client.force_login(clerk)
    url = reverse("meetings:minutes_draft", kwargs={"pk": held_meeting.pk})

    response = client.post(url, _draft_data([("事项", unit, [], 0)], text=""))

    assert response.status_code == 200
    assert response.context["form"].errors["text"]
    assert response.context["formset"].forms[0].errors["working_days"]
    assert not Minutes.objects.filter(meeting=held_meeting).exists()


def test_a_decision_can_be_removed_on_redraft(client, drafted, clerk, held_meeting, unit):
    client.force_login(clerk)
    first, second = drafted.decisions.order_by("order")

    response = client.post(
        reverse("meetings:minutes_draft", kwargs={"pk": held_meeting.pk}),
        _draft_data(
            [
                (first.text, first.lead_unit, list(first.cooperating_units.all()), 10),
                (second.text, second.lead_unit, [], 20, True),
            ],
            initial=2,
        ),
    )

    assert response.status_code == 302
    assert list(drafted.decisions.values_list("text", flat=True)) == [first.text]


# --- Decisions ------------------------------------------------------------------------------


def _upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_the_lead_unit_reports_progress_with_an_attachment_and_then_done(
    client, issued, liaison, unit
):
    decision = _decision(issued, 1)
    url = reverse("meetings:decision_update", kwargs={"pk": decision.pk})
    client.force_login(liaison)
    page = client.get(decision.get_absolute_url())
    assert "reports_done" in page.context["update_form"].fields

    response = client.post(
        url, {"text": "已召开专题会议。", "attachments": [_upload("会议记录.pdf", PDF)]}
    )

    assert response.status_code == 302
    update = decision.updates.get()
    assert (update.unit, update.author, update.reports_done) == (unit, liaison, False)
    attachment = update.attachments.get()
    assert attachment.name == "会议记录.pdf"
    page = client.get(decision.get_absolute_url())
    assert "会议记录.pdf" in page.content.decode()
    download = client.get(reverse("meetings:attachment_download", kwargs={"pk": attachment.pk}))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF

    response = client.post(url, {"text": "口径已统一并下发。", "reports_done": "on"})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == Decision.Status.REPORTED_DONE


def test_an_attachment_is_judged_by_its_content(client, issued, liaison):
    decision = _decision(issued, 1)
    client.force_login(liaison)
    before = _decision_snapshot(decision)

    response = client.post(
        reverse("meetings:decision_update", kwargs={"pk": decision.pk}),
        {"text": "见附件。", "attachments": [_upload("scan.pdf", EXE)]},
    )

    assert response.status_code == 200
    assert response.context["update_form"].errors["attachments"]
    assert _decision_snapshot(decision) == before


def test_a_cooperating_unit_reports_progress_but_not_done(client, issued, other_liaison):
    decision = _decision(issued, 2)
    client.force_login(other_liaison)
    page = client.get(decision.get_absolute_url())
    assert "reports_done" not in page.context["update_form"].fields

    response = client.post(
        reverse("meetings:decision_update", kwargs={"pk": decision.pk}),
        {"text": "已配合提供纳税数据。", "reports_done": "on"},
    )

    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == Decision.Status.OPEN
    assert not decision.updates.get().reports_done


def test_the_office_sends_a_decision_back_then_closes_it(client, issued, liaison, clerk, director):
    decision = _decision(issued, 1)
    services.decision_update_post(
        actor=liaison, decision=decision, unit=decision.lead_unit, text="完成。", reports_done=True
    )
    client.force_login(clerk)
    page = client.get(decision.get_absolute_url())
    assert b'data-testid="send-back-form"' in page.content

    response = client.post(
        reverse("meetings:decision_send_back", kwargs={"pk": decision.pk}),
        {"comment": "请附上下发文件。"},
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == Decision.Status.OPEN
    note = decision.updates.order_by("pk").last()
    assert (note.unit, note.text) == (None, "请附上下发文件。")

    client.force_login(liaison)
    client.post(
        reverse("meetings:decision_update", kwargs={"pk": decision.pk}),
        {"text": "已附文件。", "reports_done": "on"},
    )
    client.force_login(director)
    response = client.post(reverse("meetings:decision_close", kwargs={"pk": decision.pk}))
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == Decision.Status.CLOSED
    assert decision.closed_by == director
    page = client.get(decision.get_absolute_url())
    assert page.context["update_form"] is None
    assert not page.context["can_close"] and not page.context["can_send_back"]


DECISION_REFUSALS = [
    # (persona, url name, POST data, part of the message, status before)
    ("liaison", "decision_close", {"reason": "x"}, "not allow you to close", "open"),
    ("convener", "decision_close", {"reason": "x"}, "not allow you to close", "open"),
    ("liaison", "decision_send_back", {"comment": "x"}, "Your role does not allow", "open"),
    ("clerk", "decision_send_back", {"comment": "x"}, "cannot be changed that way", "open"),
    ("clerk", "decision_update", {"text": "进展"}, "Only a unit's liaison", "open"),
    ("liaison", "decision_update", {"text": "进展"}, "This decision is closed.", "closed"),
    ("clerk", "decision_close", {"reason": "x"}, "cannot be changed that way", "closed"),
]


@pytest.mark.parametrize(("persona", "name", "data", "message", "status"), DECISION_REFUSALS)
def test_a_refused_decision_step_shows_the_message_and_changes_nothing(
    client, request, issued, clerk, persona, name, data, message, status
):
    decision = _decision(issued, 1)
    if status == "closed":
        services.decision_close(actor=clerk, decision=decision, reason="已在会上落实。")
    client.force_login(request.getfixturevalue(persona))
    before = _decision_snapshot(decision)

    response = client.post(reverse(f"meetings:{name}", kwargs={"pk": decision.pk}), data)

    assert response.status_code == 200
    assert any(message in m for m in _messages(response)), _messages(response)
    assert _decision_snapshot(decision) == before


def test_sending_back_needs_a_comment(client, issued, liaison, clerk):
    decision = _decision(issued, 1)
    services.decision_update_post(
        actor=liaison, decision=decision, unit=decision.lead_unit, text="完成。", reports_done=True
    )
    client.force_login(clerk)
    before = _decision_snapshot(decision)

    response = client.post(
        reverse("meetings:decision_send_back", kwargs={"pk": decision.pk}), {"comment": ""}
    )

    assert response.status_code == 200
    assert response.context["send_back_form"].errors["comment"]
    assert _decision_snapshot(decision) == before


# --- Follow-up ------------------------------------------------------------------------------


def _issue_with(
    meeting_, decisions, *, clerk, director, convener, responders, issue_day=None, today=None
):
    """Draft, review, consent, sign and issue a held meeting's minutes (issued on
    ``issue_day`` when given)."""
    if issue_day is not None:
        today(issue_day)
    minutes = services.minutes_draft(actor=clerk, meeting=meeting_, text=TEXT, decisions=decisions)
    services.minutes_submit_for_review(actor=clerk, minutes=minutes)
    services.minutes_review(actor=director, minutes=minutes, approve=True)
    for user, unit_ in responders:
        services.minutes_respond(actor=user, minutes=minutes, unit=unit_, consent=True)
    services.minutes_sign(actor=convener, minutes=minutes)
    return services.minutes_issue(actor=clerk, minutes=minutes)


@pytest.fixture
def issue(clerk, director, convener, liaison, host_liaison, unit, host_unit, today):
    def run(meeting_, decisions, issue_day=None):
        return _issue_with(
            meeting_,
            decisions,
            clerk=clerk,
            director=director,
            convener=convener,
            responders=[(liaison, unit), (host_liaison, host_unit)],
            issue_day=issue_day,
            today=today,
        )

    return run


def _decision_rows(n, unit, host_unit, other_unit):
    leads = [unit, host_unit, other_unit]
    return [
        services.DecisionData(
            text=f"第{i + 1}项议定事项。",
            lead_unit_id=leads[i % 3].pk,
            cooperating_unit_ids=[leads[(i + 1) % 3].pk],
            working_days=10,
        )
        for i in range(n)
    ]


def test_completion_rates_overall_and_per_unit(
    client, held_meeting, issue, clerk, liaison, unit, host_unit, other_unit, today
):
    # Six decisions issued 30 days ago (10 working days each: all past their deadline),
    # leads in turn unit, host_unit, other_unit; each cooperates with the next.
    real_today = timezone.localdate()
    minutes = issue(
        held_meeting,
        _decision_rows(6, unit, host_unit, other_unit),
        issue_day=real_today - datetime.timedelta(days=30),
    )
    today(real_today)
    decisions = list(minutes.decisions.order_by("order"))
    # Closed: no. 1 (unit) and no. 2 (host_unit); reported done: no. 4 (unit).
    for d in decisions[:2]:
        services.decision_close(actor=clerk, decision=d, reason="已在会上落实。")
    services.decision_update_post(
        actor=liaison, decision=decisions[3], unit=unit, text="完成。", reports_done=True
    )

    client.force_login(clerk)
    response = client.get(reverse("meetings:followup"))

    figures = response.context["figures"]
    assert (figures.total, figures.closed, figures.overdue, figures.reported_done) == (6, 2, 4, 1)
    assert figures.rate == 33.3
    rows = {row.unit_id: row for row in response.context["unit_rows"]}
    # unit leads 1 (closed) and 4 (reported done, overdue); cooperates on 3 and 6.
    assert (rows[unit.pk].led.total, rows[unit.pk].led.closed, rows[unit.pk].led.overdue) == (
        2,
        1,
        1,
    )
    assert rows[unit.pk].led.rate == 50.0
    assert (rows[unit.pk].cooperating.total, rows[unit.pk].cooperating.overdue) == (2, 2)
    # host_unit leads 2 (closed) and 5; other_unit leads 3 and 6, none closed.
    assert (rows[host_unit.pk].led.closed, rows[host_unit.pk].led.overdue) == (1, 1)
    assert (rows[other_unit.pk].led.total, rows[other_unit.pk].led.rate) == (2, 0.0)
    assert rows[other_unit.pk].led.overdue == 2
    # Overdue decisions come first, and are shown above everything.
    content = response.content.decode()
    assert 'data-testid="overdue-decisions"' in content
    assert len(response.context["overdue"]) == 4
    assert all(d.days_overdue > 0 for d in response.context["overdue"])
    listed = list(response.context["page"].object_list)
    assert [d.overdue for d in listed] == [True] * 4 + [False] * 2

    # The liaison sees their unit's decisions (lead or cooperating) and their figures.
    client.force_login(liaison)
    response = client.get(reverse("meetings:followup"))
    figures = response.context["figures"]
    # unit: leads 1, 4; cooperates on 3, 6 → 4 decisions, 1 closed, 3 overdue.
    assert (figures.total, figures.closed, figures.overdue) == (4, 1, 3)
    assert figures.rate == 25.0
    assert {d.order for d in response.context["page"].object_list} == {1, 3, 4, 6}
    assert response.context["unit_rows"] == []


def test_follow_up_filters(client, held_meeting, issue, clerk, unit, host_unit, other_unit, today):
    real_today = timezone.localdate()
    minutes = issue(
        held_meeting,
        _decision_rows(6, unit, host_unit, other_unit),
        issue_day=real_today - datetime.timedelta(days=30),
    )
    today(real_today)
    services.decision_close(
        actor=clerk, decision=minutes.decisions.get(order=1), reason="已在会上落实。"
    )
    client.force_login(clerk)
    url = reverse("meetings:followup")

    def listed(**params):
        response = client.get(url, params)
        return sorted(d.order for d in response.context["page"].object_list)

    assert listed(status="closed") == [1]
    assert listed(overdue="on") == [2, 3, 4, 5, 6]
    # A unit's decisions are those it leads or cooperates on.
    assert listed(unit=host_unit.pk) == [1, 2, 4, 5]
    assert listed(unit=host_unit.pk, overdue="on") == [2, 4, 5]
    assert listed(group=held_meeting.group.pk) == [1, 2, 3, 4, 5, 6]
    # htmx asks for the results only.
    response = client.get(
        url,
        {"status": "open"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="followup-results",
    )
    assert response.templates[0].name == "meetings/partials/decision_followup_results.html"


def test_decisions_not_issued_are_not_followed_up(client, signed, clerk):
    client.force_login(clerk)

    response = client.get(reverse("meetings:followup"))

    assert response.context["figures"].total == 0
    assert b'data-testid="no-decisions"' in response.content


@pytest.mark.parametrize("persona", ["clerk", "liaison"])
def test_follow_up_query_count_does_not_grow_with_the_decisions(
    client,
    request,
    held_meeting,
    issue,
    clerk,
    unit,
    host_unit,
    other_unit,
    today,
    persona,
    django_assert_max_num_queries,
):
    real_today = timezone.localdate()
    minutes = issue(
        held_meeting,
        _decision_rows(5, unit, host_unit, other_unit),
        issue_day=real_today - datetime.timedelta(days=30),
    )
    today(real_today)
    services.decision_close(
        actor=clerk, decision=minutes.decisions.get(order=1), reason="已在会上落实。"
    )
    client.force_login(request.getfixturevalue(persona))
    url = reverse("meetings:followup")

    with django_assert_max_num_queries(FOLLOWUP_QUERIES):
        small = client.get(url)
    assert small.context["figures"].total == (5 if persona == "clerk" else 3)

    # 195 more decisions, on another meeting issued today.
    second = _more_meeting(request)
    issue(second, _decision_rows(195, unit, host_unit, other_unit), issue_day=real_today)
    today(real_today)

    with django_assert_max_num_queries(FOLLOWUP_QUERIES):
        large = client.get(url)
    assert large.context["figures"].total > 100
    assert len(large.context["page"].object_list) == 50


def _more_meeting(request):
    """A second held meeting of the group, through the services."""
    from meetings.models import AgendaItem, Attendance

    make_meeting = request.getfixturevalue("make_meeting")
    make_item = request.getfixturevalue("make_item")
    host_unit = request.getfixturevalue("host_unit")
    unit = request.getfixturevalue("unit")
    clerk = request.getfixturevalue("clerk")
    convener = request.getfixturevalue("convener")
    meeting_ = make_meeting(title="2026年第三季度协调会议")
    make_item(meeting_, unit, status=AgendaItem.Status.ACCEPTED, title="第三季度议题")
    services.agenda_approve(actor=convener, meeting=meeting_)
    factories.meeting_day_arrives(meeting_)
    services.attendance_record(
        actor=clerk,
        meeting=meeting_,
        rows=[
            services.AttendanceData(host_unit.pk, Attendance.Presence.PRESENT, "刘建国", "局长"),
            services.AttendanceData(unit.pk, Attendance.Presence.PRESENT, "王晓梅", "科员"),
        ],
    )
    return meeting_


def test_the_minutes_page_query_count_does_not_grow(
    client, request, issued, clerk, unit, host_unit, other_unit, django_assert_max_num_queries
):
    client.force_login(clerk)
    url = reverse("meetings:minutes_detail", kwargs={"pk": issued.pk})
    with django_assert_max_num_queries(MINUTES_PAGE_QUERIES):
        client.get(url)
    meeting_ = _more_meeting(request)
    many = _issue_with(
        meeting_,
        _decision_rows(40, unit, host_unit, other_unit),
        clerk=clerk,
        director=request.getfixturevalue("director"),
        convener=request.getfixturevalue("convener"),
        responders=[
            (request.getfixturevalue("liaison"), unit),
            (request.getfixturevalue("host_liaison"), host_unit),
        ],
    )
    with django_assert_max_num_queries(MINUTES_PAGE_QUERIES):
        client.get(reverse("meetings:minutes_detail", kwargs={"pk": many.pk}))


# --- The Word document ----------------------------------------------------------------------


def _docx_text(response):
    document = Document(io.BytesIO(response.content))
    paragraphs = [p.text for p in document.paragraphs]
    return document, "\n".join(paragraphs)


def test_the_word_document_is_the_official_notice(
    client, issued, liaison, group, unit, host_unit, other_unit
):
    client.force_login(liaison)

    response = client.get(reverse("meetings:minutes_docx", kwargs={"pk": issued.pk}))

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    document, text = _docx_text(response)
    assert group.name in text
    assert "Meeting minutes" in text
    assert "第3期" in text
    assert f"Office of {group.name}" in text
    assert TEXT in text
    # Recipients: every member unit; reported to the district's government.
    assert "To: all member units." in text
    assert "Reported to: 测试区 People's Government." in text
    # The decisions, numbered, with their units and deadlines.
    first, second = issued.decisions.order_by("order")
    assert f"1. {first.text}" in text and f"2. {second.text}" in text
    assert f"Lead unit: {unit.name}. Cooperating units: {host_unit.name}." in text
    assert f"Lead unit: {host_unit.name}. Cooperating units: {other_unit.name}." in text
    assert "Draft" not in text
    # Who attended.
    attended = next(line for line in text.splitlines() if line.startswith("Attended: "))
    assert f"{host_unit.name} (刘建国 局长)" in attended
    assert f"{unit.name} (王晓梅 科员, delegated)" in attended
    # A4 with the East Asian font set and page numbers in the footer.
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "仿宋"
    assert "PAGE" in section.footer._element.xml


def test_a_draft_word_document_says_it_is_a_draft(client, drafted, clerk):
    client.force_login(clerk)

    response = client.get(reverse("meetings:minutes_docx", kwargs={"pk": drafted.pk}))

    _document, text = _docx_text(response)
    assert "Draft: not an issued document." in text
    assert "Draft (Draft)" not in text
    assert "working days after issue" in text


def test_the_word_document_in_chinese_numbers_the_decisions_the_chinese_way(
    client, issued, liaison
):
    client.force_login(liaison)

    response = client.get(
        reverse("meetings:minutes_docx", kwargs={"pk": issued.pk}),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    _document, text = _docx_text(response)
    first = issued.decisions.get(order=1)
    assert f"一、{first.text}" in text


def test_the_minutes_page_prints(client, issued, clerk):
    client.force_login(clerk)

    content = client.get(issued.get_absolute_url()).content.decode()

    # The print layout and the print button come from static files (no inline style or script).
    assert "css/minutes.css" in content
    stylesheet = Path(finders.find("css/minutes.css")).read_text(encoding="utf-8")
    assert "@media print" in stylesheet
    assert 'data-action="print"' in content
    assert 'data-testid="minutes-document"' in content
    # The workflow (actions, consent, versions) is left off the paper.
    assert 'class="col-xl-4 d-print-none"' in content
