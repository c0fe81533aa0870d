"""Who may see what of the ledger: one gateway per object kind; outsiders get 404, never a
hint that something exists.

An entry is its unit's: the unit's active liaisons see, correct and end it (another
unit's entry is 404 to them). The office (its clerks and director) reads every entry, the
household picture (everything every unit gives a household, now and before) and the
lists of conflicts; these are the office's only. A unit's monthly files are its liaisons'
and the office's; each download is logged, as is a liaison's look-up of a person by full
ID number.
"""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext_noop

from assistance.files import file_response
from assistance.idnumbers import mask_id_number
from assistance.models import AccessLog
from assistance.notices import notice
from assistance.services import access_log_record
from intake.permissions import acts_for
from members.models import Liaison, MemberUnit
from verification.models import Household, HouseholdMember
from verification.permissions import get_unit_for_liaison as get_unit_for_liaison
from verification.permissions import is_office, require_office

from .models import LedgerEntry, LedgerImport

__all__ = [
    "entries_for_user",
    "get_entry_for_user",
    "get_entry_to_change",
    "get_household_for_office",
    "get_import_for_user",
    "get_unit_for_liaison",
    "household_by_id_number",
    "is_office",
    "keeps",
    "member_for_unit",
    "require_office",
]


def _liaison_of(user, unit_ref: str = "unit_id"):
    return Exists(Liaison.objects.filter(unit_id=OuterRef(unit_ref), user=user, active=True))


def entries_for_user(user) -> QuerySet[LedgerEntry]:
    """Every entry for the office; the entries of the units ``user`` is an active liaison
    of; none for anyone else."""
    if not getattr(user, "is_authenticated", False):
        return LedgerEntry.objects.none()
    if is_office(user):
        return LedgerEntry.objects.all()
    return LedgerEntry.objects.filter(_liaison_of(user))


def get_entry_for_user(user, pk) -> LedgerEntry:
    """One entry ``user`` may read, else 404."""
    found = (
        entries_for_user(user)
        .select_related("unit", "program", "household", "member", "referral__application")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def get_entry_to_change(user, pk) -> LedgerEntry:
    """One entry of the unit ``user`` is a liaison of, to correct or end; 404 for the
    office (which reads, never writes, a unit's ledger) and everyone else."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    found = (
        LedgerEntry.objects.filter(_liaison_of(user))
        .select_related("unit", "program", "household", "member")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def keeps(user, entry: LedgerEntry) -> bool:
    """Whether ``user`` keeps the entry's unit's ledger (corrects and ends its entries)."""
    return acts_for(user, entry.unit_id)


def get_household_for_office(user, pk) -> Household:
    """A household's picture is the office's only."""
    require_office(user)
    found = Household.objects.select_related("office").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_import_for_user(user, pk) -> LedgerImport:
    """A monthly file for the office or an active liaison of its unit; else 404."""
    imports = LedgerImport.objects.select_related("unit", "uploaded_by")
    if not is_office(user):
        if not getattr(user, "is_authenticated", False):
            raise Http404
        imports = imports.filter(_liaison_of(user))
    found = imports.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _looked_up(user, members, id_number: str, description, path: str):
    """The member of ``members`` with this full ID number (of the household most
    recently registered, if several), or None; the search is logged, found or not."""
    member = (
        members.filter(id_number=id_number)
        .select_related("household")
        .order_by("-household__created_at", "-pk")
        .first()
    )
    access_log_record(
        user=user,
        obj=member or user,
        purpose=AccessLog.Purpose.LEDGER,
        action=AccessLog.Action.SEARCH,
        description=description,
        path=path,
    )
    return member


def member_for_unit(user, unit: MemberUnit, id_number: str, *, path: str = ""):
    """A liaison's look-up, to record assistance: the member of a household registered
    with ``unit``'s group who has this full ID number, or None."""
    members = HouseholdMember.objects.filter(household__office_id=unit.group_id)
    description = notice(
        gettext_noop("Ledger: look-up of ID number %(masked)s by %(unit)s"),
        masked=mask_id_number(id_number),
        unit=unit.name,
    )
    return _looked_up(user, members, id_number, description, path)


def household_by_id_number(user, id_number: str, *, path: str = "") -> Household | None:
    """The office's look-up of a household's picture by a member's full ID number."""
    require_office(user)
    description = notice(
        gettext_noop("Ledger: household picture looked up by ID number %(masked)s"),
        masked=mask_id_number(id_number),
    )
    member = _looked_up(user, HouseholdMember.objects.all(), id_number, description, path)
    return member.household if member else None


def import_file_response(request, ledger_import: LedgerImport) -> FileResponse:
    """The uploaded file of an import the gateway gave ``request.user``, logged: it holds
    full ID numbers and amounts."""
    suffix = ledger_import.file.name.rsplit(".", 1)[-1].lower()
    return file_response(
        request,
        ledger_import.file,
        filename=f"ledger-{ledger_import.unit.code}-{ledger_import.month:%Y%m}"
        f"-{ledger_import.pk}.{suffix}",
        obj=ledger_import,
        purpose=AccessLog.Purpose.LEDGER,
        description=notice(
            gettext_noop("Ledger file #%(pk)s of %(unit)s (%(month)s)"),
            pk=ledger_import.pk,
            unit=ledger_import.unit.name,
            month=f"{ledger_import.month:%Y-%m}",
        ),
    )
