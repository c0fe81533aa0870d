"""The meeting and agenda pages, driven through the client as each role would: who may see
what (anonymous users sign in; outsiders and liaisons of units not invited get 404), the
yearly plan and single meetings, agenda items proposed, submitted, reviewed and approved,
attendance, attachments judged by their content, the calendar file and the agenda as a
Word notice, and a meeting list whose query count does not grow with the meetings.

A refused step shows the service's message on the page and leaves the database as it was.
The fixtures are described in ``tests/meetings/conftest.py``."""

import datetime
import io

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document
from icalendar import Calendar

from assistance.models import Notification
from assistance.roles import Role
from meetings import services
from meetings.models import AgendaItem, Attachment, Attendance, Meeting
from tests.factories import MemberUnitFactory, UserFactory
from tests.meetings import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
EXE = b"MZ\x90\x00" + b"\x00" * 60

# Queries of the meeting list, whatever the number of meetings (measured: see the test).
MEETING_LIST_QUERIES = 12


def _docx_bytes() -> bytes:
    document = Document()
    document.add_paragraph("附件：测算表")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def _zip_bytes() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not an office document")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _english(client):
    # Assertions read the English source strings, whatever the catalogue says.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _stored_files(settings):
    folder = settings.MEDIA_ROOT / "meetings"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _text(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


def _item_data(**extra):
    data = {
        "title": "车辆信息核对口径",
        "background": "部分家庭名下车辆信息与实际不符。",
        "proposal": "建议统一核对口径。",
        "decision_requested": "请会议明确车辆信息认定标准。",
    }
    data.update(extra)
    return data


def _attach(item, name="说明.pdf", content=PDF, user=None):
    attachment = Attachment(agenda_item=item, name=name, uploaded_by=user or item.submitted_by)
    attachment.file.save(name.replace("说明", "note"), ContentFile(content), save=False)
    attachment.save()
    return attachment


# --- Who may see what -----------------------------------------------------------------------
# Every URL for every role on an approved meeting: tests/meetings/test_agenda_access.py.


@pytest.fixture
def world(approved_meeting, unit, host_unit):
    """An approved meeting (so every file exists) with an attachment on each unit's item."""
    own = approved_meeting.agenda_items.get(unit=unit)
    other = approved_meeting.agenda_items.get(unit=host_unit)
    return {
        "meeting": approved_meeting,
        "item": own,
        "attachment": _attach(own),
        "other_attachment": _attach(other, name="测算表.pdf"),
    }


def test_liaison_may_download_the_other_units_attachment_once_on_the_approved_agenda(
    client, liaison, world
):
    client.force_login(liaison)
    url = reverse("meetings:attachment_download", args=[world["other_attachment"].pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert (
        "测算表.pdf" in response["Content-Disposition"]
        or "filename*" in (response["Content-Disposition"])
    )


def test_attachment_downloads_are_private_and_logged(client, liaison, auditor, world):
    from assistance.models import AccessLog

    attachment = world["attachment"]
    url = reverse("meetings:attachment_download", args=[attachment.pk])
    client.force_login(auditor)
    assert client.get(url).status_code == 404
    assert not AccessLog.objects.exists()
    client.force_login(liaison)
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"
    log = AccessLog.objects.get()
    assert (log.user, log.subject, log.path) == (liaison, attachment, url)
    assert log.action == AccessLog.Action.DOWNLOAD


def test_liaison_gets_404_on_another_units_items_not_on_the_agenda(client, liaison, items, unit):
    client.force_login(liaison)
    for key in ("accepted", "rejected"):
        item = items[key]
        attachment = _attach(item)
        assert client.get(item.get_absolute_url()).status_code == 404
        assert client.get(reverse("meetings:item_edit", args=[item.pk])).status_code == 404
        url = reverse("meetings:attachment_download", args=[attachment.pk])
        assert client.get(url).status_code == 404
    # Their own draft, returned and submitted items they see.
    for key in ("draft", "submitted", "returned"):
        assert client.get(items[key].get_absolute_url()).status_code == 200


def test_other_liaison_gets_404_on_a_draft_item(client, other_liaison, items):
    client.force_login(other_liaison)
    assert client.get(items["draft"].get_absolute_url()).status_code == 404


def test_missing_attachment_file_is_404(client, clerk, world):
    attachment = world["attachment"]
    attachment.file.storage.delete(attachment.file.name)
    client.force_login(clerk)
    url = reverse("meetings:attachment_download", args=[attachment.pk])
    assert client.get(url).status_code == 404


# --- The list -------------------------------------------------------------------------------


def test_list_shows_upcoming_meetings_first_then_past_ones(client, clerk, make_meeting):
    now = timezone.now()
    past = make_meeting(title="上月例会", starts_at=now - datetime.timedelta(days=30))
    older = make_meeting(title="去年例会", starts_at=now - datetime.timedelta(days=300))
    later = make_meeting(title="下月例会", starts_at=now + datetime.timedelta(days=30))
    soon = make_meeting(title="本周例会", starts_at=now + datetime.timedelta(days=2))
    client.force_login(clerk)
    response = client.get(reverse("meetings:meeting_list"))
    assert list(response.context["page"]) == [soon, later, past, older]
    content = response.content.decode()
    assert 'data-testid="meeting-table"' in content
    assert content.count(">upcoming</span>") == 2


def test_list_filters_by_group_year_kind_and_status(client, clerk, make_meeting, group):
    other_group_unit = MemberUnitFactory()
    other = make_meeting(
        group=other_group_unit.group, invited_units=[other_group_unit], title="他区会议"
    )
    case = make_meeting(kind=Meeting.Kind.CASE, title="个案会商")
    regular = make_meeting(title="例会")
    services.meeting_cancel(actor=clerk, meeting=regular)
    next_year = make_meeting(
        title="明年例会", starts_at=timezone.now() + datetime.timedelta(days=400)
    )
    client.force_login(clerk)
    url = reverse("meetings:meeting_list")

    def listed(**filters):
        return set(client.get(url, filters).context["page"])

    assert listed() == {other, case, regular, next_year}
    assert listed(group=other.group.pk) == {other}
    assert listed(kind="case") == {case}
    assert listed(status="cancelled") == {regular}
    assert listed(year=next_year.starts_at.year, group=group.pk) == {next_year}


def test_liaison_lists_only_meetings_their_unit_is_invited_to(
    client, liaison, make_meeting, host_unit
):
    mine = make_meeting(title="邀请了我单位的会议")
    make_meeting(title="没有邀请我单位的会议", invited_units=[host_unit])
    client.force_login(liaison)
    response = client.get(reverse("meetings:meeting_list"))
    assert list(response.context["page"]) == [mine]
    content = response.content.decode()
    assert "没有邀请我单位的会议" not in content
    # A liaison has no group filter and no office buttons.
    assert 'name="group"' not in content
    assert reverse("meetings:plan_generate") not in content


def test_list_filter_answers_htmx_with_the_table_only(client, clerk, meeting):
    client.force_login(clerk)
    response = client.get(
        reverse("meetings:meeting_list"),
        {"fragment": "table", "kind": "regular"},
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    assert content.startswith('<div id="meeting-table">')
    assert "<html" not in content
    assert meeting.title in content


def _seed_meetings(count, *, group, units, clerk):
    """``count`` meetings, half past and half upcoming, each with two items (one awaiting
    review) and two invited units."""
    now = timezone.now()
    meetings = Meeting.objects.bulk_create(
        Meeting(
            group=group,
            kind=Meeting.Kind.REGULAR,
            title=f"例会{i}",
            starts_at=now + datetime.timedelta(days=i - count // 2),
        )
        for i in range(count)
    )
    Through = Meeting.invited_units.through
    Through.objects.bulk_create(
        Through(meeting=m, memberunit=unit) for m in meetings for unit in units
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=m,
            unit=units[n],
            submitted_by=clerk,
            title="议题",
            background="背景",
            proposal="建议",
            decision_requested="请求",
            status=AgendaItem.Status.SUBMITTED if n else AgendaItem.Status.DRAFT,
        )
        for m in meetings
        for n in range(2)
    )


@pytest.mark.parametrize("persona", ["clerk", "liaison"])
def test_meeting_list_query_count_does_not_grow(
    client, request, persona, group, unit, host_unit, clerk, django_assert_max_num_queries
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    url = reverse("meetings:meeting_list")
    _seed_meetings(5, group=group, units=[host_unit, unit], clerk=clerk)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    assert len(response.context["page"]) == 5
    assert len(small) <= MEETING_LIST_QUERIES
    _seed_meetings(100, group=group, units=[host_unit, unit], clerk=clerk)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert len(response.context["page"]) == 50
    assert response.context["page"].paginator.count == 105
    row = response.context["page"].object_list[0]
    if persona == "clerk":
        assert (row.item_count, row.awaiting_review, row.invited_count) == (2, 1, 2)
    else:
        assert row.item_count == 1  # their own unit's item only
    with django_assert_max_num_queries(len(small)):
        client.get(url, {"page": "3", "year": timezone.localdate().year})


@pytest.mark.parametrize("persona", ["director", "liaison"])
def test_meeting_page_query_count_does_not_grow_with_items(
    client,
    request,
    persona,
    meeting,
    make_item,
    unit,
    host_unit,
    clerk,
    django_assert_max_num_queries,
):
    client.force_login(request.getfixturevalue(persona))
    for status in ("draft", "submitted", "returned"):
        _attach(make_item(meeting, unit, status=status))
    with CaptureQueriesContext(connection) as small:
        client.get(meeting.get_absolute_url())
    for _ in range(4):
        for status in ("draft", "submitted", "returned", "accepted"):
            _attach(make_item(meeting, unit, status=status))
            make_item(meeting, host_unit, status=status, actor=clerk)
    with django_assert_max_num_queries(len(small)):
        response = client.get(meeting.get_absolute_url())
    shown = response.context["items"]
    assert len(shown) == (35 if persona == "director" else 19)
    assert all(item.attachment_count == 1 for item in shown if item.unit == unit)


# --- Plan and single meetings -----------------------------------------------------------------


def test_clerk_generates_a_years_plan(client, clerk, convener, group, host_unit, unit):
    client.force_login(clerk)
    url = reverse("meetings:plan_generate")
    assert client.get(url).status_code == 200
    data = {"group": group.pk, "year": 2027, "place": "区政府第一会议室", "convener": convener.pk}
    response = client.post(url, data)
    assert response.status_code == 302
    assert "year=2027" in response["Location"]
    meetings = Meeting.objects.filter(group=group, starts_at__year=2027)
    # A kick-off, four regular meetings and a year-end review, all inviting both units.
    assert meetings.count() == 6
    assert {m.convener for m in meetings} == {convener}
    assert set(meetings.first().invited_units.all()) == {host_unit, unit}
    assert "6 meetings planned for 2027." in _messages(response)


def test_a_second_plan_is_refused_with_the_services_message(client, clerk, group, host_unit):
    client.force_login(clerk)
    url = reverse("meetings:plan_generate")
    client.post(url, {"group": group.pk, "year": 2027})
    response = client.post(url, {"group": group.pk, "year": 2027})
    assert response.status_code == 200
    assert "2027 already has a plan: edit its meetings." in _text(response)
    assert Meeting.objects.count() == 6


def test_the_convener_cannot_generate_a_plan(client, convener, group, host_unit):
    client.force_login(convener)
    response = client.post(reverse("meetings:plan_generate"), {"group": group.pk, "year": 2027})
    assert response.status_code == 200
    assert "Your role does not allow you to plan meetings." in _text(response)
    assert not Meeting.objects.exists()


def test_new_meeting_invites_every_active_member_unit_by_default(
    client, clerk, group, host_unit, unit, other_unit
):
    not_member = MemberUnitFactory(group=group, name="人民银行", is_member=False)
    inactive = MemberUnitFactory(group=group, name="已撤并单位", active=False)
    client.force_login(clerk)
    form = client.get(reverse("meetings:meeting_create")).context["form"]
    assert set(form.initial["invited_units"]) == {host_unit.pk, unit.pk, other_unit.pk}
    choices = {pk.value for pk, _label in form.fields["invited_units"].choices}
    assert not_member.pk in choices  # may be invited, not ticked
    assert inactive.pk not in choices


def test_clerk_schedules_a_case_consultation(client, clerk, convener, group, host_unit, unit):
    client.force_login(clerk)
    response = client.post(
        reverse("meetings:meeting_create"),
        {
            "group": group.pk,
            "kind": "case",
            "title": "王某家庭个案会商",
            "starts_at": "2026-09-08T14:30",
            "place": "区民政局三楼会议室",
            "convener": convener.pk,
            "invited_units": [host_unit.pk, unit.pk],
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url()
    assert meeting.kind == Meeting.Kind.CASE
    assert timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-09-08 14:30"
    assert set(meeting.invited_units.all()) == {host_unit, unit}
    assert meeting.history.first().history_user == clerk


def test_convener_choices_are_users_with_the_convener_role(client, clerk, convener, group):
    client.force_login(clerk)
    form = client.get(reverse("meetings:meeting_create")).context["form"]
    assert list(form.fields["convener"].queryset) == [convener]


def test_schedule_form_answers_htmx_with_the_groups_units(client, clerk, group, host_unit):
    other = MemberUnitFactory(name="他区民政局")
    client.force_login(clerk)
    response = client.get(
        reverse("meetings:meeting_create"),
        {"group": other.group.pk, "fragment": "units"},
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    assert content.startswith('<fieldset id="invited-units"')
    assert "他区民政局" in content and ">区民政局</label>" not in content
    assert f'name="group" value="{other.group.pk}"' in content


def test_the_convener_cannot_schedule_a_meeting(client, convener, group, host_unit):
    client.force_login(convener)
    response = client.post(
        reverse("meetings:meeting_create"),
        {"group": group.pk, "kind": "regular", "title": "例会", "starts_at": "2026-09-08T09:30"},
    )
    assert "Your role does not allow you to schedule meetings." in _text(response)
    assert not Meeting.objects.exists()


def test_clerk_edits_a_meeting(client, clerk, meeting, host_unit, unit, other_unit):
    client.force_login(clerk)
    url = reverse("meetings:meeting_edit", args=[meeting.pk])
    form = client.get(url).context["form"]
    assert set(form.initial["invited_units"]) == {host_unit.pk, unit.pk}
    response = client.post(
        url,
        {
            "title": meeting.title,
            "starts_at": "2026-10-12T15:00",
            "place": "区政府第二会议室",
            "convener": "",
            "invited_units": [host_unit.pk, unit.pk, other_unit.pk],
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.place == "区政府第二会议室"
    assert meeting.convener is None
    assert set(meeting.invited_units.all()) == {host_unit, unit, other_unit}


def test_a_held_meeting_cannot_be_edited(client, clerk, held_meeting, host_unit):
    client.force_login(clerk)
    before = (held_meeting.place, held_meeting.starts_at)
    response = client.post(
        reverse("meetings:meeting_edit", args=[held_meeting.pk]),
        {
            "title": "改名",
            "starts_at": "2026-10-12T15:00",
            "place": "别处",
            "invited_units": [host_unit.pk],
        },
    )
    assert response.status_code == 200
    assert "A meeting that was held or cancelled cannot be edited." in _text(response)
    held_meeting.refresh_from_db()
    assert (held_meeting.place, held_meeting.starts_at) == before
    assert held_meeting.invited_units.count() == 2


def test_clerk_cancels_a_meeting_once(client, clerk, meeting):
    client.force_login(clerk)
    url = reverse("meetings:meeting_cancel", args=[meeting.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    versions = meeting.history.count()
    response = client.post(url)
    assert response.status_code == 200
    assert "cannot be changed that way" in _text(response)
    assert meeting.history.count() == versions


def test_the_convener_cannot_cancel(client, convener, meeting):
    client.force_login(convener)
    response = client.post(reverse("meetings:meeting_cancel", args=[meeting.pk]))
    assert "Your role does not allow you to cancel meetings." in _text(response)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED


# --- The meeting page -------------------------------------------------------------------------


def test_meeting_page_shows_the_facts(client, clerk, meeting, convener):
    client.force_login(clerk)
    content = client.get(meeting.get_absolute_url()).content.decode()
    assert meeting.place in content
    assert convener.get_full_name() in content
    assert "区民政局、区公安分局" in content
    assert timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d") in content
    assert 'data-testid="meeting-status"' in content


def test_staff_see_every_item_and_only_the_director_gets_review_forms(
    client, clerk, director, convener, items
):
    for user in (clerk, director, convener):
        client.force_login(user)
        content = client.get(items["draft"].meeting.get_absolute_url()).content.decode()
        for item in items.values():
            assert item.title in content
        review_form = f'data-testid="review-form-{items["submitted"].pk}"'
        assert (review_form in content) == (user == director)
        assert ('data-testid="approve-form"' in content) == (user == convener)
        assert ("Propose an agenda item" in content) == (user != convener)


def test_liaison_sees_their_units_items_with_comments_not_other_units(client, liaison, items):
    client.force_login(liaison)
    content = client.get(items["draft"].meeting.get_absolute_url()).content.decode()
    for key in ("draft", "submitted", "returned"):
        assert items[key].title in content
    assert "请补充数据来源。" in content  # the director's comments on the returned item
    for key in ("accepted", "rejected"):
        assert items[key].title not in content
    assert "Propose an agenda item" in content
    assert reverse("meetings:item_edit", args=[items["draft"].pk]) in content
    assert reverse("meetings:item_edit", args=[items["submitted"].pk]) not in content


def test_liaison_sees_the_approved_agenda_once_published(client, liaison, approved_meeting):
    client.force_login(liaison)
    content = client.get(approved_meeting.get_absolute_url()).content.decode()
    assert 'data-testid="approved-agenda"' in content
    assert "年度救助资金安排" in content  # the other unit's item, on the agenda
    assert "Propose an agenda item" not in content
    assert reverse("meetings:agenda_docx", args=[approved_meeting.pk]) in content
    assert reverse("meetings:meeting_ics", args=[approved_meeting.pk]) in content


def test_files_of_the_agenda_are_linked_once_approved(client, clerk, meeting):
    client.force_login(clerk)
    content = client.get(meeting.get_absolute_url()).content.decode()
    assert reverse("meetings:agenda_docx", args=[meeting.pk]) not in content
    assert client.get(reverse("meetings:agenda_docx", args=[meeting.pk])).status_code == 404


def test_minutes_links_follow_who_may_see_the_minutes(
    client, clerk, director, liaison, held_meeting
):
    client.force_login(clerk)
    content = client.get(held_meeting.get_absolute_url()).content.decode()
    assert reverse("meetings:minutes_draft", args=[held_meeting.pk]) in content
    minutes = services.minutes_draft(
        actor=clerk, meeting=held_meeting, text="会议纪要正文", decisions=[]
    )
    content = client.get(held_meeting.get_absolute_url()).content.decode()
    assert reverse("meetings:minutes_detail", args=[minutes.pk]) in content
    assert reverse("meetings:minutes_draft", args=[held_meeting.pk]) not in content
    # A liaison sees no link to minutes still in draft, and one once circulated to them.
    client.force_login(liaison)
    content = client.get(held_meeting.get_absolute_url()).content.decode()
    assert reverse("meetings:minutes_detail", args=[minutes.pk]) not in content
    services.minutes_submit_for_review(actor=clerk, minutes=minutes)
    services.minutes_review(actor=director, minutes=minutes, approve=True)
    content = client.get(held_meeting.get_absolute_url()).content.decode()
    assert reverse("meetings:minutes_detail", args=[minutes.pk]) in content


# --- Agenda items -----------------------------------------------------------------------------


def test_liaison_proposes_an_item_with_attachments(client, liaison, unit, meeting, settings):
    client.force_login(liaison)
    url = reverse("meetings:item_create", args=[meeting.pk])
    form = client.get(url).context["form"]
    assert "unit" not in form.fields and "household" not in form.fields
    response = client.post(
        url,
        _item_data(
            attachments=[_upload("情况说明.pdf", PDF), _upload("测算.xlsx", _xlsx_bytes())],
        ),
    )
    item = AgendaItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == item.get_absolute_url()
    assert (item.unit, item.submitted_by, item.status) == (unit, liaison, AgendaItem.Status.DRAFT)
    assert sorted(a.name for a in item.attachments.all()) == ["情况说明.pdf", "测算.xlsx"]
    assert len(_stored_files(settings)) == 2
    # The stored names keep nothing of the uploaded names.
    assert all("情况" not in a.file.name for a in item.attachments.all())
    content = client.get(item.get_absolute_url()).content.decode()
    for attachment in item.attachments.all():
        assert reverse("meetings:attachment_download", args=[attachment.pk]) in content


def test_a_liaison_cannot_propose_for_another_unit(client, liaison, unit, meeting, host_unit):
    client.force_login(liaison)
    client.post(reverse("meetings:item_create", args=[meeting.pk]), _item_data(unit=host_unit.pk))
    assert AgendaItem.objects.get().unit == unit


def test_office_proposes_for_any_invited_unit(client, clerk, meeting, host_unit, other_unit):
    client.force_login(clerk)
    url = reverse("meetings:item_create", args=[meeting.pk])
    form = client.get(url).context["form"]
    assert set(form.fields["unit"].queryset) == set(meeting.invited_units.all())
    # A unit not invited is not a choice.
    response = client.post(url, _item_data(unit=other_unit.pk))
    assert response.status_code == 200
    assert not AgendaItem.objects.exists()
    client.post(url, _item_data(unit=host_unit.pk))
    assert AgendaItem.objects.get().unit == host_unit


def test_office_names_the_household_of_a_case_consultation_masked(
    client, clerk, case_meeting, case_household, host_unit
):
    applicant = case_household.members.get(relation="applicant")
    client.force_login(clerk)
    url = reverse("meetings:item_create", args=[case_meeting.pk])
    content = client.get(url).content.decode()
    assert f"大峪街道 · {applicant.masked_id}" in content
    for member in case_household.members.all():
        assert member.id_number not in content
        assert member.name not in content
    client.post(url, _item_data(unit=host_unit.pk, household=case_household.pk))
    item = AgendaItem.objects.get()
    assert item.household == case_household
    content = client.get(item.get_absolute_url()).content.decode()
    assert f"大峪街道 · {applicant.masked_id}" in content
    assert applicant.id_number not in content


def test_only_households_of_the_meetings_group_are_offered(
    client, clerk, case_meeting, case_household, host_unit
):
    from tests.verification.factories import register_family

    elsewhere = register_family(actor=clerk, office=MemberUnitFactory().group, town="别的镇")
    client.force_login(clerk)
    url = reverse("meetings:item_create", args=[case_meeting.pk])
    form = client.get(url).context["form"]
    assert list(form.fields["household"].queryset) == [case_household]
    response = client.post(url, _item_data(unit=host_unit.pk, household=elsewhere.pk))
    assert response.status_code == 200
    assert not AgendaItem.objects.exists()


def test_a_liaison_cannot_pick_households_and_keeps_the_offices_choice(
    client, clerk, liaison, unit, case_meeting, case_household
):
    item = services.agenda_item_create(
        actor=clerk,
        meeting=case_meeting,
        unit=unit,
        data=services.ItemData("个案", "背景", "建议", "请求", household_id=case_household.pk),
    )
    client.force_login(liaison)
    url = reverse("meetings:item_edit", args=[item.pk])
    content = client.get(url).content.decode()
    assert 'name="household"' not in content
    # The liaison sees the household the item is about, masked, on the item's page.
    applicant = case_household.members.get(relation="applicant")
    assert applicant.masked_id in client.get(item.get_absolute_url()).content.decode()
    # A household posted anyway is ignored: the office's choice stays.
    client.post(url, _item_data(household=""))
    item.refresh_from_db()
    assert item.title == "车辆信息核对口径"
    assert item.household == case_household


def test_no_household_field_outside_case_consultations(client, clerk, meeting):
    client.force_login(clerk)
    form = client.get(reverse("meetings:item_create", args=[meeting.pk])).context["form"]
    assert "household" not in form.fields


def test_no_item_once_the_agenda_is_approved(client, liaison, approved_meeting, settings):
    client.force_login(liaison)
    url = reverse("meetings:item_create", args=[approved_meeting.pk])
    assert 'data-testid="closed"' in client.get(url).content.decode()
    before = AgendaItem.objects.count()
    response = client.post(url, _item_data(attachments=[_upload("a.pdf", PDF)]))
    assert response.status_code == 200
    assert "The agenda of this meeting is closed." in _text(response)
    assert AgendaItem.objects.count() == before
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("说明.pdf", PNG, "“说明.pdf” but its content is a PNG image"),
        ("表.xlsx", _docx_bytes(), "but its content is a Word document (DOCX): give it the"),
        ("表.docx", _xlsx_bytes(), "but its content is an Excel workbook (XLSX)"),
        ("photo.png", JPEG, "but its content is a JPEG image"),
        ("setup.pdf", EXE, "is not PDF, Word (DOCX), Excel (XLSX), JPEG or PNG"),
        ("archive.xlsx", _zip_bytes(), "is not PDF, Word (DOCX), Excel (XLSX), JPEG or PNG"),
        ("notes.txt", b"plain text\n" * 10, "is not PDF, Word (DOCX), Excel (XLSX), JPEG or PNG"),
        ("empty.pdf", b"", "The submitted file is empty."),
    ],
)
def test_mislabelled_attachment_is_refused_and_nothing_saved(
    client, liaison, meeting, settings, name, content, message
):
    client.force_login(liaison)
    response = client.post(
        reverse("meetings:item_create", args=[meeting.pk]),
        _item_data(attachments=[_upload("fine.pdf", PDF), _upload(name, content)]),
    )
    assert response.status_code == 200
    assert message in _text(response)
    assert not AgendaItem.objects.exists()
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


def test_oversized_attachment_is_refused_and_nothing_saved(client, liaison, meeting, settings):
    settings.MEETING_ATTACHMENT_MAX_BYTES = 1024
    client.force_login(liaison)
    response = client.post(
        reverse("meetings:item_create", args=[meeting.pk]),
        _item_data(attachments=[_upload("大文件.pdf", PDF + b"0" * 2048)]),
    )
    assert response.status_code == 200
    assert "“大文件.pdf” is 2.1\xa0KB; at most 1.0\xa0KB is accepted." in _text(response)
    assert not AgendaItem.objects.exists()
    assert _stored_files(settings) == []


def test_attachment_help_names_the_kinds_and_the_limit(client, liaison, meeting, settings):
    settings.MEETING_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    client.force_login(liaison)
    content = client.get(reverse("meetings:item_create", args=[meeting.pk])).content.decode()
    assert "PDF, Word (DOCX), Excel (XLSX), JPEG or PNG, at most 10.0\xa0MB." in content
    assert 'accept=".pdf,.docx,.xlsx,.jpg,.jpeg,.png"' in content


def test_liaison_revises_a_returned_item_and_its_attachments(client, liaison, items, settings):
    item = items["returned"]
    old = _attach(item)
    client.force_login(liaison)
    url = reverse("meetings:item_edit", args=[item.pk])
    content = client.get(url).content.decode()
    assert "请补充数据来源。" in content
    response = client.post(
        url,
        _item_data(
            title="户籍注销滞后问题（修改稿）",
            remove_attachments=[old.pk],
            attachments=[_upload("补充材料.docx", _docx_bytes())],
        ),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "户籍注销滞后问题（修改稿）"
    assert item.status == AgendaItem.Status.RETURNED
    assert [a.name for a in item.attachments.all()] == ["补充材料.docx"]


def test_a_submitted_item_cannot_be_edited(client, liaison, items):
    item = items["submitted"]
    client.force_login(liaison)
    url = reverse("meetings:item_edit", args=[item.pk])
    assert 'data-testid="closed"' in client.get(url).content.decode()
    response = client.post(url, _item_data(title="改了", attachments=[_upload("a.pdf", PDF)]))
    assert response.status_code == 200
    assert "Only a draft or returned item can be edited." in _text(response)
    item.refresh_from_db()
    assert item.title == "车辆信息核对口径"
    assert not item.attachments.exists()


def test_liaison_submits_a_draft_and_the_director_is_told(
    client, liaison, director, items, django_capture_on_commit_callbacks
):
    item = items["draft"]
    client.force_login(liaison)
    url = reverse("meetings:item_submit", args=[item.pk])
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"from": "meeting"})
    assert response.status_code == 302
    assert response["Location"] == item.meeting.get_absolute_url()
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.SUBMITTED
    assert Notification.objects.filter(user=director, url=item.get_absolute_url()).exists()
    # Again: the item is no longer a draft; the service's message, nothing changed.
    response = client.post(url)
    assert response.status_code == 200
    assert "cannot be changed that way" in _text(response)
    assert item.history.count() == 2


def test_another_units_liaison_cannot_submit(client, items, unit, host_unit):
    intruder = UserFactory(username="intruder", roles=[Role.UNIT_LIAISON])
    from tests.factories import LiaisonFactory

    LiaisonFactory(unit=host_unit, user=intruder)
    client.force_login(intruder)
    response = client.post(reverse("meetings:item_submit", args=[items["draft"].pk]))
    assert response.status_code == 404
    items["draft"].refresh_from_db()
    assert items["draft"].status == AgendaItem.Status.DRAFT


@pytest.mark.parametrize(
    ("verdict", "comment", "status"),
    [
        ("accept", "", AgendaItem.Status.ACCEPTED),
        ("return", "请补充近三个月的数据。", AgendaItem.Status.RETURNED),
        ("reject", "不属于本会议研究范围。", AgendaItem.Status.REJECTED),
    ],
)
def test_director_reviews_a_submitted_item(
    client, director, liaison, items, verdict, comment, status, django_capture_on_commit_callbacks
):
    item = items["submitted"]
    client.force_login(director)
    url = reverse("meetings:item_review", args=[item.pk])
    prefix = f"review-{item.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {f"{prefix}-verdict": verdict, f"{prefix}-comment": comment, "from": "meeting"}
        )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.review_comment, item.reviewed_by) == (status, comment, director)
    assert Notification.objects.filter(user=liaison, url=item.get_absolute_url()).exists()
    if comment:
        client.force_login(liaison)
        assert comment in client.get(item.meeting.get_absolute_url()).content.decode()


def test_returning_without_a_comment_is_refused_and_the_form_kept(client, director, items):
    item = items["submitted"]
    client.force_login(director)
    prefix = f"review-{item.pk}"
    response = client.post(
        reverse("meetings:item_review", args=[item.pk]),
        {f"{prefix}-verdict": "return", f"{prefix}-comment": "  ", "from": "meeting"},
    )
    assert response.status_code == 200
    assert "Say why the item is returned or rejected." in _text(response)
    # Shown again on the meeting page, the verdict still chosen.
    assert response.templates[0].name == "meetings/meeting_detail.html"
    assert (
        f'value="return" class="form-check-input" id="id_{prefix}-verdict_1" required checked'
        in (response.content.decode())
    )
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.SUBMITTED
    assert item.history.count() == 2


def test_only_the_director_reviews(client, clerk, convener, liaison, items):
    item = items["submitted"]
    prefix = f"review-{item.pk}"
    for user in (clerk, convener, liaison):
        client.force_login(user)
        response = client.post(
            reverse("meetings:item_review", args=[item.pk]), {f"{prefix}-verdict": "accept"}
        )
        assert response.status_code == 200
        assert "Your role does not allow you to review agenda items." in _text(response)
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.SUBMITTED


def test_a_reviewed_item_cannot_be_reviewed_again(client, director, items):
    item = items["accepted"]
    client.force_login(director)
    prefix = f"review-{item.pk}"
    response = client.post(
        reverse("meetings:item_review", args=[item.pk]),
        {f"{prefix}-verdict": "reject", f"{prefix}-comment": "改主意了"},
    )
    assert "cannot be changed that way" in _text(response)
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.ACCEPTED


# --- Approving the agenda -----------------------------------------------------------------------


def test_convener_approves_and_the_agenda_is_published(
    client,
    convener,
    meeting,
    make_item,
    unit,
    host_unit,
    liaison,
    clerk,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    first = make_item(meeting, unit, status=AgendaItem.Status.ACCEPTED, title="车辆信息核对口径")
    second = make_item(
        meeting, host_unit, status=AgendaItem.Status.ACCEPTED, actor=clerk, title="年度救助资金安排"
    )
    rejected = make_item(meeting, unit, status=AgendaItem.Status.REJECTED, title="被否决的议题")
    client.force_login(convener)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:agenda_approve", args=[meeting.pk]))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.AGENDA_APPROVED
    assert meeting.agenda_published_at is not None
    first.refresh_from_db(), second.refresh_from_db(), rejected.refresh_from_db()
    assert (first.status, first.order, second.order) == (AgendaItem.Status.APPROVED, 1, 2)
    assert rejected.status == AgendaItem.Status.REJECTED
    # Each invited unit's liaison is told in the app and by mail, with the calendar file.
    assert Notification.objects.filter(user=liaison, url=meeting.get_absolute_url()).exists()
    assert [m.to for m in mailoutbox] == [[liaison.email]]
    ((name, content, mimetype),) = mailoutbox[0].attachments
    assert (name, mimetype) == ("meeting.ics", "text/calendar")
    assert "年度救助资金安排" in Calendar.from_ical(content).walk("VEVENT")[0]["DESCRIPTION"]


def test_approval_waits_for_the_directors_review(client, convener, items):
    meeting = items["draft"].meeting
    client.force_login(convener)
    response = client.post(reverse("meetings:agenda_approve", args=[meeting.pk]))
    assert response.status_code == 200
    assert "The office director has not yet reviewed: 车辆信息核对口径." in _text(response)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED
    assert not meeting.agenda_items.filter(status=AgendaItem.Status.APPROVED).exists()


def test_nothing_accepted_means_no_agenda(client, convener, meeting):
    client.force_login(convener)
    response = client.post(reverse("meetings:agenda_approve", args=[meeting.pk]))
    assert "No accepted item: there is no agenda to approve." in _text(response)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED


def test_only_the_convener_approves(client, clerk, director, meeting, make_item, unit, mailoutbox):
    make_item(meeting, unit, status=AgendaItem.Status.ACCEPTED)
    for user in (clerk, director):
        client.force_login(user)
        response = client.post(reverse("meetings:agenda_approve", args=[meeting.pk]))
        assert "Your role does not allow you to approve agendas." in _text(response)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED
    assert mailoutbox == []


def test_an_approved_agenda_is_not_approved_twice(client, convener, approved_meeting):
    client.force_login(convener)
    mail.outbox.clear()
    response = client.post(reverse("meetings:agenda_approve", args=[approved_meeting.pk]))
    assert response.status_code == 200
    assert "No accepted item: there is no agenda to approve." in _text(response)
    approved_meeting.refresh_from_db()
    assert approved_meeting.status == Meeting.Status.AGENDA_APPROVED
    assert mail.outbox == []


# --- Attendance -------------------------------------------------------------------------------


def _attendance_data(rows):
    data = {
        "attendance-TOTAL_FORMS": str(len(rows)),
        "attendance-INITIAL_FORMS": str(len(rows)),
        "attendance-MIN_NUM_FORMS": "0",
        "attendance-MAX_NUM_FORMS": "1000",
    }
    for index, (unit, presence, name, title) in enumerate(rows):
        data.update(
            {
                f"attendance-{index}-unit": unit.pk,
                f"attendance-{index}-presence": presence,
                f"attendance-{index}-attendee_name": name,
                f"attendance-{index}-attendee_title": title,
            }
        )
    return data


def test_clerk_records_attendance_and_the_meeting_is_held(
    client, clerk, approved_meeting, host_unit, unit
):
    factories.meeting_day_arrives(approved_meeting)
    client.force_login(clerk)
    url = reverse("meetings:attendance", args=[approved_meeting.pk])
    content = client.get(url).content.decode()
    assert "区民政局" in content and "区公安分局" in content
    response = client.post(
        url,
        _attendance_data([(host_unit, "present", "刘建国", "局长"), (unit, "absent", "", "")]),
    )
    assert response.status_code == 302
    approved_meeting.refresh_from_db()
    assert approved_meeting.status == Meeting.Status.HELD
    assert Attendance.objects.get(unit=host_unit).attendee_name == "刘建国"
    content = client.get(approved_meeting.get_absolute_url()).content.decode()
    assert "1 present · 0 delegated · 1 absent" in content
    # Correcting it later keeps the meeting held.
    response = client.post(
        url,
        _attendance_data(
            [(host_unit, "present", "刘建国", "局长"), (unit, "delegated", "王晓梅", "科员")]
        ),
    )
    assert Attendance.objects.get(unit=unit).presence == "delegated"


def test_attendance_names_who_came(client, clerk, approved_meeting, host_unit, unit):
    factories.meeting_day_arrives(approved_meeting)
    client.force_login(clerk)
    response = client.post(
        reverse("meetings:attendance", args=[approved_meeting.pk]),
        _attendance_data([(host_unit, "present", "", ""), (unit, "absent", "", "")]),
    )
    assert response.status_code == 200
    assert "Name who attended for the unit." in _text(response)
    assert not Attendance.objects.exists()
    approved_meeting.refresh_from_db()
    assert approved_meeting.status == Meeting.Status.AGENDA_APPROVED


def test_attendance_for_every_invited_unit(client, clerk, approved_meeting, host_unit):
    factories.meeting_day_arrives(approved_meeting)
    client.force_login(clerk)
    response = client.post(
        reverse("meetings:attendance", args=[approved_meeting.pk]),
        _attendance_data([(host_unit, "present", "刘建国", "局长")]),
    )
    assert "Record attendance for every invited unit, once each." in _text(response)
    assert not Attendance.objects.exists()


def test_no_attendance_before_the_agenda_is_approved(client, clerk, meeting, host_unit, unit):
    client.force_login(clerk)
    url = reverse("meetings:attendance", args=[meeting.pk])
    assert 'data-testid="closed"' in client.get(url).content.decode()
    response = client.post(
        url, _attendance_data([(host_unit, "present", "刘建国", ""), (unit, "absent", "", "")])
    )
    assert "Attendance is recorded once the agenda is approved." in _text(response)
    assert not Attendance.objects.exists()


def test_the_convener_does_not_record_attendance(
    client, convener, approved_meeting, host_unit, unit
):
    client.force_login(convener)
    response = client.post(
        reverse("meetings:attendance", args=[approved_meeting.pk]),
        _attendance_data([(host_unit, "present", "刘建国", ""), (unit, "absent", "", "")]),
    )
    assert "Your role does not allow you to record attendance." in _text(response)
    assert not Attendance.objects.exists()


# --- Files ------------------------------------------------------------------------------------


def test_calendar_file_holds_the_meeting_and_its_agenda(client, liaison, approved_meeting):
    client.force_login(liaison)
    response = client.get(reverse("meetings:meeting_ics", args=[approved_meeting.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["UID"]).startswith(f"meeting-{approved_meeting.pk}@")
    assert str(event["SUMMARY"]) == approved_meeting.title
    assert str(event["LOCATION"]) == approved_meeting.place
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == approved_meeting.starts_at
    assert end - start == datetime.timedelta(hours=2)
    description = str(event["DESCRIPTION"])
    assert "1. 车辆信息核对口径 (区公安分局)" in description
    assert "2. 年度救助资金安排 (区民政局)" in description


def test_calendar_file_of_a_planned_meeting_has_no_agenda_yet(client, clerk, items):
    client.force_login(clerk)
    response = client.get(reverse("meetings:meeting_ics", args=[items["draft"].meeting.pk]))
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    for item in items.values():
        assert item.title not in str(event["DESCRIPTION"])


def test_calendar_file_of_a_cancelled_meeting_cancels_it(client, clerk, meeting):
    services.meeting_cancel(actor=clerk, meeting=meeting)
    client.force_login(clerk)
    response = client.get(reverse("meetings:meeting_ics", args=[meeting.pk]))
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(calendar.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


def test_agenda_notice_in_word(client, liaison, approved_meeting, group):
    client.force_login(liaison)
    response = client.get(reverse("meetings:agenda_docx", args=[approved_meeting.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"{group.name} Office" in text
    assert f"[{timezone.localtime(approved_meeting.agenda_approved_at).year}] No. 1" in text
    assert approved_meeting.title in text
    assert "To: 区民政局、区公安分局" in text
    assert "1.车辆信息核对口径" in text and "2.年度救助资金安排" in text
    assert "Submitted by: 区公安分局" in text
    assert "Decision requested: 请会议研究确定牵头单位和完成时限。" in text
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
    assert "PAGE" in section.footer.paragraphs[0]._p.xml


def test_agenda_notice_in_chinese_numbers_its_items_the_chinese_way(
    client, clerk, approved_meeting
):
    client.force_login(clerk)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    response = client.get(reverse("meetings:agenda_docx", args=[approved_meeting.pk]))
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "一、车辆信息核对口径" in text and "二、年度救助资金安排" in text


# --- Admin ------------------------------------------------------------------------------------


def test_administrator_finds_meetings_in_the_admin(client, administrator, meeting, held_meeting):
    from django.contrib import admin
    from simple_history.admin import SimpleHistoryAdmin

    assert isinstance(admin.site._registry[Meeting], SimpleHistoryAdmin)
    client.force_login(administrator)
    changelist = reverse("admin:meetings_meeting_changelist")
    response = client.get(changelist, {"q": "协调会议"})
    assert response.status_code == 200
    assert client.get(changelist, {"status__exact": "held"}).status_code == 200
    assert (
        client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk])).status_code == 200
    )
    history = reverse("admin:meetings_meeting_history", args=[meeting.pk])
    assert client.get(history).status_code == 200


def test_a_held_meeting_is_never_deleted_in_the_admin(client, administrator, held_meeting):
    client.force_login(administrator)
    url = reverse("admin:meetings_meeting_delete", args=[held_meeting.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Meeting.objects.filter(pk=held_meeting.pk).exists()


def test_an_empty_planned_meeting_can_be_deleted_in_the_admin(client, administrator, meeting):
    client.force_login(administrator)
    url = reverse("admin:meetings_meeting_delete", args=[meeting.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Meeting.objects.exists()
