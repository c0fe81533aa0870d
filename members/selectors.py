"""Reads of the register, shaped for pages: each returns everything a page shows in a
fixed number of queries, however many units, duties or liaisons there are."""

from operator import attrgetter, itemgetter

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import AssistanceProgram, Duty, LeadingGroup, Liaison, MemberUnit, Position


def group_list() -> QuerySet[LeadingGroup]:
    return LeadingGroup.objects.select_related("office_host_unit").order_by("order", "pk")


def group_get(code: str) -> LeadingGroup:
    return get_object_or_404(group_list(), code=code)


def group_positions(group: LeadingGroup) -> list[Position]:
    return list(group.positions.select_related("unit").order_by("order", "pk"))


def _liaisons():
    return Prefetch(
        "liaisons",
        queryset=Liaison.objects.filter(active=True, user__is_active=True).select_related("user"),
    )


def _duties():
    return Prefetch("duties", queryset=Duty.objects.order_by("order", "pk"))


def _programs(name):
    return Prefetch(name, queryset=AssistanceProgram.objects.order_by("order", "pk"))


def group_units(group: LeadingGroup, *, kind: str = "", q: str = "") -> QuerySet[MemberUnit]:
    """Active units of a group with their duties, liaisons and programmes."""
    units = group.units.filter(active=True)
    if kind:
        units = units.filter(kind=kind)
    if q:
        units = units.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
    return units.prefetch_related(
        _duties(), _liaisons(), _programs("led_programs"), _programs("shared_programs")
    ).order_by("order", "pk")


def unit_get(code: str) -> MemberUnit:
    units = MemberUnit.objects.select_related("group").prefetch_related(
        _duties(),
        _liaisons(),
        _programs("led_programs"),
        _programs("shared_programs"),
        Prefetch("positions", queryset=Position.objects.order_by("order", "pk")),
    )
    return get_object_or_404(units, code=code)


def group_programs(group: LeadingGroup) -> QuerySet[AssistanceProgram]:
    return group.programs.select_related("lead_unit").prefetch_related(
        Prefetch("responsible_units", queryset=MemberUnit.objects.order_by("order", "pk"))
    )


def liaison_unit(user) -> MemberUnit | None:
    """The unit a user acts for, or None."""
    if not user.is_authenticated:
        return None
    liaison = Liaison.objects.filter(user=user, active=True).select_related("unit__group").first()
    return liaison.unit if liaison else None


def group_summaries() -> QuerySet[LeadingGroup]:
    """Groups with the size of their register, for the home pages."""
    active = Q(units__active=True)
    return group_list().annotate(
        unit_count=Count("units", filter=active, distinct=True),
        duty_count=Count("units__duties", filter=active, distinct=True),
        liaison_count=Count(
            "units__liaisons", filter=active & Q(units__liaisons__active=True), distinct=True
        ),
        program_count=Count("programs", distinct=True),
    )


def units_without_liaison() -> QuerySet[MemberUnit]:
    """Active member units that have named no active liaison: every unit must name one."""
    return (
        MemberUnit.objects.filter(active=True, is_member=True)
        .exclude(liaisons__active=True)
        .select_related("group")
        .order_by("group__order", "order", "pk")
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


def change_log(limit: int) -> list[dict]:
    """The ``limit`` latest changes to the register across its models, newest first: one
    query per model, whatever the history holds."""
    rows = []
    for model, related, label in CHANGE_LOG_SOURCES:
        records = model.history.select_related("history_user", *related).order_by("-history_date")[
            :limit
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
    rows.sort(key=itemgetter("date"), reverse=True)
    return rows[:limit]
