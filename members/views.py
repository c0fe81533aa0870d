"""Pages of the register. Every signed-in user may read it: it is the office's directory
of who does what. Only administrators change it, in the admin site."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import permissions, selectors
from .models import MemberUnit, Position

CHANGE_LOG_LENGTH = 100


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


def change_log(request):
    """Recent changes to the register across its models, newest first: who changed what,
    when. For auditors and administrators."""
    if not permissions.can_read_change_log(request.user):
        raise PermissionDenied(_("Only auditors and administrators see the change log."))
    rows = selectors.change_log(CHANGE_LOG_LENGTH)
    return render(
        request,
        "members/change_log.html",
        {"rows": rows, "limit": CHANGE_LOG_LENGTH},
    )
