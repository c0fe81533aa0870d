"""Writes of joint meetings: the plan, agenda items, attendance, minutes and decisions.

Each step is allowed only to its role and only in its state: the service asks the app's
gateway (``meetings.permissions``) who may take it, checks the state, and raises
``MeetingError`` (with a message the user understands) before changing anything. Views
call these; they hold no rule of their own.

The modules, by job: ``meetings`` (the plan, single meetings, attendance), ``agenda``
(items, their review, the agenda's approval and publication), ``minutes`` (draft, review,
consent, sign, issue, receipts), ``decisions`` (progress, closing, overdue reminders);
``base`` holds what they share. Callers import from this package.
"""

from .agenda import (
    ItemData,
    Review,
    agenda_approve,
    agenda_item_attach,
    agenda_item_create,
    agenda_item_review,
    agenda_item_submit,
    agenda_item_update,
    agenda_publish,
)
from .base import MeetingError, NotAllowed, WrongState, can_move
from .decisions import (
    close_needs_reason,
    decision_chase,
    decision_close,
    decision_send_back,
    decision_update_post,
    decisions_remind_overdue,
)
from .meetings import (
    PLAN_KINDS,
    AttendanceData,
    attendance_record,
    attendance_refusal,
    meeting_cancel,
    meeting_day_reached,
    meeting_schedule,
    meeting_update,
    plan_dates,
    plan_generate,
)
from .minutes import (
    DecisionData,
    minutes_acknowledge,
    minutes_draft,
    minutes_issue,
    minutes_respond,
    minutes_return_to_draft,
    minutes_review,
    minutes_sign,
    minutes_submit_for_review,
    sign_refusal,
)
from .on_behalf import OnBehalfData, minutes_acknowledge_on_behalf, minutes_respond_on_behalf

__all__ = [
    "PLAN_KINDS",
    "AttendanceData",
    "DecisionData",
    "ItemData",
    "MeetingError",
    "OnBehalfData",
    "NotAllowed",
    "Review",
    "WrongState",
    "agenda_approve",
    "agenda_item_attach",
    "agenda_item_create",
    "agenda_item_review",
    "agenda_item_submit",
    "agenda_item_update",
    "agenda_publish",
    "attendance_record",
    "attendance_refusal",
    "can_move",
    "close_needs_reason",
    "decision_chase",
    "decision_close",
    "decision_send_back",
    "decision_update_post",
    "decisions_remind_overdue",
    "meeting_cancel",
    "meeting_day_reached",
    "meeting_schedule",
    "meeting_update",
    "minutes_acknowledge",
    "minutes_acknowledge_on_behalf",
    "minutes_draft",
    "minutes_issue",
    "minutes_respond",
    "minutes_respond_on_behalf",
    "minutes_return_to_draft",
    "minutes_review",
    "minutes_sign",
    "minutes_submit_for_review",
    "plan_dates",
    "plan_generate",
    "sign_refusal",
]
