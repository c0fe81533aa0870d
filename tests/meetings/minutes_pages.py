"""The minutes and decision URLs that the permission tests request as every role, and
snapshots of what a refused request must leave as it was."""

from django.urls import reverse

from meetings.models import (
    Attachment,
    Decision,
    DecisionUpdate,
    Minutes,
    MinutesReceipt,
    MinutesResponse,
)
from tests import register
from tests.meetings import factories, world


def decision(minutes, order) -> Decision:
    return minutes.decisions.get(order=order)


def snapshot(minutes):
    """What a refused action must leave as it was."""
    return (
        dict(Minutes.objects.filter(pk=minutes.pk).values().get()),
        Minutes.history.filter(id=minutes.pk).count(),
        list(MinutesResponse.objects.filter(minutes=minutes).order_by("pk").values()),
        list(MinutesReceipt.objects.filter(minutes=minutes).order_by("pk").values()),
        list(Decision.objects.filter(minutes=minutes).order_by("pk").values()),
    )


def decision_snapshot(decision):
    return (
        dict(Decision.objects.filter(pk=decision.pk).values().get()),
        DecisionUpdate.objects.filter(decision=decision).count(),
        Attachment.objects.filter(update__decision=decision).count(),
    )


MINUTES_URLS = [
    # (url name, method, POST data)
    ("minutes_detail", "get", None),
    ("minutes_docx", "get", None),
    ("minutes_submit", "post", {}),
    ("minutes_review", "post", {"verdict": "approve"}),
    ("minutes_respond", "post", {"answer": "consent"}),
    ("minutes_revise", "post", {"comment": "按意见修改"}),
    ("minutes_sign", "post", {}),
    ("minutes_issue", "post", {"reported_to_government": "on"}),
    ("minutes_acknowledge", "post", {}),
]
DECISION_URLS = [
    ("decision_detail", "get", None),
    ("decision_update", "post", {"text": "已召开专题会议。"}),
    ("decision_close", "post", {"reason": "牵头单位已书面报告完成。"}),
    ("decision_send_back", "post", {"comment": "请补充材料。"}),
]


def call(client, name, method, data, pk):
    url = reverse(f"meetings:{name}", kwargs={"pk": pk})
    return client.get(url) if method == "get" else client.post(url, data)


def circulated_minutes_world() -> dict:
    """A held meeting (``host_unit`` present, ``unit`` delegated, ``other_unit`` not
    invited) whose minutes the office director approved and circulated for consent, with
    the register's personas: what both minutes permission matrices start from."""
    group = register.group()
    unit, other_unit, users = world.register_with_personas(group)
    host_unit = factories.host_unit_for(group)
    clerk, director, convener = users["clerk"], users["director"], users["convener"]
    meeting = factories.meeting_schedule(
        clerk=clerk, group=group, convener=convener, invited_units=[host_unit, unit]
    )
    factories.agenda_approve(
        meeting,
        unit=unit,
        liaison=users["liaison"],
        host_unit=host_unit,
        clerk=clerk,
        director=director,
        convener=convener,
    )
    held = factories.attendance_record(meeting, clerk=clerk, host_unit=host_unit, unit=unit)
    minutes = factories.minutes_drafted(
        held, clerk=clerk, unit=unit, host_unit=host_unit, other_unit=other_unit
    )
    minutes = factories.minutes_circulated(minutes, clerk=clerk, director=director)
    return {
        "minutes": minutes,
        "users": users,
        "unit": unit,
        "host_unit": host_unit,
    }
