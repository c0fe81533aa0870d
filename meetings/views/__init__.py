"""Views of the joint meetings: the meetings, their plan, attendance and files
(``meetings``), agenda items (``agenda``), the minutes (``minutes``), and the decisions
with their follow-up (``decisions``). Each calls a gateway of ``meetings.permissions``
first, reads through ``meetings.selectors`` and calls a service for every change."""

from .agenda import (
    attachment_download,
    item_create,
    item_detail,
    item_edit,
    item_review,
    item_submit,
)
from .decisions import (
    decision_chase,
    decision_close,
    decision_detail,
    decision_send_back,
    decision_update,
    followup,
)
from .exports import followup_xlsx
from .meetings import (
    agenda_approve,
    agenda_docx,
    attendance,
    meeting_calendar,
    meeting_calendar_ics,
    meeting_cancel,
    meeting_create,
    meeting_detail,
    meeting_edit,
    meeting_ics,
    meeting_list,
    plan_generate,
)
from .minutes import (
    minutes_acknowledge,
    minutes_detail,
    minutes_docx,
    minutes_draft,
    minutes_issue,
    minutes_on_behalf,
    minutes_respond,
    minutes_review,
    minutes_revise,
    minutes_sign,
    minutes_submit,
)

__all__ = [
    "followup_xlsx",
    "agenda_approve",
    "agenda_docx",
    "attachment_download",
    "attendance",
    "decision_chase",
    "decision_close",
    "decision_detail",
    "decision_send_back",
    "decision_update",
    "followup",
    "item_create",
    "item_detail",
    "item_edit",
    "item_review",
    "item_submit",
    "meeting_calendar",
    "meeting_calendar_ics",
    "meeting_cancel",
    "meeting_create",
    "meeting_detail",
    "meeting_edit",
    "meeting_ics",
    "meeting_list",
    "minutes_acknowledge",
    "minutes_detail",
    "minutes_docx",
    "minutes_draft",
    "minutes_issue",
    "minutes_on_behalf",
    "minutes_respond",
    "minutes_review",
    "minutes_revise",
    "minutes_sign",
    "minutes_submit",
    "plan_generate",
]
