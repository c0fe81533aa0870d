"""What the ledger's services share: their error, who may write a unit's ledger, and the
check of the rules on the entries a change touched, told to the office."""

from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assistance.notices import Notice, notice
from assistance.services import notify
from intake.base import directors
from intake.permissions import acts_for
from members.models import MemberUnit

from . import conflicts


class LedgerError(Exception):
    """A rule refused the action; ``message`` says why, in the user's language, and
    ``field`` names the input at fault where there is one."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message, self.field = message, field


def require_unit(actor, unit: MemberUnit) -> None:
    """Only the unit's own liaisons (or its system) write its ledger."""
    if not acts_for(actor, unit):
        raise LedgerError(_("Only the unit's liaisons keep its ledger."))


@dataclass
class Found:
    """On how many rows of the office's lists the entries a change touched now are."""

    duplicates: int = 0
    deaths: int = 0

    @property
    def any(self) -> bool:
        return bool(self.duplicates or self.deaths)


def check_entries(entry_ids) -> Found:
    """The rules checked on ``entry_ids`` (one statement per list, whatever their number)."""
    ids = list(entry_ids)
    return Found(
        duplicates=conflicts.count("duplicates", entry_ids=ids),
        deaths=conflicts.count("deaths", entry_ids=ids),
    )


def tell_office(found: Found, what: Notice) -> None:
    """The office director learns, after the commit, of a change that broke a rule."""
    if not found.any:
        return
    message = notice(
        gettext_noop(
            "%(what)s: conflicts between programmes %(duplicates)d, entries for a person "
            "recorded as dead %(deaths)d. See the ledger's lists."
        ),
        what=what,
        duplicates=found.duplicates,
        deaths=found.deaths,
    )
    users = directors()
    url = reverse("ledger:conflicts")
    transaction.on_commit(lambda: notify(users=users, message=message, url=url))
