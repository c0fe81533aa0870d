"""The follow-up list of decisions as an XLSX workbook, with the page's filters applied.

Its own URL beside the page (``decisions/export.xlsx``), like every list's export, so the
URL walk holds it to the page's rule: the office and the convener export every decision,
a liaison only their own unit's, everyone else gets 404.
"""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.forms import bad_request
from assistance.replica import replica_reads
from assistance.spreadsheets import rows_in_chunks, xlsx_response
from members.selectors import liaison_unit

from .. import selectors
from ..minutes_forms import FollowupFilterForm
from ..permissions import is_staff


@replica_reads
def followup_xlsx(request):
    """Every decision the follow-up page lists for these filters, in its order: overdue
    first, then open ones by deadline, closed ones last."""
    user = request.user
    staff = is_staff(user)
    if not staff and liaison_unit(user) is None:
        raise Http404
    today = timezone.localdate()
    listed = selectors.followup_scope(user)
    filters = FollowupFilterForm(
        request.GET or None,
        groups=selectors.groups() if staff else None,
        units=selectors.followup_units() if staff else None,
    )
    if request.GET:
        if not filters.is_valid():
            return bad_request(filters)
        _scope, listed = selectors.narrow_followup(listed, filters.cleaned_data, today)

    def rows_of(decisions):
        decisions = list(selectors.followup_list(decisions, today))
        selectors.mark_overdue(decisions, today)
        return decisions

    header = [
        _("Decision"),
        _("Group"),
        _("Meeting"),
        _("Lead unit"),
        _("Cooperating units"),
        _("Deadline"),
        _("Status"),
        _("Working days overdue"),
        _("Closed"),
    ]
    rows = (
        [
            d.text,
            d.minutes.meeting.group.short_name or d.minutes.meeting.group.name,
            d.minutes.meeting.title,
            d.lead_unit.name,
            "、".join(unit.name for unit in d.cooperating_units.all()),
            d.deadline,
            d.get_status_display(),
            d.days_overdue,
            d.closed_at,
        ]
        for d in rows_in_chunks(selectors.followup_list(listed, today), rows=rows_of)
    )
    return xlsx_response(header, rows, title=_("Decisions"), filename="decisions")
