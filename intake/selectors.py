"""Reads of intake for the pages: lists with a fixed number of queries whatever their
length, an application's referrals and timeline, and the possible duplicates of a new
application. What a user may see at all is decided first by ``intake.permissions``."""

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from assistance.idnumbers import normalize_id_number
from meetings.models import AgendaItem, Minutes
from meetings.selectors import minutes_decisions
from verification.models import Household, HouseholdMember, VerificationRequest

from .models import Application, ApplicationEvent, Referral


@dataclass
class Duplicates:
    applications: list = field(default_factory=list)
    households: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.applications or self.households)


def possible_duplicates(*, id_number: str = "", name: str = "", birth_date=None) -> Duplicates:
    """Open applications anywhere, and registered households, that may be the same person:
    by the normalised ID number, or by name and date of birth when there is no number."""
    number = normalize_id_number(id_number) if id_number else ""
    open_apps = Application.objects.filter(status__in=Application.OPEN_STATUSES)
    if number:
        apps = open_apps.filter(applicant_id_number=number)
        members = HouseholdMember.objects.filter(id_number=number)
    elif name and birth_date:
        apps = open_apps.filter(applicant_name=name.strip(), applicant_birth_date=birth_date)
        members = HouseholdMember.objects.annotate(born=Substr("id_number", 7, 8)).filter(
            name=name.strip(), born=birth_date.strftime("%Y%m%d")
        )
    else:
        return Duplicates()
    households = Household.objects.filter(pk__in=members.values("household_id"))
    return Duplicates(
        applications=list(apps.order_by("-received_at")[:20]),
        households=list(households.order_by("pk")[:20]),
    )


def application_rows(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """``queryset`` (already filtered by the gateway) ready for a list: its office and
    receiving clerk joined, its referrals counted (all, open, overdue), its programmes
    prefetched. Two queries whatever the length."""
    active = Q(referrals__status__in=Referral.ACTIVE_STATUSES)
    return (
        queryset.select_related("office", "received_by")
        .prefetch_related("programs")
        .annotate(
            referral_count=Count("referrals", distinct=True),
            open_referral_count=Count("referrals", filter=active, distinct=True),
            overdue_referral_count=Count(
                "referrals", filter=active & Q(referrals__overdue=True), distinct=True
            ),
        )
    )


def referral_rows(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    """``queryset`` (already filtered by the gateway) ready for a list: its application
    and unit joined, overdue first, then by deadline. One query whatever the length."""
    return queryset.select_related("application", "unit", "signed_by").order_by(
        "-overdue", "deadline", "pk"
    )


def application_referrals(application: Application) -> list[Referral]:
    """The application's referrals, oldest first, with their units and people."""
    return list(
        application.referrals.select_related(
            "unit", "signed_by", "closed_by", "outcome_program", "verification_request"
        ).order_by("created_at", "pk")
    )


def application_timeline(application: Application) -> list[ApplicationEvent]:
    """The application's timeline, oldest first, with who did what and for which unit."""
    return list(application.events.select_related("actor", "referral__unit").order_by("at", "pk"))


def referral_timeline(referral: Referral) -> list[ApplicationEvent]:
    """The events of one referral, oldest first, with who did what: what its unit sees of
    the timeline, on its page and through the API."""
    return list(referral.events.select_related("actor", "referral__unit").order_by("at", "pk"))


def application_attachments(application: Application) -> list:
    return list(application.attachments.select_related("uploaded_by").order_by("uploaded_at", "pk"))


@dataclass
class AgendaFollowUp:
    """Where a case put on a joint meeting's agenda (一事一议) stands: the item with its
    meeting, and the meeting's decisions once its minutes are issued."""

    item: AgendaItem
    decisions: list = field(default_factory=list)
    minutes_issued: bool = False
    # Whether the minutes name the decisions that settle this very case; when they do not,
    # every decision of the meeting is shown for the office to read.
    settled: bool = False


def application_agenda(application: Application) -> AgendaFollowUp | None:
    """The application's agenda item and meeting, and the decisions of the meeting's
    issued minutes; None when the application is on no agenda."""
    if application.agenda_item_id is None:
        return None
    item = AgendaItem.objects.select_related("meeting").get(pk=application.agenda_item_id)
    minutes = Minutes.objects.filter(meeting_id=item.meeting_id).first()
    if minutes is None or minutes.status != Minutes.Status.ISSUED:
        return AgendaFollowUp(item=item)
    decisions = minutes_decisions(minutes)
    settling = [decision for decision in decisions if decision.agenda_item_id == item.pk]
    return AgendaFollowUp(
        item=item, decisions=settling or decisions, minutes_issued=True, settled=bool(settling)
    )


def household_to_file_under(pk: int) -> Household | None:
    """The household of the register a clerk chose at intake (the service checks that the
    applicant is one of its members and that it is the office's)."""
    return Household.objects.filter(pk=pk).first()


def linkable_requests(referral: Referral):
    """The verification requests of the applicant's household, newest first: what the
    office may link to the referral instead of asking the unit to check again."""
    household_id = referral.application.household_id
    if household_id is None:
        return VerificationRequest.objects.none()
    return VerificationRequest.objects.filter(household_id=household_id).order_by(
        "-submitted_at", "-pk"
    )


# --- What waits, for the "my work" home -------------------------------------------------------


def office_work() -> dict:
    """For the office: applications whose every referral is closed and that wait for the
    answer to the applicant, and referrals past their deadline. Two queries."""
    to_answer = Application.objects.filter(status=Application.Status.CLOSED).count()
    overdue = Referral.objects.filter(status__in=Referral.ACTIVE_STATUSES, overdue=True).count()
    return {"applications_to_answer": to_answer, "referrals_overdue": overdue}


def liaison_work(referrals: QuerySet[Referral]) -> dict:
    """Of a liaison's ``referrals`` (from the gateway): those to sign for, those in
    progress, and how many of them are overdue. One query."""
    return referrals.aggregate(
        to_sign=Count("pk", filter=Q(status=Referral.Status.PENDING)),
        in_progress=Count("pk", filter=Q(status=Referral.Status.IN_PROGRESS)),
        overdue=Count("pk", filter=Q(status__in=Referral.ACTIVE_STATUSES, overdue=True)),
    )
