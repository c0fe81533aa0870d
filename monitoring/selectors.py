"""Reads of the monitoring, each in a fixed number of queries whatever the number of rows:
the office's list ordered by hardship, a unit's visits, where a warning's or a score's
points came from, and the last evaluation."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from assistance.idnumbers import mask_id_number
from members.models import MemberUnit
from verification.models import (
    Finding,
    Household,
    HouseholdMember,
    RegistryRecord,
    VerificationRequest,
)

from .models import EarlyWarning, EvaluationRun, HardshipScore, ScoreContribution, WarningRule

LIST_RELATED = ("rule", "household__hardship_score", "member", "assigned_unit")


def office_warnings(
    *,
    status: str = "open",
    grade: int | None = None,
    rule: WarningRule | None = None,
    unit: MemberUnit | None = None,
    town: str = "",
    overdue: bool = False,
) -> QuerySet[EarlyWarning]:
    """The office's list: the hardest-hit households first (their hardship score), then
    the gravest grade and the nearest deadline."""
    warnings = EarlyWarning.objects.all()
    if status == "open":
        warnings = warnings.filter(status__in=EarlyWarning.OPEN)
    elif status:
        warnings = warnings.filter(status=status)
    if grade:
        warnings = warnings.filter(grade=grade)
    if rule is not None:
        warnings = warnings.filter(rule=rule)
    if unit is not None:
        warnings = warnings.filter(assigned_unit=unit)
    if town:
        warnings = warnings.filter(household__town__icontains=town)
    if overdue:
        warnings = warnings.filter(overdue=True)
    return warnings.select_related(*LIST_RELATED).order_by(
        F("household__hardship_score__points").desc(nulls_last=True), "grade", "deadline", "pk"
    )


def unit_visits(unit: MemberUnit, *, open_only: bool = True) -> QuerySet[EarlyWarning]:
    """The warnings assigned to a unit, the gravest and the most pressing first."""
    warnings = EarlyWarning.objects.filter(assigned_unit=unit)
    if open_only:
        warnings = warnings.filter(status=EarlyWarning.Status.ASSIGNED)
    return warnings.select_related("rule", "household", "member").order_by(
        "grade", "deadline", "pk"
    )


def office_rules() -> QuerySet[WarningRule]:
    return WarningRule.objects.select_related("office").order_by("office__order", "order", "pk")


def last_run() -> EvaluationRun | None:
    return EvaluationRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()


def household_units(household: Household) -> QuerySet[MemberUnit]:
    """The units a warning on ``household`` may be given to: the active units of its
    group, the town or subdistrict whose name has the household's town first."""
    return MemberUnit.objects.filter(group_id=household.office_id, active=True).order_by(
        "order", "pk"
    )


def suggested_unit(household: Household, units) -> MemberUnit | None:
    """The town or subdistrict whose name holds the household's (大栅栏街道 →
    大栅栏街道办事处), if any."""
    town = household.town.strip()
    kinds = {MemberUnit.Kind.SUBDISTRICT, MemberUnit.Kind.TOWNSHIP}
    for unit in units:
        if unit.kind in kinds and town and (town in unit.name or unit.name in town):
            return unit
    return None


# --- Where a point came from -------------------------------------------------------------------


@dataclass
class Source:
    """A record a warning or a point came from, as the office reads it."""

    kind: str
    text: str
    url: str = ""


def _records(ids) -> dict:
    rows = RegistryRecord.objects.filter(pk__in=ids).select_related("snapshot__unit", "item")
    return {
        r.pk: Source(
            _("Registry extract"),
            _("%(unit)s, extract of %(date)s: %(item)s %(details)s")
            % {
                "unit": r.snapshot.unit.name,
                "date": r.snapshot.taken_on.isoformat(),
                "item": r.item.name,
                "details": " ".join(filter(None, [r.details, _amount(r.amount)])),
            },
        )
        for r in rows
    }


def _findings(ids) -> dict:
    rows = Finding.objects.filter(pk__in=ids).select_related(
        "department_check__unit", "department_check__request", "item"
    )
    return {
        f.pk: Source(
            _("Verification finding"),
            _("%(unit)s found %(item)s: %(details)s")
            % {
                "unit": f.department_check.unit.name,
                "item": f.item.name,
                "details": " ".join(filter(None, [f.details, _amount(f.amount)])),
            },
            f.department_check.request.get_absolute_url(),
        )
        for f in rows
    }


def _requests(ids) -> dict:
    rows = VerificationRequest.objects.filter(pk__in=ids)
    return {
        r.pk: Source(
            _("Verification request"),
            _("Verification request %(pk)s, completed %(date)s")
            % {"pk": r.pk, "date": r.completed_at.date().isoformat() if r.completed_at else ""},
            r.get_absolute_url(),
        )
        for r in rows
    }


def _members(ids) -> dict:
    rows = HouseholdMember.objects.filter(pk__in=ids)
    return {
        m.pk: Source(
            _("The register"),
            _("%(name)s (%(id)s), born %(born)s")
            % {
                "name": m.name,
                "id": mask_id_number(m.id_number),
                "born": m.birth_date.isoformat() if m.birth_date else "",
            },
            reverse("verification:household_detail", kwargs={"pk": m.household_id}),
        )
        for m in rows
    }


def _amount(amount) -> str:
    return _("%(amount)s yuan") % {"amount": f"{amount:,.2f}"} if amount is not None else ""


READERS = {
    RegistryRecord: _records,
    Finding: _findings,
    VerificationRequest: _requests,
    HouseholdMember: _members,
}


def sources(rows) -> dict[tuple[int, int], Source]:
    """{(content type, key): Source} of the rows' records (anything with ``source_type_id``
    and ``source_id``): one query per kind of record, whatever their number."""
    wanted: dict[int, set] = defaultdict(set)
    for row in rows:
        if row.source_type_id and row.source_id:
            wanted[row.source_type_id].add(row.source_id)
    found = {}
    for model, read in READERS.items():
        type_id = ContentType.objects.get_for_model(model).pk
        if wanted.get(type_id):
            for key, source in read(wanted[type_id]).items():
                found[(type_id, key)] = source
    return found


@dataclass
class HouseholdScore:
    """A household's score; each contribution carries ``source``, the record it came
    from (None for a record since removed)."""

    household: Household
    points: Decimal
    computed_at: object
    contributions: list
    members: list
    warnings: list


def household_score(household: Household) -> HouseholdScore:
    """A household's score, each point with the indicator and the record it came from."""
    score = HardshipScore.objects.filter(household=household).first()
    contributions = list(
        ScoreContribution.objects.filter(household=household)
        .select_related("indicator", "member")
        .order_by("indicator__kind", "pk")
    )
    warnings = list(
        EarlyWarning.objects.filter(household=household)
        .select_related("rule", "member", "assigned_unit")
        .filter(Q(status__in=EarlyWarning.OPEN) | Q(application__isnull=False))
        .order_by("grade", "-raised_at")
    )
    found = sources(contributions)
    for contribution in contributions:
        contribution.source = found.get((contribution.source_type_id, contribution.source_id))
    return HouseholdScore(
        household=household,
        points=score.points if score else Decimal("0"),
        computed_at=score.computed_at if score else None,
        contributions=contributions,
        members=list(household.members.order_by("pk")),
        warnings=warnings,
    )
