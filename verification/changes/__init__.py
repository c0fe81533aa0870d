"""What changed since each household's previous verification: the comparison itself
(``compare``, a read-only selector) and a batch's comparison kept in the database for its
page (``stored``)."""

from .compare import (
    Change,
    ChangeKind,
    HouseholdChanges,
    MemberChanges,
    MemberStatus,
    batch_changes,
    compare_requests,
    household_changes,
)
from .stored import BatchChanges, batch_changes_compute, batch_changes_warm, stored_batch_changes

__all__ = [
    "BatchChanges",
    "Change",
    "ChangeKind",
    "HouseholdChanges",
    "MemberChanges",
    "MemberStatus",
    "batch_changes",
    "batch_changes_compute",
    "batch_changes_warm",
    "compare_requests",
    "household_changes",
    "stored_batch_changes",
]
