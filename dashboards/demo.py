"""A past year for the dashboards of the Xicheng demo group (the one whose notice lists
special programmes, so applications can name them), so that every chart has
something to show on a first run: verification requests over twenty weeks (answered by
hand, by connectors, late, or overdue), applications with their referrals (signed for,
closed, returned, urgent ones helped first) and three meetings held with issued minutes
and decisions (closed, in progress, overdue).

Written straight to the tables with past timestamps: the services stamp "now", and a
history is what is being invented here. Households are marked 示例历史 so nobody takes
them for real ones. Idempotent: a second run finds them and does nothing.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from assistance.workdays import WorkdayCalendar
from intake import services as intake_services
from intake.models import Application, Referral
from meetings.models import AgendaItem, Decision, Meeting, Minutes
from members.models import AssistanceProgram, LeadingGroup, MemberUnit
from verification.demo import demo_id
from verification.models import DepartmentCheck, Household, VerificationRequest

MARK = "示例历史"
WEEKS = 20
TOWNS = ("西长安街街道", "新街口街道", "月坛街道", "展览路街道")


def demo_dashboards(*, seed: int = 2026) -> bool:
    group = LeadingGroup.objects.filter(code="xicheng").first()
    clerk = get_user_model().objects.filter(username="clerk").first()
    if group is None or clerk is None or Household.objects.filter(address__startswith=MARK):
        return False
    units = list(MemberUnit.objects.filter(group=group, active=True).order_by("order", "pk"))
    if len(units) < 3:
        return False
    rng = random.Random(seed)
    now = timezone.now()
    _verification(group, units, clerk, rng, now)
    _intake(group, units, clerk, rng, now)
    _meetings(group, units, clerk, rng, now)
    return True


def _verification(group, units, clerk, rng, now) -> None:
    calendar = WorkdayCalendar()
    for number in range(WEEKS * 3):
        submitted = now - datetime.timedelta(days=7 * WEEKS - number * 7 / 3, hours=2)
        household = Household.objects.create(
            office=group,
            address=f"{MARK}{number + 1}号",
            town=rng.choice(TOWNS),
            assistance_type="recheck",
            created_by=clerk,
            created_at=submitted,
        )
        request = VerificationRequest.objects.create(
            household=household,
            assistance_type="recheck",
            requested_by=clerk,
            submitted_at=submitted,
        )
        answers = [
            _check(request, unit, clerk, rng, calendar, now)
            for unit in rng.sample(units, k=min(6, len(units)))
        ]
        if all(answers):
            request.status = VerificationRequest.Status.COMPLETED
            request.completed_at = max(answers)
            request.save(update_fields=["status", "completed_at"])


def _check(request, unit, clerk, rng, calendar, now):
    """One department's check: by its connector within the hour, by hand in 0–9 working
    days, or still open (overdue once its deadline passed). Returns when it was answered."""
    start = timezone.localdate(request.submitted_at)
    deadline = calendar.add_working_days(start, 5).date
    draw = rng.random()
    answered, by = None, None
    if draw < 0.35:
        answered = request.submitted_at + datetime.timedelta(minutes=rng.randint(2, 50))
    elif draw < 0.9:
        day = calendar.add_working_days(start, rng.choice((0, 1, 2, 3, 3, 4, 5, 7, 9))).date
        answered = timezone.make_aware(datetime.datetime.combine(day, datetime.time(15)))
        by = clerk
    if answered and answered > now:
        answered, by = None, None
    DepartmentCheck.objects.create(
        request=request,
        unit=unit,
        deadline=deadline,
        delivered_at=request.submitted_at,
        status=DepartmentCheck.Status.ANSWERED if answered else DepartmentCheck.Status.DELIVERED,
        answered_at=answered,
        answered_by=by,
        overdue=answered is None and deadline < timezone.localdate(now),
    )
    return answered


def _intake(group, units, clerk, rng, now) -> None:
    programs = list(AssistanceProgram.objects.filter(group=group).order_by("pk")[:4])
    channels = list(Application.Channel)
    for number in range(14):
        received = now - datetime.timedelta(days=7 * WEEKS - number * 10, hours=5)
        urgent = number % 4 == 0
        application = intake_services.application_receive(
            actor=clerk,
            data=intake_services.ApplicationData(
                office=group,
                channel=channels[number % len(channels)],
                applicant_name=f"{MARK}申请人{number + 1}",
                applicant_id_number=demo_id(
                    f"1970{number % 12 + 1:02d}15", f"{900 + number}", region="110102"
                ),
                hardship="示例：因病致贫，收入不足以维持基本生活。",
                urgent=urgent,
                programs=[programs[number % len(programs)]] if programs else [],
                received_at=received,
            ),
        )
        _referrals(application, units, clerk, rng, received, urgent)


def _referrals(application, units, clerk, rng, received, urgent) -> None:
    lead, assist = rng.sample(units, k=2)
    closed = True
    for unit, role in ((lead, Referral.Role.LEAD), (assist, Referral.Role.ASSIST)):
        created = received + datetime.timedelta(hours=rng.randint(1, 6))
        signed = created + datetime.timedelta(hours=rng.randint(1, 30))
        done = signed + datetime.timedelta(hours=rng.randint(4, 200))
        returned = role == Referral.Role.ASSIST and rng.random() < 0.15
        referral = Referral.objects.create(
            application=application,
            unit=unit,
            role=role,
            ask=Referral.Ask.DECISION,
            created_at=created,
            deadline=created + datetime.timedelta(days=1 if urgent else 14),
            delivered_at=created,
            signed_at=signed,
            signed_by=clerk,
            status=Referral.Status.RETURNED if returned else Referral.Status.CLOSED,
            return_reason="示例：不属于本单位职责。" if returned else "",
            outcome="" if returned else Referral.Outcome.GRANTED,
            service="" if returned else "示例：已落实救助。",
            closed_at=None if returned else done,
            closed_by=None if returned else clerk,
        )
        if urgent and role == Referral.Role.LEAD:
            referral.help_first, referral.help_first_note = True, "示例：先行发放临时救助金。"
            referral.help_first_at = created + datetime.timedelta(hours=rng.randint(2, 20))
            referral.save(update_fields=["help_first", "help_first_note", "help_first_at"])
        closed = closed and not returned
    application.status = Application.Status.CLOSED if closed else Application.Status.IN_PROGRESS
    application.save(update_fields=["status"])


def _meetings(group, units, clerk, rng, now) -> None:
    today = timezone.localdate(now)
    for quarter in range(3):
        starts = now - datetime.timedelta(days=250 - quarter * 90)
        meeting = Meeting.objects.create(
            group=group,
            kind=Meeting.Kind.REGULAR,
            title=f"{MARK}：第{quarter + 1}季度联席会议",
            starts_at=starts,
            status=Meeting.Status.HELD,
        )
        meeting.invited_units.set(units)
        for order, unit in enumerate(rng.sample(units, k=3), start=1):
            AgendaItem.objects.create(
                meeting=meeting,
                unit=unit,
                submitted_by=clerk,
                title=f"{MARK}议题{order}",
                background="示例。",
                proposal="示例。",
                decision_requested="示例。",
                status=AgendaItem.Status.APPROVED,
                order=order,
            )
        minutes = Minutes.objects.create(
            meeting=meeting,
            text="示例会议纪要。",
            drafted_by=clerk,
            status=Minutes.Status.ISSUED,
            signed_at=starts,
            issued_at=starts,
        )
        for order in range(1, 4):
            deadline = timezone.localdate(starts) + datetime.timedelta(days=30 * order)
            status = (
                Decision.Status.CLOSED if deadline < today and order < 3 else Decision.Status.OPEN
            )
            Decision.objects.create(
                minutes=minutes,
                text=f"{MARK}议定事项{order}",
                lead_unit=rng.choice(units),
                deadline=deadline,
                status=status,
                order=order,
                closed_at=starts + datetime.timedelta(days=20) if status == "closed" else None,
                closed_by=clerk if status == "closed" else None,
            )
