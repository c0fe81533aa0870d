"""Reads of the joint meetings, shaped for pages, each in a fixed number of queries and
each showing a user only what the gateway (``meetings.permissions``) lets them see.

By page: ``meetings`` (the meeting list, the meeting page, agenda items, groups),
``minutes`` (the minutes page, the decision page), ``followup`` (the follow-up (督办) of
decisions: scope, list, figures). Callers import from this package.
"""

from .followup import (
    Figures,
    UnitFigures,
    figures,
    followup_list,
    followup_scope,
    followup_units,
    involving_unit,
    mark_overdue,
    narrow_followup,
    overdue_decisions,
    overdue_q,
    unit_figures,
)
from .meetings import (
    MeetingPage,
    chosen_group,
    conveners,
    filter_meetings,
    groups,
    invited_units,
    item_attachments,
    item_household_text,
    meeting_ids_in_list_order,
    meeting_page,
    meeting_rows,
    meeting_years,
)
from .minutes import (
    MinutesPage,
    ReviewComment,
    decision_updates,
    decision_with_units,
    decisions_with_units,
    group_unit_choices,
    minutes_attendance,
    minutes_decisions,
    minutes_page,
)
from .work import convened_meetings, convener_work, director_work, liaison_work

__all__ = [
    "convened_meetings",
    "convener_work",
    "director_work",
    "liaison_work",
    "Figures",
    "MeetingPage",
    "MinutesPage",
    "ReviewComment",
    "UnitFigures",
    "chosen_group",
    "conveners",
    "decision_updates",
    "decision_with_units",
    "decisions_with_units",
    "figures",
    "filter_meetings",
    "followup_list",
    "followup_scope",
    "followup_units",
    "group_unit_choices",
    "groups",
    "invited_units",
    "involving_unit",
    "item_attachments",
    "item_household_text",
    "mark_overdue",
    "meeting_ids_in_list_order",
    "meeting_page",
    "meeting_rows",
    "meeting_years",
    "minutes_attendance",
    "minutes_decisions",
    "minutes_page",
    "narrow_followup",
    "overdue_decisions",
    "overdue_q",
    "unit_figures",
]
