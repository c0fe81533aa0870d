"""Pages of the register. Every signed-in user may read it: it is the office's directory
of who does what. Only administrators change it, in the admin site."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assistance import localtime
from assistance.forms import bad_request
from assistance.spreadsheets import xlsx_response

from . import changelog, permissions, selectors
from .forms import ChangeLogFilterForm
from .models import MemberUnit, Position

CHANGE_LOG_PAGE_SIZE = 50


def group_list(request):
    groups = list(selectors.group_list())
    if len(groups) == 1:
        return redirect(groups[0])
    return render(request, "members/leadinggroup_list.html", {"groups": groups})


def group_detail(request, code):
    group = selectors.group_get(code)
    positions = selectors.group_positions(group)
    sections = [
        {
            "role": role,
            "label": label,
            "positions": [p for p in positions if p.role == role],
            "office": role in Position.OFFICE_ROLES,
        }
        for role, label in Position.Role.choices
    ]
    sections = [section for section in sections if section["positions"]]
    return render(
        request,
        "members/leadinggroup_detail.html",
        {
            "group": group,
            "roster": [section for section in sections if not section["office"]],
            "office": [section for section in sections if section["office"]],
        },
    )


def unit_list(request, code):
    group = selectors.group_get(code)
    kind = request.GET.get("kind", "")
    if kind not in MemberUnit.Kind.values:
        kind = ""
    q = request.GET.get("q", "").strip()[:50]
    context = {
        "group": group,
        "units": selectors.group_units(group, kind=kind, q=q),
        "kinds": MemberUnit.Kind.choices,
        "kind": kind,
        "q": q,
    }
    template = "members/memberunit_list.html"
    if request.htmx:
        template = "members/partials/memberunit_cards.html"
    return render(request, template, context)


def unit_detail(request, code):
    unit = selectors.unit_get(code)
    return render(request, "members/memberunit_detail.html", {"unit": unit, "group": unit.group})


def program_list(request, code):
    group = selectors.group_get(code)
    return render(
        request,
        "members/assistanceprogram_list.html",
        {"group": group, "programs": selectors.group_programs(group)},
    )


def _change_log_filters(request) -> tuple[ChangeLogFilterForm, changelog.Filters | None]:
    if not permissions.can_read_change_log(request.user):
        raise PermissionDenied(_("Only auditors and administrators see the change log."))
    form = ChangeLogFilterForm(request.GET or None)
    if not request.GET:
        return form, changelog.Filters()
    return form, (form.filters() if form.is_valid() else None)


def change_log(request):
    """Changes to the register across its models, newest first, a page at a time: who
    changed what, when (Beijing time); filtered by author, kind of record, object and
    days, and searched by name. For auditors and administrators. Filters that make no
    sense (a first day after the last) are refused with a 400 and the form's message."""
    form, filters = _change_log_filters(request)
    entries = changelog.entries(filters) if filters is not None else []
    page = Paginator(entries, CHANGE_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/change_log.html",
        {
            "page": page,
            "rows": changelog.rows(page.object_list),
            "filters": form,
            "query": query.urlencode(),
        },
        status=200 if filters is not None else 400,
    )


def change_log_xlsx(request):
    """The change log with the filters applied, every matching change, as a workbook."""
    form, filters = _change_log_filters(request)
    if filters is None:
        return bad_request(form)
    header = [
        _("When (%(zone)s)") % {"zone": localtime.zone_name()},
        _("Who"),
        _("Kind of change"),
        _("Record"),
        _("Object number"),
        _("Object"),
        _("Reason"),
    ]
    rows = (
        [
            row["date"],
            (row["user"].get_full_name() or row["user"].get_username()) if row["user"] else "",
            row["type"],
            row["model"],
            row["object_id"],
            row["label"],
            row["reason"] or "",
        ]
        for row in changelog.all_rows(filters)
    )
    return xlsx_response(header, rows, title=_("Change log"), filename="change-log")
