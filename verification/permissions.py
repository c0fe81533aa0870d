"""Who may see what of verification: the one gateway per object kind, and the one door to
personal data.

Households, members, authorisations, requests, batches and reports are the office's:
clerks and the office director see them. A check is also its department's: every active
liaison of its unit sees and answers it (a rule on the unit, not rows per check). A
registry snapshot is its unit's liaisons' and the office's. Everyone else gets 404, never
a hint that it exists.

Reading personal data in full (full ID numbers, a search by one, a scan, a registry
extract, a report or an export, a batch's changes) goes through a function here that
writes the access log as it hands the data over, so no page shows it without a trace.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext_noop

from assistance.files import file_response
from assistance.idnumbers import mask_id_number
from assistance.models import AccessLog
from assistance.notices import notice
from assistance.roles import Role, has_role
from assistance.services import access_log_record
from members.models import Liaison, MemberUnit
from members.selectors import liaison_unit

from .changes import BatchChanges, stored_batch_changes
from .models import (
    Authorization,
    DepartmentCheck,
    Household,
    HouseholdMember,
    RegistrySnapshot,
    VerificationBatch,
    VerificationRequest,
)
from .report import Report, build_report

OFFICE_ROLES = (Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR)
# An ID number belongs to a handful of households at most; this only bounds the log.
ID_SEARCH_LOGGED = 50


# --- Who is who -------------------------------------------------------------------------------


def is_office(user) -> bool:
    return has_role(user, *OFFICE_ROLES)


def require_office(user) -> None:
    if not is_office(user):
        raise Http404


def get_unit_for_liaison(user) -> MemberUnit:
    """The unit the user is an active liaison of; 404 for anyone else."""
    unit = liaison_unit(user)
    if unit is None:
        raise Http404
    return unit


def _active_liaison_of(user, unit_ref: str):
    """EXISTS: the user is an active liaison of the unit at ``unit_ref``."""
    return Exists(Liaison.objects.filter(unit_id=OuterRef(unit_ref), user=user, active=True))


# --- Gateways: one object for one user, or 404 ------------------------------------------------


def get_household_for_user(user, pk) -> Household:
    require_office(user)
    try:
        return Household.objects.select_related("office").get(pk=pk)
    except Household.DoesNotExist:
        raise Http404 from None


def get_member_for_user(user, household_pk, pk) -> HouseholdMember:
    """A member of the household ``household_pk`` (which comes along), for the office; 404
    for anyone else, and for a member of another household."""
    require_office(user)
    try:
        return HouseholdMember.objects.select_related("household__office").get(
            pk=pk, household_id=household_pk
        )
    except HouseholdMember.DoesNotExist:
        raise Http404 from None


def get_request_for_user(user, pk) -> VerificationRequest:
    require_office(user)
    try:
        return VerificationRequest.objects.select_related("household__office", "requested_by").get(
            pk=pk
        )
    except VerificationRequest.DoesNotExist:
        raise Http404 from None


def get_batch_for_user(user, pk) -> VerificationBatch:
    """A batch for the office; 404 for anyone else."""
    require_office(user)
    try:
        return VerificationBatch.objects.select_related("office", "created_by").get(pk=pk)
    except VerificationBatch.DoesNotExist:
        raise Http404 from None


def checks_for_liaison(user, perm: str = "verification.answer_departmentcheck"):
    """The checks of every unit the user is an ACTIVE liaison of, however they were
    answered (by hand, from a snapshot in a batch chunk or alone): a rule, not permission
    rows per check, so the batch writes none and never leaves its own unit's liaison
    locked out. ``perm`` is kept for callers; liaisons view and answer the same checks."""
    if not getattr(user, "is_authenticated", False):
        return DepartmentCheck.objects.none()
    return DepartmentCheck.objects.filter(_active_liaison_of(user, "unit_id"))


def checks_for_unit(unit: MemberUnit) -> QuerySet[DepartmentCheck]:
    """The checks of ``unit``: what a department's own system, bound to that unit by its
    API client, may read and answer (the same rows its liaisons have)."""
    return DepartmentCheck.objects.filter(unit=unit)


def _one_or_404(queryset: QuerySet, pk):
    """The row ``pk`` of ``queryset``, else 404 (whether it exists elsewhere or not)."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_check_for_unit(unit: MemberUnit, pk) -> DepartmentCheck:
    """One check of ``unit``, else 404: another unit's check does not exist for it."""
    return _one_or_404(checks_for_unit(unit).select_related("request__household"), pk)


def answers_check(user, check: DepartmentCheck) -> bool:
    """Whether the user answers this check, i.e. is an active liaison of its unit."""
    return checks_for_liaison(user).filter(pk=check.pk).exists()


def get_check_for_user(user, pk, *, perm: str = "view") -> DepartmentCheck:
    """A check for the office, or for a liaison of its unit; 404 for anyone else.
    ``perm`` is 'view' (the office or the unit's liaisons), 'answer' (the unit's liaisons
    only) or 'reply' (the office only: it replies to a department's question)."""
    if perm == "reply":
        require_office(user)
        queryset = DepartmentCheck.objects.all()
    elif perm == "view" and is_office(user):
        queryset = DepartmentCheck.objects.all()
    else:
        queryset = checks_for_liaison(user)
    try:
        return queryset.select_related("unit", "request__household", "answered_by").get(pk=pk)
    except DepartmentCheck.DoesNotExist:
        raise Http404 from None


def hosts_office(unit: MemberUnit) -> bool:
    """Whether ``unit`` hosts a group's office (``LeadingGroup.office_host_unit``, e.g.
    the civil affairs bureau): the office is not a unit of its own, so its own system is
    an API client of the unit that hosts it."""
    return unit.hosted_offices.exists()


def requests_for_office_unit(unit: MemberUnit) -> QuerySet[VerificationRequest]:
    """The verification requests of the groups whose office ``unit`` hosts: what the
    office's own system may follow (status only: the findings stay on the office's pages)."""
    return VerificationRequest.objects.filter(household__office__office_host_unit=unit)


def get_request_for_office_unit(unit: MemberUnit, pk) -> VerificationRequest:
    """One request of the office ``unit`` hosts, else 404."""
    return _one_or_404(requests_for_office_unit(unit), pk)


def get_authorization_for_user(user, pk) -> Authorization:
    """An authorisation (and its scan) for the office; 404 for anyone else."""
    require_office(user)
    try:
        return Authorization.objects.select_related("member").get(pk=pk)
    except Authorization.DoesNotExist:
        raise Http404 from None


def get_snapshot_for_user(user, pk) -> RegistrySnapshot:
    """A registry snapshot (imported, refused or being checked) for the office or an
    active liaison of its unit; 404 for anyone else, another unit's liaison included."""
    snapshots = RegistrySnapshot.objects.select_related("unit")
    if not is_office(user):
        if not getattr(user, "is_authenticated", False):
            raise Http404
        snapshots = snapshots.filter(_active_liaison_of(user, "unit_id"))
    try:
        return snapshots.get(pk=pk)
    except RegistrySnapshot.DoesNotExist:
        raise Http404 from None


def snapshots_for_unit(unit: MemberUnit) -> QuerySet[RegistrySnapshot]:
    """The registry snapshots ``unit`` uploaded: what its own system, bound to it by its
    API client, may follow (the same rows its liaisons have)."""
    return RegistrySnapshot.objects.filter(unit=unit)


def get_snapshot_for_unit(unit: MemberUnit, pk) -> RegistrySnapshot:
    """One of ``unit``'s snapshots, else 404: another unit's does not exist for it."""
    return _one_or_404(snapshots_for_unit(unit), pk)


# --- Reveals: personal data in full, each written to the access log ---------------------------


def search_households_by_id(user, households: QuerySet, number: str, *, path: str) -> QuerySet:
    """``households`` narrowed to those with a member of the full ID number ``number``.
    The search is a read of personal data: one access-log entry per household found (or,
    when none is, one on the searching account, so a probe for who is registered leaves a
    trace too). The number is described masked, never in full."""
    require_office(user)
    found = households.filter(
        Exists(HouseholdMember.objects.filter(household=OuterRef("pk"), id_number=number))
    )
    description = notice(
        gettext_noop("Search by full ID number %(masked)s"), masked=mask_id_number(number)
    )
    ids = list(found.values_list("pk", flat=True)[:ID_SEARCH_LOGGED])
    for subject in list(Household.objects.filter(pk__in=ids)) or [user]:
        access_log_record(
            user=user,
            obj=subject,
            purpose=AccessLog.Purpose.REGISTRATION,
            description=description,
            path=path,
            action=AccessLog.Action.SEARCH,
        )
    return found


def reveal_member_ids(user, members, *, purpose: str, path: str) -> str:
    """Let the office see these members' full ID numbers for ``purpose``: one access-log
    entry per member, then the purpose's label, which the page shows above the numbers
    (and without which it shows them masked)."""
    require_office(user)
    for member in members:
        access_log_record(
            user=user,
            obj=member,
            purpose=purpose,
            description=notice(
                gettext_noop("ID number of member #%(pk)s (%(masked)s)"),
                pk=member.pk,
                masked=member.masked_id,
            ),
            path=path,
        )
    return AccessLog.Purpose(purpose).label


@dataclass(frozen=True)
class CheckAccess:
    """What one user may do and see on one check's page."""

    answers: bool  # a liaison of the check's unit: answers, corrects, returns it
    full_ids: bool  # sees full ID numbers (of the members in ``full_id_members``; logged)
    office: bool
    full_id_members: frozenset[int] = frozenset()


def _authorised_members(check: DepartmentCheck, members) -> frozenset[int]:
    """Those of ``members`` whose signed authorisation covers the check's request (the
    day it was filed): a department looks up only the people who consented to it."""
    filed = timezone.localdate(check.request.submitted_at)
    return frozenset(
        Authorization.objects.filter(
            member__in=[m.pk for m in members], signed_on__lte=filed, valid_until__gte=filed
        ).values_list("member_id", flat=True)
    )


def reveal_check_ids(reader, check: DepartmentCheck, members, *, path: str) -> frozenset[int]:
    """Hand the check's department (``reader``: its liaison, or the account of its system
    calling the API; the caller has made sure it is the check's unit) the full ID numbers
    it needs to look the members up in its registry: those of the members whose
    authorisation covers the request, none on a cancelled check. The view is logged, one
    entry naming the members by masked numbers only. Returns the members' pks shown in
    full; the others are shown masked."""
    if check.status == DepartmentCheck.Status.CANCELLED or not members:
        return frozenset()
    shown = _authorised_members(check, members)
    if shown:
        access_log_record(
            user=reader,
            obj=check.request.household,
            purpose=AccessLog.Purpose.VERIFICATION,
            description=notice(
                gettext_noop(
                    "ID numbers of the members of household #%(household)s on check %(pk)s "
                    "(%(ids)s)"
                ),
                household=check.request.household_id,
                pk=check.pk,
                ids=", ".join(m.masked_id for m in members if m.pk in shown),
            ),
            path=path,
        )
    return shown


def open_check(user, check: DepartmentCheck, members, *, path: str) -> CheckAccess:
    """The user's access to the check's page. Only the unit's liaisons look people up in
    their registry, so only they see full ID numbers (``reveal_check_ids``)."""
    answers = answers_check(user, check)
    shown = reveal_check_ids(user, check, members, path=path) if answers else frozenset()
    return CheckAccess(
        answers=answers, full_ids=bool(shown), office=is_office(user), full_id_members=shown
    )


def download_authorization_scan(request, pk) -> FileResponse:
    """An authorisation's scan, for the office only, never through a public URL; each
    download is logged."""
    authorization = get_authorization_for_user(request.user, pk)
    member = authorization.member
    suffix = authorization.scan.name.rsplit(".", 1)[-1].lower()
    return file_response(
        request,
        authorization.scan,
        filename=f"authorization-{authorization.pk}.{suffix}",
        obj=authorization,
        purpose=AccessLog.Purpose.REVIEW,
        description=notice(
            gettext_noop("Authorisation scan of member #%(pk)s (%(masked)s)"),
            pk=member.pk,
            masked=member.masked_id,
        ),
    )


def download_snapshot(request, pk) -> FileResponse:
    """The uploaded file of a snapshot, for its unit's liaisons and the office. Each
    download is logged: the file holds full ID numbers and amounts."""
    snapshot = get_snapshot_for_user(request.user, pk)
    suffix = snapshot.file.name.rsplit(".", 1)[-1].lower()
    return file_response(
        request,
        snapshot.file,
        filename=f"registry-snapshot-{snapshot.unit.code}-{snapshot.taken_on:%Y%m%d}"
        f"-{snapshot.pk}.{suffix}",
        obj=snapshot,
        purpose=AccessLog.Purpose.VERIFICATION,
        description=notice(
            gettext_noop("Registry snapshot #%(pk)s of %(unit)s (extract of %(date)s)"),
            pk=snapshot.pk,
            unit=snapshot.unit.name,
            date=snapshot.taken_on.isoformat(),
        ),
    )


# How each read of a report is described in the access log, and as what action.
_REPORT_READS = {
    "": (gettext_noop("Verification report of request #%(pk)s"), AccessLog.Action.VIEW),
    "docx": (
        gettext_noop("Verification report of request #%(pk)s (Word export)"),
        AccessLog.Action.EXPORT,
    ),
    "xlsx": (
        gettext_noop("Verification report of request #%(pk)s (Excel export)"),
        AccessLog.Action.EXPORT,
    ),
}


def read_report(user, pk, *, path: str, export: str = "") -> Report:
    """The verification report of request ``pk`` for the office: to read (``export``
    empty) or to export ("docx", "xlsx"). The findings are personal data: each read is
    logged like a full ID number."""
    what, action = _REPORT_READS[export]
    verification_request = get_request_for_user(user, pk)
    report = build_report(verification_request)
    access_log_record(
        user=user,
        obj=verification_request,
        purpose=AccessLog.Purpose.REVIEW,
        description=notice(what, pk=verification_request.pk),
        path=path,
        action=action,
    )
    return report


def read_batch_changes(user, pk, *, path: str) -> tuple[VerificationBatch, BatchChanges]:
    """What changed since each household's previous verification in batch ``pk``, for the
    office. The findings are personal data: each read is logged."""
    batch = get_batch_for_user(user, pk)
    changes = stored_batch_changes(batch)
    access_log_record(
        user=user,
        obj=batch,
        purpose=AccessLog.Purpose.REVIEW,
        description=notice(
            gettext_noop("Changes since the previous verification, batch #%(pk)s"), pk=batch.pk
        ),
        path=path,
    )
    return batch, changes


def export_household_ids(user, *, purpose: str, count: int, filters: str, path: str) -> None:
    """Let the office export the household list with the applicants' full ID numbers for
    ``purpose``: one access-log entry (an export) naming how many households and which
    filters, never a number. Without it, an export shows the numbers masked."""
    require_office(user)
    access_log_record(
        user=user,
        obj=user,
        purpose=purpose,
        description=notice(
            gettext_noop("Household list exported with full ID numbers: %(count)d (%(filters)s)"),
            count=count,
            filters=filters or "—",
        ),
        path=path,
        action=AccessLog.Action.EXPORT,
    )
