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
    ("decision_close", "post", {}),
    ("decision_send_back", "post", {"comment": "请补充材料。"}),
]


def call(client, name, method, data, pk):
    url = reverse(f"meetings:{name}", kwargs={"pk": pk})
    return client.get(url) if method == "get" else client.post(url, data)
