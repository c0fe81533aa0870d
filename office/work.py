"""The "my work" list of each role's home page: what waits for the user, with a count and a
link to where it is done. The project shell is the only layer that knows every app, so the
list is assembled here from each app's selectors; each role's list costs a fixed number of
queries, however much waits."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance.roles import Role
from intake import permissions as intake_permissions
from intake import selectors as intake_selectors
from meetings import selectors as meeting_selectors
from verification import selectors as verification_selectors


@dataclass
class Work:
    """One kind of work waiting: ``count`` of it, done at ``url`` (empty when none waits
    and there is no list to go to); ``urgent`` work (overdue) is shown in red."""

    key: str
    label: str
    count: int
    url: str = ""
    urgent: bool = False


def _url(name: str, pk=None, query: str = "") -> str:
    url = reverse(name, kwargs={"pk": pk}) if pk is not None else reverse(name)
    return f"{url}?{query}" if query else url


def _first(name: str, pk) -> str:
    """The page of the oldest waiting object, where no list page gathers them."""
    return _url(name, pk) if pk is not None else ""


def _office_verification(summary: dict) -> list[Work]:
    return [
        Work(
            "questions",
            _("Questions from departments to reply to"),
            summary["returned"],
            _url("verification:request_list", query="status=submitted"),
        ),
        Work(
            "checks-overdue",
            _("Verification checks past their deadline"),
            summary["overdue"],
            _url("verification:overdue_list"),
            urgent=True,
        ),
    ]


def clerk_work(summary: dict) -> list[Work]:
    """The clerk: departments' questions, households due for re-check, applications to
    answer, overdue checks and referrals."""
    intake = intake_selectors.office_work()
    return [
        *_office_verification(summary),
        Work(
            "recheck",
            _("Households due for their re-check"),
            verification_selectors.households_due_count(),
            _url("verification:batch_create"),
        ),
        Work(
            "applications",
            _("Applications to answer (every referral closed)"),
            intake["applications_to_answer"],
            _url("intake:application_list", query="status=closed"),
        ),
        Work(
            "referrals-overdue",
            _("Overdue referrals"),
            intake["referrals_overdue"],
            _url("intake:application_list", query="overdue=on"),
            urgent=True,
        ),
    ]


def director_work(summary: dict) -> list[Work]:
    """The director: agenda items and minutes to review, overdue checks, decisions
    reported done and overdue."""
    meetings = meeting_selectors.director_work(timezone.localdate())
    return [
        Work(
            "items-review",
            _("Agenda items to review"),
            meetings["items_to_review"],
            _first("meetings:item_detail", meetings["item"]),
        ),
        Work(
            "minutes-review",
            _("Minutes to review"),
            meetings["minutes_to_review"],
            _first("meetings:minutes_detail", meetings["minutes"]),
        ),
        *_office_verification(summary),
        Work(
            "decisions-done",
            _("Decisions reported done, to close or send back"),
            meetings["decisions_reported_done"],
            _url("meetings:followup", query="status=reported_done"),
        ),
        Work(
            "decisions-overdue",
            _("Overdue decisions"),
            meetings["decisions_overdue"],
            _url("meetings:followup", query="overdue=on"),
            urgent=True,
        ),
    ]


def convener_work(user) -> list[Work]:
    """The convener: agendas to approve and minutes to sign, of the groups they convene."""
    meetings = meeting_selectors.convener_work(user)
    return [
        Work(
            "agenda-approve",
            _("Agenda items waiting for your approval"),
            meetings["items_to_approve"],
            _first("meetings:meeting_detail", meetings["item_meeting"]),
        ),
        Work(
            "minutes-sign",
            _("Minutes waiting for your signature"),
            meetings["minutes_to_sign"],
            _first("meetings:minutes_detail", meetings["minutes"]),
        ),
    ]


def _snapshot_work(unit) -> list[Work]:
    due = verification_selectors.snapshot_due(unit)
    if due is None:  # the unit does not answer from registry extracts
        return []
    return [
        Work(
            "snapshot",
            _("Registry extract to upload (due %(date)s)") % {"date": due["due_on"].isoformat()},
            int(due["due"]),
            _url("verification:snapshot_list"),
            urgent=due["due_on"] <= timezone.localdate(),
        )
    ]


def liaison_work(user, unit, checks: dict) -> list[Work]:
    """The liaison, for their unit: checks to answer, referrals, minutes to consent to or
    acknowledge, decisions to report on, registry extracts due."""
    meetings = meeting_selectors.liaison_work(unit, timezone.localdate())
    referrals = intake_selectors.liaison_work(intake_permissions.referrals_for_liaison(user))
    return [
        Work(
            "checks", _("Verification checks to answer"), checks["open"], _url("verification:inbox")
        ),
        Work(
            "checks-overdue",
            _("Verification checks past their deadline"),
            checks["overdue"],
            _url("verification:inbox"),
            urgent=True,
        ),
        Work(
            "referrals",
            _("Referrals to sign for or work on"),
            referrals["to_sign"] + referrals["in_progress"],
            _url("intake:inbox"),
            urgent=bool(referrals["overdue"]),
        ),
        Work(
            "minutes-consent",
            _("Minutes to consent to"),
            meetings["minutes_to_consent"],
            _first("meetings:minutes_detail", meetings["consent_minutes"]),
        ),
        Work(
            "minutes-acknowledge",
            _("Issued minutes to acknowledge"),
            meetings["minutes_to_acknowledge"],
            _first("meetings:minutes_detail", meetings["receipt_minutes"]),
        ),
        Work(
            "decisions",
            _("Decisions to report progress on"),
            meetings["decisions_to_report"],
            _url("meetings:followup"),
            urgent=bool(meetings["decisions_overdue"]),
        ),
        *_snapshot_work(unit),
    ]


def work_for(role, user, context: dict) -> list[Work] | None:
    """The "my work" list of ``role``'s home (None for roles with no such work)."""
    if role == Role.OFFICE_CLERK:
        return clerk_work(context["verification"])
    if role == Role.OFFICE_DIRECTOR:
        return director_work(context["verification"])
    if role == Role.CONVENER:
        return convener_work(user)
    if role == Role.UNIT_LIAISON and context.get("unit") is not None:
        return liaison_work(user, context["unit"], context["checks"])
    return None
