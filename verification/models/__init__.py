"""Household economic-status verification (居民家庭经济状况核对).

A clerk registers a household and its members and records each member's signed
authorisation (授权书). A request for the household then fans out into one
``DepartmentCheck`` per department, each answered (by the department's liaison) with one
``Finding`` per member and item the department checks. The request completes when its last
check is answered, decided in the database.

The models live in five modules by job (``register``, ``requests``, ``snapshots``,
``reports``, ``changes``); every name is importable from ``verification.models`` as before.
"""

from .changes import BatchComparison, BatchHouseholdChanges
from .register import (
    ADULT_AGE,
    AssistanceType,
    Authorization,
    Household,
    HouseholdMember,
    authorization_date_errors,
    authorization_upload_to,
)
from .reports import ReportNumberSeries, ReportReference
from .requests import (
    BatchTask,
    DepartmentCheck,
    DepartmentCheckGroupObjectPermission,
    Finding,
    ItemMeaning,
    VerificationBatch,
    VerificationItem,
    VerificationRequest,
)
from .snapshots import RegistryRecord, RegistrySnapshot, UnitConnector, snapshot_upload_to

__all__ = [
    "BatchComparison",
    "BatchHouseholdChanges",
    "BatchTask",
    "ADULT_AGE",
    "AssistanceType",
    "Household",
    "HouseholdMember",
    "authorization_upload_to",
    "Authorization",
    "authorization_date_errors",
    "ItemMeaning",
    "VerificationItem",
    "VerificationBatch",
    "VerificationRequest",
    "DepartmentCheck",
    "DepartmentCheckGroupObjectPermission",
    "Finding",
    "UnitConnector",
    "snapshot_upload_to",
    "RegistrySnapshot",
    "RegistryRecord",
    "ReportNumberSeries",
    "ReportReference",
]
