"""Invented history for the dashboards' benchmark, written with COPY: a request per
household spread over the past year, one check per department each (answered by hand, by
a connector, late, or still open), applications with a lead and an assisting referral, and
a year of meetings with their decisions."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from assistance.roles import Role, sync_role_groups
from benchmarks.verification.data import generate
from intake.models import Application, Referral
from meetings.models import AgendaItem, Decision, Meeting, Minutes
from members.models import MemberUnit
from verification.models import DepartmentCheck, VerificationRequest
from verification.sql import copy_rows

DAY = datetime.timedelta(days=1)


def fill(*, households: int, departments: int, applications: int, seed: int = 2026):
    """Returns (office, convener): the data in place and a convener to read it."""
    office, clerk = generate(
        households=households, members=1, departments=departments, record_share=0.0
    )
    units = list(
        MemberUnit.objects.filter(group=office).order_by("pk").values_list("pk", flat=True)
    )
    rng = random.Random(seed)
    now = timezone.now()
    _copy_requests_and_checks(households, units, clerk, rng, now)
    _copy_applications(office, units, clerk, applications, rng, now)
    _meetings(office, units, clerk, now)
    with connection.cursor() as cursor:
        models = [VerificationRequest, DepartmentCheck, Application, Referral]
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
        cursor.execute("VACUUM ANALYZE")
    sync_role_groups()
    # The convener reads the dashboards and signs in without a second factor, so the
    # benchmark's client needs no authenticator.
    convener = get_user_model().objects.create_user(username="bench-convener", password=None)
    convener.groups.add(Group.objects.get(name=Role.CONVENER))
    return office, convener


def _copy_requests_and_checks(households, units, clerk, rng, now) -> None:
    requests, checks = [], []
    key = 0
    for h in range(1, households + 1):
        submitted = now - datetime.timedelta(minutes=rng.randint(60, 365 * 24 * 60))
        answers = []
        for unit in units:
            key += 1
            draw = rng.random()
            deadline = (submitted + 7 * DAY).date()
            answered = None
            if draw < 0.35:
                answered = submitted + datetime.timedelta(minutes=rng.randint(1, 60))
            elif draw < 0.95:
                answered = submitted + datetime.timedelta(hours=rng.randint(2, 24 * 15))
            if answered and answered > now:
                answered = None
            answers.append(answered)
            checks.append(
                (
                    key,
                    h,
                    unit,
                    "answered" if answered else "delivered",
                    deadline,
                    False,
                    submitted,
                    answered,
                    None if draw < 0.35 or not answered else clerk.pk,
                    "",
                    "",
                    "",
                    not answered and deadline < now.date(),
                    None,
                )
            )
        done = all(answers)
        requests.append(
            (
                h,
                h,
                None,
                "recheck",
                "completed" if done else "submitted",
                clerk.pk,
                submitted,
                max(answers) if done else None,
            )
        )
    copy_rows(
        VerificationRequest,
        [
            "id",
            "household",
            "batch",
            "assistance_type",
            "status",
            "requested_by",
            "submitted_at",
            "completed_at",
        ],
        requests,
    )
    copy_rows(
        DepartmentCheck,
        [
            "id",
            "request",
            "unit",
            "status",
            "deadline",
            "deadline_provisional",
            "delivered_at",
            "answered_at",
            "answered_by",
            "fallback_reason",
            "question",
            "reply",
            "overdue",
            "reminded_on",
        ],
        checks,
    )


def _copy_applications(office, units, clerk, count, rng, now) -> None:
    channels = [c.value for c in Application.Channel]
    applications, referrals = [], []
    for a in range(1, count + 1):
        received = now - datetime.timedelta(minutes=rng.randint(60, 365 * 24 * 60))
        urgent = a % 10 == 0
        applications.append(
            (
                a,
                f"BENCH{a:07d}",
                office.pk,
                channels[a % len(channels)],
                received,
                clerk.pk,
                f"申请人{a}",
                "",
                None,
                "",
                "",
                "",
                "困难",
                "",
                urgent,
                "closed",
                "",
                "",
                None,
                None,
                None,
                None,
            )
        )
        lead, assist = rng.sample(units, 2)
        for role, unit in (("lead", lead), ("assist", assist)):
            created = received + datetime.timedelta(hours=1)
            signed = created + datetime.timedelta(hours=rng.randint(1, 48))
            closed = signed + datetime.timedelta(hours=rng.randint(2, 300))
            referrals.append(
                (
                    len(referrals) + 1,
                    a,
                    unit,
                    role,
                    "decision",
                    "",
                    "closed",
                    created,
                    created + 10 * DAY,
                    False,
                    created,
                    signed,
                    clerk.pk,
                    "",
                    "granted",
                    None,
                    None,
                    "服务",
                    "",
                    "",
                    urgent and role == "lead",
                    "",
                    signed if urgent and role == "lead" else None,
                    None,
                    closed,
                    clerk.pk,
                    None,
                )
            )
    copy_rows(
        Application,
        [
            "id",
            "number",
            "office",
            "channel",
            "received_at",
            "received_by",
            "applicant_name",
            "applicant_id_number",
            "applicant_birth_date",
            "phone",
            "address",
            "town",
            "hardship",
            "requested",
            "urgent",
            "status",
            "refusal_reason",
            "answer",
            "answered_at",
            "answered_by",
            "agenda_item",
            "household",
        ],
        applications,
    )
    copy_rows(
        Referral,
        [
            "id",
            "application",
            "unit",
            "role",
            "ask",
            "note",
            "status",
            "created_at",
            "deadline",
            "overdue",
            "delivered_at",
            "signed_at",
            "signed_by",
            "return_reason",
            "outcome",
            "outcome_program",
            "amount",
            "service",
            "outcome_reason",
            "passed_to",
            "help_first",
            "help_first_note",
            "help_first_at",
            "verification_request",
            "closed_at",
            "closed_by",
            "reminded_at",
        ],
        referrals,
    )


def _meetings(office, units, clerk, now) -> None:
    for month in range(12):
        starts = now - datetime.timedelta(days=30 * month + 3)
        meeting = Meeting.objects.create(
            group=office,
            kind="regular",
            title=f"第{month + 1}次会议",
            starts_at=starts,
            status="held",
        )
        minutes = Minutes.objects.create(
            meeting=meeting,
            text="纪要",
            drafted_by=clerk,
            status="issued",
            signed_at=starts,
            issued_at=starts,
        )
        for order, unit in enumerate(units[:5], start=1):
            AgendaItem.objects.create(
                meeting=meeting,
                unit_id=unit,
                submitted_by=clerk,
                title=f"议题{order}",
                background="-",
                proposal="-",
                decision_requested="-",
                status="approved",
            )
            Decision.objects.create(
                minutes=minutes,
                text=f"事项{order}",
                lead_unit_id=unit,
                deadline=(starts + 20 * DAY).date(),
                status="closed" if order % 2 else "open",
                order=order,
            )
