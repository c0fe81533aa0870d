"""Pages of the register. Every signed-in user may read it: it is the office's directory
of who does what. Only administrators change it, in the admin site."""

from operator import attrgetter, itemgetter

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assistance.roles import Role, has_role

from . import selectors
from .models import AssistanceProgram, Duty, LeadingGroup, Liaison, MemberUnit, Position

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


# What the change log shows of each model's historical rows, without touching related
# tables row by row: (model, related fields to join, label of a historical row).
CHANGE_LOG_SOURCES = [
    (LeadingGroup, [], attrgetter("name")),
    (MemberUnit, [], attrgetter("name")),
    (Position, [], lambda h: f"{h.person} {h.title}".strip()),
    (Duty, ["unit"], lambda h: f"{h.unit.name if h.unit else ''}: {h.text[:40]}"),
    (
        Liaison,
        ["user", "unit"],
        lambda h: f"{h.user.get_full_name() if h.user else ''} ({h.unit.name if h.unit else ''})",
    ),
    (AssistanceProgram, [], attrgetter("name")),
]


def change_log(request):
    """Recent changes to the register across its models, newest first: who changed what,
    when. For auditors and administrators."""
    if not has_role(request.user, Role.AUDITOR, Role.ADMINISTRATOR):
        raise PermissionDenied(_("Only auditors and administrators see the change log."))
    rows = []
    for model, related, label in CHANGE_LOG_SOURCES:
        records = model.history.select_related("history_user", *related).order_by("-history_date")[
            :CHANGE_LOG_LENGTH
        ]
        rows.extend(
            {
                "date": record.history_date,
                "user": record.history_user,
                "model": model._meta.verbose_name,
                "type": record.get_history_type_display(),
                "label": label(record),
                "reason": record.history_change_reason,
            }
            for record in records
        )
    rows.sort(key=itemgetter("date"), reverse=True)
    return render(
        request,
        "members/change_log.html",
        {"rows": rows[:CHANGE_LOG_LENGTH], "limit": CHANGE_LOG_LENGTH},
    )
