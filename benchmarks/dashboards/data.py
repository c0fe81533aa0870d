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


def _copy(model, rows: list[dict]) -> None:
    """COPY rows given as dicts (every row with the same keys, the model's field names)."""
    if rows:
        fields = list(rows[0])
        copy_rows(model, fields, ([row[name] for name in fields] for row in rows))


def _check(key, request, unit, clerk, rng, submitted, now) -> dict:
    """One department's check: by a connector within the hour (35%), by hand within 15
    days (60%), or still open (5%, overdue once its deadline passed)."""
    draw = rng.random()
    deadline = (submitted + 7 * DAY).date()
    answered = None
    if draw < 0.35:
        answered = submitted + datetime.timedelta(minutes=rng.randint(1, 60))
    elif draw < 0.95:
        answered = submitted + datetime.timedelta(hours=rng.randint(2, 24 * 15))
    if answered and answered > now:
        answered = None
    return {
        "id": key,
        "request": request,
        "unit": unit,
        "status": "answered" if answered else "delivered",
        "deadline": deadline,
        "deadline_provisional": False,
        "delivered_at": submitted,
        "answered_at": answered,
        "answered_by": clerk.pk if answered and draw >= 0.35 else None,
        "fallback_reason": "",
        "question": "",
        "reply": "",
        "overdue": not answered and deadline < now.date(),
        "reminded_on": None,
        "updated_at": answered or submitted,
    }


def _copy_requests_and_checks(households, units, clerk, rng, now) -> None:
    requests, checks = [], []
    for h in range(1, households + 1):
        submitted = now - datetime.timedelta(minutes=rng.randint(60, 365 * 24 * 60))
        mine = [
            _check(len(checks) + n + 1, h, unit, clerk, rng, submitted, now)
            for n, unit in enumerate(units)
        ]
        checks.extend(mine)
        answers = [check["answered_at"] for check in mine]
        done = all(answers)
        requests.append(
            {
                "id": h,
                "household": h,
                "batch": None,
                "assistance_type": "recheck",
                "status": "completed" if done else "submitted",
                "requested_by": clerk.pk,
                "submitted_at": submitted,
                "completed_at": max(answers) if done else None,
            }
        )
    _copy(VerificationRequest, requests)
    _copy(DepartmentCheck, checks)


def _application(a, office, clerk, channel, received, urgent) -> dict:
    blank = ("applicant_id_number", "phone", "address", "town", "requested")
    return {
        "id": a,
        "number": f"BENCH{a:07d}",
        "office": office.pk,
        "channel": channel,
        "received_at": received,
        "received_by": clerk.pk,
        "applicant_name": f"申请人{a}",
        "applicant_birth_date": None,
        "hardship": "困难",
        "urgent": urgent,
        "status": "closed",
        **dict.fromkeys(blank + ("refusal_reason", "answer"), ""),
        **dict.fromkeys(("answered_at", "answered_by", "agenda_item", "household"), None),
    }


def _referral(key, a, unit, role, clerk, rng, received, urgent) -> dict:
    created = received + datetime.timedelta(hours=1)
    signed = created + datetime.timedelta(hours=rng.randint(1, 48))
    helped = urgent and role == "lead"
    return {
        "id": key,
        "application": a,
        "unit": unit,
        "role": role,
        "ask": "decision",
        "status": "closed",
        "created_at": created,
        "deadline": created + 10 * DAY,
        "overdue": False,
        "delivered_at": created,
        "signed_at": signed,
        "signed_by": clerk.pk,
        "outcome": "granted",
        "service": "服务",
        "help_first": helped,
        "help_first_at": signed if helped else None,
        "closed_at": signed + datetime.timedelta(hours=rng.randint(2, 300)),
        "closed_by": clerk.pk,
        **dict.fromkeys(("note", "return_reason", "outcome_reason", "passed_to"), ""),
        "help_first_note": "",
        **dict.fromkeys(("outcome_program", "amount", "verification_request", "reminded_at"), None),
    }


def _copy_applications(office, units, clerk, count, rng, now) -> None:
    channels = [c.value for c in Application.Channel]
    applications, referrals = [], []
    for a in range(1, count + 1):
        received = now - datetime.timedelta(minutes=rng.randint(60, 365 * 24 * 60))
        urgent = a % 10 == 0
        applications.append(
            _application(a, office, clerk, channels[a % len(channels)], received, urgent)
        )
        lead, assist = rng.sample(units, 2)
        for role, unit in (("lead", lead), ("assist", assist)):
            referrals.append(
                _referral(len(referrals) + 1, a, unit, role, clerk, rng, received, urgent)
            )
    _copy(Application, applications)
    _copy(Referral, referrals)


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
