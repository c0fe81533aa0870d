"""The minutes' first draft starts from the approved agenda (topics and presenting units),
decision rows are added without saving (a plain submit button, no JavaScript needed), and
the draft mark reads “Draft” once, not “草稿（草稿）” (issue 12)."""

import pytest
from django.urls import reverse

from meetings.models import Minutes
from tests.meetings import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def url(meeting):
    return reverse("meetings:minutes_draft", args=[meeting.pk])


def test_the_first_draft_starts_from_the_approved_agenda(
    client, clerk, held_meeting, unit, host_unit
):
    client.force_login(clerk)

    page = client.get(url(held_meeting))

    text = page.context["form"].initial["text"]
    assert "1. 车辆信息核对口径 (presented by 区公安分局)" in text
    assert "2. 年度救助资金安排 (presented by 区民政局)" in text
    rows = page.context["formset"].forms
    assert [(f.topic, f.initial.get("lead_unit")) for f in rows[:2]] == [
        ("车辆信息核对口径", unit.pk),
        ("年度救助资金安排", host_unit.pk),
    ]
    assert 'data-testid="decision-topic"' in page.content.decode()


def _post(held_meeting, *, total, rows=(), text=factories.MINUTES_TEXT, **extra):
    data = {
        "document_number": "第3期",
        "text": text,
        "decisions-TOTAL_FORMS": str(total),
        "decisions-INITIAL_FORMS": "0",
        "decisions-MIN_NUM_FORMS": "0",
        "decisions-MAX_NUM_FORMS": "50",
    }
    suggested = held_meeting.agenda_items.filter(status="approved").order_by("order", "pk")
    for index in range(total):
        # What the page sends for a row left alone: its default deadline, and for a row
        # suggested by an agenda item, that item (pre-selected).
        data[f"decisions-{index}-working_days"] = "20"
    for index, item in enumerate(suggested[:total]):
        data[f"decisions-{index}-agenda_item"] = str(item.pk)
    for index, (decision_text, lead) in enumerate(rows):
        data[f"decisions-{index}-text"] = decision_text
        data[f"decisions-{index}-lead_unit"] = str(lead)
        data[f"decisions-{index}-working_days"] = "20"
    data.update(extra)
    return data


def test_a_suggested_row_left_empty_is_not_a_decision(client, clerk, held_meeting, unit, host_unit):
    client.force_login(clerk)
    data = _post(held_meeting, total=3, rows=[("统一车辆信息核对口径。", unit.pk)])
    # The second suggested row keeps its suggested lead unit and no text.
    data["decisions-1-lead_unit"] = str(host_unit.pk)
    data["decisions-1-working_days"] = "20"

    response = client.post(url(held_meeting), data)

    assert response.status_code == 302
    minutes = Minutes.objects.get(meeting=held_meeting)
    assert [d.text for d in minutes.decisions.all()] == ["统一车辆信息核对口径。"]


def test_add_a_row_keeps_what_was_typed_saves_nothing_and_shows_no_error(
    client, clerk, held_meeting, unit, host_unit
):
    client.force_login(clerk)
    data = _post(
        held_meeting, total=3, rows=[("统一车辆信息核对口径。", unit.pk)], text="", add_row="1"
    )

    page = client.post(url(held_meeting), data)

    assert page.status_code == 200
    assert not Minutes.objects.exists()
    formset = page.context["formset"]
    assert formset.total_form_count() == 4
    assert formset.forms[0]["text"].value() == "统一车辆信息核对口径。"
    assert formset.forms[3]["working_days"].value() == "20"  # the new row's default
    html = page.content.decode()
    assert 'data-testid="field-error"' not in html
    assert html.count('data-testid="decision-row"') == 4

    # Then saving takes the typed rows, the added one included.
    data = _post(
        held_meeting,
        total=4,
        rows=[
            ("统一车辆信息核对口径。", unit.pk),
            ("", host_unit.pk),  # the suggested row, left as suggested
            ("", ""),
            ("新增一项。", unit.pk),
        ],
    )
    response = client.post(url(held_meeting), data)
    assert response.status_code == 302
    texts = [d.text for d in Minutes.objects.get(meeting=held_meeting).decisions.all()]
    assert texts == ["统一车辆信息核对口径。", "新增一项。"]


def test_the_draft_mark_names_the_draft_once_in_both_languages(
    client, clerk, held_meeting, unit, host_unit, other_unit
):
    minutes = factories.minutes_drafted(
        held_meeting, clerk=clerk, unit=unit, host_unit=host_unit, other_unit=other_unit
    )
    client.force_login(clerk)

    english = client.get(minutes.get_absolute_url()).content.decode()
    chinese = client.get(minutes.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert "Draft: not an issued document." in english
    assert "Draft (Draft)" not in english
    chinese = chinese.content.decode()
    assert "草稿，非正式印发文件。" in chinese
    assert "草稿（草稿）" not in chinese


def test_a_decision_names_the_agenda_item_it_settles(client, clerk, held_meeting, unit):
    """Each suggested row carries its agenda item; the saved decision keeps it, so a case
    put on the agenda (一事一议) finds the meeting's decision on it."""
    client.force_login(clerk)
    page = client.get(url(held_meeting))
    first, second = page.context["formset"].forms[:2]
    items = [item.pk for item in held_meeting.agenda_items.order_by("order", "pk")]
    assert [first.initial["agenda_item"], second.initial["agenda_item"]] == items[:2]
    data = _post(held_meeting, total=1, rows=[("统一车辆信息核对口径。", unit.pk)])
    data["decisions-0-agenda_item"] = str(items[0])
    assert client.post(url(held_meeting), data).status_code == 302
    decision = Minutes.objects.get(meeting=held_meeting).decisions.get()
    assert decision.agenda_item_id == items[0]
