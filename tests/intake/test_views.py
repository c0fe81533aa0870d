"""The intake pages driven through the client as each role would: who sees what (others
get 404), the list with its filters and a query count that does not grow, receiving with
the duplicate check before saving, refusing, referring, the units' steps, re-routing,
answering, 一事一议, and the receipt and refusal notice as pages and Word files.

A refused step shows a message on the page and leaves the database as it was. Fixtures:
``tests/intake/conftest.py`` (a programme led by ``unit``, ``other_unit`` responsible)."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from docx import Document

from assistance.idnumbers import mask_id_number
from intake import services
from intake.models import Application, ApplicationEvent, Referral
from tests.factories import MemberUnitFactory
from tests.intake.conftest import ID_NUMBER, OTHER_ID_NUMBER, receive, refer
from tests.meetings.factories import meeting_schedule

pytestmark = pytest.mark.django_db


def get(client, user, name, **kwargs):
    client.force_login(user)
    return client.get(reverse(name, kwargs=kwargs or None))


def post(client, user, name, data=None, **kwargs):
    client.force_login(user)
    return client.post(reverse(name, kwargs=kwargs or None), data or {})


def form_data(group, program=None, **overrides):
    data = {
        "office": group.pk,
        "channel": "window",
        "applicant_name": "李四",
        "applicant_id_number": OTHER_ID_NUMBER,
        "hardship": "家中失火，房屋受损。",
        "requested": "临时救助",
        "programs": [program.pk] if program else [],
    }
    data.update(overrides)
    return data


# --- Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("clerk", 200), ("director", 200), ("auditor", 200), ("liaison", 404), ("outsider", 404)],
)
def test_application_list_by_role(client, request, application, persona, status):
    response = get(client, request.getfixturevalue(persona), "intake:application_list")
    assert response.status_code == status
    if status == 200:
        assert application.number in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("clerk", 200),
        ("auditor", 200),
        ("liaison", 200),
        ("other_liaison", 200),
        ("convener", 404),
        ("outsider", 404),
    ],
)
def test_application_page_by_role(client, request, referred, persona, status):
    application, _, _ = referred
    response = get(
        client, request.getfixturevalue(persona), "intake:application_detail", pk=application.pk
    )
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert mask_id_number(ID_NUMBER) in body and ID_NUMBER not in body


def test_a_liaison_of_a_unit_not_referred_gets_404(client, application, liaison):
    assert get(client, liaison, "intake:application_detail", pk=application.pk).status_code == 404


def test_inbox_shows_the_units_referrals_only(client, clerk, group, program, unit, liaison):
    ours = receive(clerk, group, [program])
    refer(clerk, ours, unit)
    theirs = receive(clerk, group, [program], applicant_id_number=OTHER_ID_NUMBER)
    response = get(client, liaison, "intake:inbox")
    body = response.content.decode()
    assert response.status_code == 200
    assert ours.number in body and theirs.number not in body
    assert get(client, clerk, "intake:inbox").status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [("liaison", 200), ("other_liaison", 200), ("clerk", 200), ("auditor", 200), ("convener", 404)],
)
def test_referral_page_by_role(client, request, referred, persona, status):
    _, lead, _ = referred
    user = request.getfixturevalue(persona)
    response = get(client, user, "intake:referral_detail", pk=lead.pk)
    # The other unit's liaison sees only its own referral: the lead's is not theirs.
    expected = 404 if persona == "other_liaison" else status
    assert response.status_code == expected


# --- The list -----------------------------------------------------------------------------------


def test_list_filters(client, clerk, group, program, unit):
    urgent = receive(clerk, group, [program], urgent=True)
    plain = receive(clerk, group, [program], applicant_id_number=OTHER_ID_NUMBER)
    (referral,) = refer(clerk, plain, unit)
    Referral.objects.filter(pk=referral.pk).update(overdue=True)
    url = reverse("intake:application_list")
    client.force_login(clerk)
    body = client.get(url, {"urgent": "on"}).content.decode()
    assert urgent.number in body and plain.number not in body
    body = client.get(url, {"overdue": "on"}).content.decode()
    assert plain.number in body and urgent.number not in body
    assert 'data-testid="overdue"' in body
    body = client.get(url, {"status": "referred"}).content.decode()
    assert plain.number in body and urgent.number not in body


def _applications(clerk, group, count):
    Application.objects.bulk_create(
        Application(
            number=f"SQ2099{n:06d}",
            office=group,
            channel="window",
            received_by=clerk,
            applicant_name=f"申请人{n}",
            hardship="困难",
        )
        for n in range(count)
    )


def _list_queries(client, clerk):
    client.force_login(clerk)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("intake:application_list"))
    assert response.status_code == 200
    return len(queries)


def test_list_queries_do_not_grow(client, clerk, group):
    _applications(clerk, group, 5)
    few = _list_queries(client, clerk)
    Application.objects.all().delete()
    _applications(clerk, group, 500)
    assert _list_queries(client, clerk) == few


# --- Receiving --------------------------------------------------------------------------------


def test_check_step_shows_duplicates_and_saves_nothing(client, clerk, group, program):
    existing = receive(clerk, group, [program])
    data = form_data(group, program, applicant_id_number=ID_NUMBER, step="check")
    response = post(client, clerk, "intake:application_create", data)
    assert response.status_code == 200
    assert response.context["duplicates"].applications == [existing]
    assert 'data-testid="save"' in response.content.decode()
    assert Application.objects.count() == 1


def test_save_step_receives(client, clerk, group, program):
    checked = post(client, clerk, "intake:application_create", form_data(group, program))
    data = form_data(group, program, step="save", check_token=checked.context["check_token"])
    response = post(client, clerk, "intake:application_create", data)
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:application_detail", args=[application.pk])
    assert application.status == Application.Status.RECEIVED
    assert list(application.programs.all()) == [program]


def test_bad_input_shows_errors_and_saves_nothing(client, clerk, group):
    data = form_data(group, applicant_id_number="", step="save")
    response = post(client, clerk, "intake:application_create", data)
    assert response.status_code == 400
    assert response.context["form"].errors["applicant_id_number"]
    assert not Application.objects.exists()


def test_refusal_needs_a_reason(client, clerk, group):
    response = post(client, clerk, "intake:application_create", form_data(group, step="refuse"))
    assert response.status_code == 400 and not Application.objects.exists()
    data = form_data(group, step="refuse", refusal_reason="不属于救助范围。")
    assert post(client, clerk, "intake:application_create", data).status_code == 302
    refused = Application.objects.get()
    assert refused.status == Application.Status.REFUSED
    assert refused.refusal_reason == "不属于救助范围。"


def test_only_the_office_receives(client, liaison, auditor):
    assert get(client, liaison, "intake:application_create").status_code == 404
    assert get(client, auditor, "intake:application_create").status_code == 404


# --- Sharing, the units' steps, re-routing, answering ------------------------------------------


def test_share_preselects_the_programmes_units(client, clerk, application, unit, other_unit):
    response = get(client, clerk, "intake:share", pk=application.pk)
    form = response.context["form"]
    assert form["lead"].value() == unit.pk
    assert form["assisting"].value() == [other_unit.pk]


def test_share_refers(client, clerk, application, unit, other_unit):
    data = {"lead": unit.pk, "assisting": [other_unit.pk], "ask": "decision", "note": ""}
    assert post(client, clerk, "intake:share", data, pk=application.pk).status_code == 302
    roles = dict(application.referrals.values_list("unit_id", "role"))
    assert roles == {unit.pk: "lead", other_unit.pk: "assist"}


def test_share_refuses_a_lead_that_also_assists(client, clerk, application, unit):
    data = {"lead": unit.pk, "assisting": [unit.pk], "ask": "decision"}
    response = post(client, clerk, "intake:share", data, pk=application.pk)
    assert response.status_code == 200 and response.context["form"].errors
    assert not application.referrals.exists()


def test_share_is_the_offices(client, liaison, referred):
    application, _, _ = referred
    assert get(client, liaison, "intake:share", pk=application.pk).status_code == 404


def test_the_unit_signs_reports_and_closes(client, referred, liaison):
    application, lead, _ = referred
    assert post(client, liaison, "intake:referral_sign", pk=lead.pk).status_code == 302
    lead.refresh_from_db()
    assert lead.status == Referral.Status.IN_PROGRESS
    data = {"text": "已入户走访。"}
    assert post(client, liaison, "intake:referral_progress", data, pk=lead.pk).status_code == 302
    data = {"outcome": "granted", "amount": "3000.00"}
    assert post(client, liaison, "intake:referral_close", data, pk=lead.pk).status_code == 302
    lead.refresh_from_db()
    assert lead.status == Referral.Status.CLOSED and lead.amount == Decimal("3000.00")
    kinds = set(application.events.values_list("kind", flat=True))
    assert {"signed", "progress", "closed"} <= kinds


def test_a_refused_close_shows_the_message_and_changes_nothing(client, referred, liaison):
    _, lead, _ = referred
    services.referral_sign(actor=liaison, referral=lead)
    response = post(client, liaison, "intake:referral_close", {"outcome": "refused"}, pk=lead.pk)
    assert response.status_code == 400
    assert response.context["close_form"].non_field_errors()
    lead.refresh_from_db()
    assert lead.status == Referral.Status.IN_PROGRESS


def test_only_the_unit_works_on_its_referral(client, referred, other_liaison, clerk):
    _, lead, _ = referred
    assert post(client, other_liaison, "intake:referral_sign", pk=lead.pk).status_code == 404
    assert post(client, clerk, "intake:referral_sign", pk=lead.pk).status_code == 404
    lead.refresh_from_db()
    assert lead.status == Referral.Status.PENDING


def test_return_needs_a_reason_then_the_office_reroutes(client, referred, liaison, clerk, group):
    application, lead, _ = referred
    assert post(client, liaison, "intake:referral_return", pk=lead.pk).status_code == 400
    lead.refresh_from_db()
    assert lead.status == Referral.Status.PENDING
    data = {"reason": "不属于本单位职责。"}
    assert post(client, liaison, "intake:referral_return", data, pk=lead.pk).status_code == 302
    lead.refresh_from_db()
    assert lead.status == Referral.Status.RETURNED
    third = MemberUnitFactory(group=group, name="区住房城乡建设委", code="test-housing")
    data = {"unit": third.pk}
    assert post(client, clerk, "intake:referral_reroute", data, pk=lead.pk).status_code == 302
    assert application.referrals.filter(unit=third, status="pending").exists()


def test_help_first_on_an_urgent_case(client, clerk, group, program, unit, liaison):
    application = receive(clerk, group, [program], urgent=True)
    (lead,) = refer(clerk, application, unit)
    services.referral_sign(actor=liaison, referral=lead)
    page = get(client, liaison, "intake:referral_detail", pk=lead.pk)
    assert page.context["help_first_form"] is not None
    data = {"note": "已发放临时救助金500元。"}
    assert post(client, liaison, "intake:referral_help_first", data, pk=lead.pk).status_code == 302
    lead.refresh_from_db()
    assert lead.help_first and lead.help_first_note == "已发放临时救助金500元。"


def test_answer_once_every_referral_is_closed(client, clerk, application, unit, liaison):
    (lead,) = refer(clerk, application, unit)
    data = {"text": "经审核，给予临时救助3000元。"}
    response = post(client, clerk, "intake:answer", data, pk=application.pk)
    assert response.status_code == 400
    assert response.context["answer_form"].non_field_errors()
    services.referral_sign(actor=liaison, referral=lead)
    services.referral_close(
        actor=liaison,
        referral=lead,
        result=services.Outcome(Referral.Outcome.GRANTED, amount=Decimal("3000")),
    )
    assert post(client, clerk, "intake:answer", data, pk=application.pk).status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.ANSWERED


def test_to_agenda(client, clerk, convener, group, referred, unit, other_unit):
    application, _, _ = referred
    meeting = meeting_schedule(
        clerk=clerk, group=group, convener=convener, invited_units=[unit, other_unit]
    )
    data = {"meeting": meeting.pk}
    assert post(client, clerk, "intake:to_agenda", data, pk=application.pk).status_code == 302
    application.refresh_from_db()
    assert application.agenda_item.meeting == meeting
    assert application.events.filter(kind=ApplicationEvent.Kind.ON_AGENDA).exists()


# --- The receipt and the refusal notice ---------------------------------------------------------


def _docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


@pytest.mark.parametrize(
    ("language", "title"), [("zh-hans", "受理回执"), ("en", "Receipt of an application")]
)
def test_receipt_in_both_languages(client, clerk, application, language, title):
    client.force_login(clerk)
    client.cookies["django_language"] = language
    page = client.get(reverse("intake:receipt", args=[application.pk]))
    assert page.status_code == 200 and title in page.content.decode()
    assert ID_NUMBER not in page.content.decode()
    docx = client.get(reverse("intake:receipt_docx", args=[application.pk]))
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats")
    text = _docx_text(docx.content)
    assert title in text and application.number in text
    assert get(client, clerk, "intake:refusal_notice", pk=application.pk).status_code == 404


def test_refusal_notice(client, clerk, group):
    with override("zh-hans"):
        refused = services.application_refuse(
            actor=clerk,
            data=services.ApplicationData(
                office=group,
                channel="phone",
                applicant_name="王五",
                hardship="收入下降。",
                applicant_id_number=ID_NUMBER,
            ),
            reason="不属于救助范围。",
        )
    client.force_login(clerk)
    page = client.get(reverse("intake:refusal_notice", args=[refused.pk]))
    assert page.status_code == 200 and "不属于救助范围。" in page.content.decode()
    docx = client.get(reverse("intake:refusal_docx", args=[refused.pk]))
    assert "不属于救助范围。" in _docx_text(docx.content)
    assert client.get(reverse("intake:receipt", args=[refused.pk])).status_code == 404
    assert timezone.now() >= refused.received_at


def _inbox_queries(client, liaison):
    client.force_login(liaison)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("intake:inbox"))
    assert response.status_code == 200
    return len(queries), response.context["page"].paginator.count


def test_inbox_queries_do_not_grow(client, clerk, group, program, unit, liaison):
    for _ in range(3):
        refer(clerk, receive(clerk, group, [program]), unit)
    few, shown = _inbox_queries(client, liaison)
    assert shown == 3
    for _ in range(27):
        refer(clerk, receive(clerk, group, [program]), unit)
    many, shown = _inbox_queries(client, liaison)
    assert shown == 30 and many == few
