"""One object of every kind, built once for the URL-walking permission test: the register
(two departments that check, the unit hosting the office), a household with members and
their authorisation scans, a request answered by both departments by hand, a batch whose
police checks were answered from a registry snapshot, a held meeting with an agenda item
and attachments, issued minutes with decisions and a progress report with an attachment,
a second held meeting whose minutes are still a draft, and a reporting round (the police's
report a draft, the tax office's submitted).

Everything goes through the services, as the pages would, so each object is in a real
state. ``PersonalData`` lists what of it no page may show to someone without the right:
full ID numbers, member names, finding details and amounts."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone

from assistance.roles import Role
from intake import services as intake_services
from intake.models import Application, Referral
from ledger import services as ledger_services
from meetings import services as meeting_services
from meetings.models import AgendaItem, Attachment, Attendance, Meeting
from monitoring import services as monitoring_services
from monitoring.evaluation import evaluate
from monitoring.models import (
    EarlyWarning,
    IndicatorKind,
    RuleKind,
    ScoreIndicator,
    WarningRule,
)
from office.celery import app
from reporting import services as reporting_services
from reporting.models import UnitReport
from tests.factories import (
    AssistanceProgramFactory,
    DutyFactory,
    LeadingGroupFactory,
    LiaisonFactory,
    MemberUnitFactory,
    UserFactory,
)
from tests.meetings.factories import meeting_day_arrives
from tests.reporting.helpers import define_figures, open_round
from tests.verification.factories import (
    VerificationItemFactory,
    authorize_all,
    make_id_number,
    years_ago,
)
from verification import batches
from verification import register as verification_register
from verification import services as verification_services
from verification.connectors import snapshot_import
from verification.models import (
    AssistanceType,
    Authorization,
    DepartmentCheck,
    Finding,
    UnitConnector,
    VerificationBatch,
)
from verification.register import MemberData
from verification.services import FindingData

# The security administrator's role (三权分立) is being added to ``Role``; until it is, the
# persona holds a group of that name and nothing else.
SECURITY_ADMINISTRATOR = getattr(Role, "SECURITY_ADMINISTRATOR", "security_administrator")

# Who signs in as what: persona -> (roles, staff, unit the persona is the liaison of).
# A new role is one line here (and a column in the URL table's sets).
PERSONAS = {
    "anonymous": None,
    "outsider": ((), False, None),
    "administrator": ((Role.ADMINISTRATOR,), True, None),
    "security_administrator": ((SECURITY_ADMINISTRATOR,), True, None),
    "convener": ((Role.CONVENER,), False, None),
    "office_director": ((Role.OFFICE_DIRECTOR,), False, None),
    "office_clerk": ((Role.OFFICE_CLERK,), False, None),
    "auditor": ((Role.AUDITOR,), False, None),
    # The liaison of the police, whose checks, agenda item and decision these are…
    "unit_liaison": ((Role.UNIT_LIAISON,), False, "unit"),
    # … and of the tax office, which checks the same households and attends no meeting.
    "other_unit_liaison": ((Role.UNIT_LIAISON,), False, "other_unit"),
}

# Unusual strings, so a match in a page can only be the data itself.
VEHICLE = "小型轿车 豫S·80417"
SNAPSHOT_VEHICLE = "重型货车 豫S·31562"
TAX_DETAILS = "个体工商户经营所得纳税记录"
TAX_AMOUNT = Decimal("86420.75")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@dataclass
class PersonalData:
    """What must never reach someone without the right to it."""

    id_numbers: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    def found_in(self, body: bytes) -> list[str]:
        text = body.decode("utf-8", errors="replace")
        return [value for value in self.id_numbers + self.names + self.findings if value in text]


def _starts_at(days: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))


def _family(*, actor, office, names, town, years=(45, 43, 10)):
    return verification_register.household_register(
        actor=actor,
        office=office,
        address=f"{town}幸福路1号院",
        town=town,
        assistance_type=AssistanceType.DIBAO,
        members=[
            MemberData(name, relation, make_id_number(years_ago(age)))
            for name, relation, age in zip(
                names, ("applicant", "spouse", "child"), years, strict=True
            )
        ],
    )


def _answer(check, actor, details_for):
    """Answer every member × item; ``details_for(member, item)`` gives a finding or None."""
    findings = []
    for member in check.request.household.members.order_by("pk"):
        for item in check.items.order_by("order", "pk"):
            found = details_for(member, item)
            if found:
                details, amount = found
                findings.append(
                    FindingData(member.pk, item.pk, Finding.Result.RECORD_FOUND, details, amount)
                )
            else:
                findings.append(FindingData(member.pk, item.pk, Finding.Result.NO_RECORD))
    return verification_services.check_answer(actor=actor, check=check, findings=findings)


def build_world() -> SimpleNamespace:
    """Build the object set (inside the caller's transaction). Tasks run in process and
    after-commit work runs at once, as a worker would run it."""
    app.conf.task_always_eager = True
    w = SimpleNamespace()
    w.group = LeadingGroupFactory(code="urlwalk", name="测试区困难群众基本生活保障工作领导小组")
    w.unit = MemberUnitFactory(group=w.group, name="区公安分局", code="urlwalk-police", order=1)
    DutyFactory(unit=w.unit, text="依法提供户籍、车辆信息。", category="data_verification")
    w.other_unit = MemberUnitFactory(group=w.group, name="区税务局", code="urlwalk-tax", order=2)
    w.host_unit = MemberUnitFactory(
        group=w.group, name="区民政局", code="urlwalk-civil-affairs", order=0
    )
    w.group.office_host_unit = w.host_unit
    w.group.save()

    w.users = {}
    for persona, spec in PERSONAS.items():
        if spec is None:
            continue
        roles, staff, unit_attr = spec
        user = UserFactory(username=f"walk-{persona}", roles=list(roles), is_staff=staff)
        if unit_attr:
            LiaisonFactory(unit=getattr(w, unit_attr), user=user)
        w.users[persona] = user
    clerk, director = w.users["office_clerk"], w.users["office_director"]
    convener, liaison = w.users["convener"], w.users["unit_liaison"]
    other_liaison = w.users["other_unit_liaison"]
    host_liaison = UserFactory(username="walk-host-liaison", roles=[Role.UNIT_LIAISON])
    LiaisonFactory(unit=w.host_unit, user=host_liaison)

    w.items = {
        "registration": VerificationItemFactory(
            unit=w.unit, code="walk-registration", name="户籍", order=1
        ),
        "vehicles": VerificationItemFactory(
            unit=w.unit, code="walk-vehicles", name="车辆", order=2
        ),
        "tax": VerificationItemFactory(
            unit=w.other_unit, code="walk-tax", name="纳税", has_amount=True, order=1
        ),
    }

    # --- A household, its authorisations, a request answered by both departments --------
    w.household = _family(
        actor=clerk, office=w.group, names=("司马春生", "欧阳秋菊", "司马小禾"), town="大峪街道"
    )
    authorize_all(actor=clerk, household=w.household)
    w.member = w.household.members.order_by("pk").first()
    w.authorization = Authorization.objects.filter(member=w.member).first()
    with TestCase.captureOnCommitCallbacks(execute=True):
        w.request = verification_services.request_submit(actor=clerk, household=w.household)
    w.check = DepartmentCheck.objects.get(request=w.request, unit=w.unit)
    w.tax_check = DepartmentCheck.objects.get(request=w.request, unit=w.other_unit)
    assert w.check.status == DepartmentCheck.Status.DELIVERED, w.check.status
    owner = w.member
    _answer(
        w.check,
        liaison,
        lambda m, i: (VEHICLE, None) if (m, i.code) == (owner, "walk-vehicles") else None,
    )
    _answer(
        w.tax_check,
        other_liaison,
        lambda m, i: (TAX_DETAILS, TAX_AMOUNT) if m == owner else None,
    )

    # --- A batch: the police answer from their registry snapshot, tax by hand ----------
    w.batch_household = _family(
        actor=clerk, office=w.group, names=("上官冬梅", "诸葛夏雨", "上官小树"), town="永定镇"
    )
    authorize_all(actor=clerk, household=w.batch_household)
    batch_owner = w.batch_household.members.order_by("pk").first()
    UnitConnector.objects.update_or_create(
        unit=w.unit, defaults={"kind": UnitConnector.Kind.SNAPSHOT}
    )
    extract = "身份证号码,核对事项,详情,金额\n" + (
        f"{batch_owner.id_number},walk-vehicles,{SNAPSHOT_VEHICLE},\n"
    )
    w.snapshot = snapshot_import(
        actor=liaison,
        unit=w.unit,
        upload=SimpleUploadedFile("extract.csv", extract.encode("utf-8")),
        taken_on=timezone.localdate(),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        w.batch = batches.batch_submit(actor=clerk, office=w.group, town="永定镇", due_only=False)
    w.batch.refresh_from_db()
    assert w.batch.status == VerificationBatch.Status.COMPLETED, w.batch.status
    w.batch_check = DepartmentCheck.objects.get(request__batch=w.batch, unit=w.unit)
    assert w.batch_check.status == DepartmentCheck.Status.ANSWERED, w.batch_check.status

    # --- A held meeting: an agenda item with an attachment, issued minutes, decisions ---
    w.meeting = _held_meeting(w, clerk, director, convener, liaison, title="2026年第二季度协调会议")
    w.item = AgendaItem.objects.get(meeting=w.meeting, unit=w.unit)
    w.item_attachment = Attachment.objects.get(agenda_item=w.item)
    w.minutes = meeting_services.minutes_draft(
        actor=clerk,
        meeting=w.meeting,
        text="会议研究了车辆信息核对口径等问题。",
        document_number="第3期",
        decisions=[
            meeting_services.DecisionData(
                text="由区公安分局牵头，统一车辆信息核对口径。",
                lead_unit_id=w.unit.pk,
                cooperating_unit_ids=[w.host_unit.pk],
                working_days=10,
            ),
            meeting_services.DecisionData(
                text="由区民政局牵头，会同区税务局安排年度救助资金。",
                lead_unit_id=w.host_unit.pk,
                cooperating_unit_ids=[w.other_unit.pk],
                working_days=20,
            ),
        ],
    )
    meeting_services.minutes_submit_for_review(actor=clerk, minutes=w.minutes)
    meeting_services.minutes_review(actor=director, minutes=w.minutes, approve=True)
    meeting_services.minutes_respond(actor=liaison, minutes=w.minutes, unit=w.unit, consent=True)
    meeting_services.minutes_respond(
        actor=host_liaison, minutes=w.minutes, unit=w.host_unit, consent=True
    )
    meeting_services.minutes_sign(actor=convener, minutes=w.minutes)
    with TestCase.captureOnCommitCallbacks(execute=True):
        w.minutes = meeting_services.minutes_issue(actor=clerk, minutes=w.minutes)
    w.decision = w.minutes.decisions.get(order=1)
    meeting_services.decision_update_post(
        actor=liaison,
        decision=w.decision,
        unit=w.unit,
        text="已完成口径梳理。",
        attachments=[SimpleUploadedFile("进展情况.pdf", PDF, content_type="application/pdf")],
    )
    w.update_attachment = Attachment.objects.get(update__decision=w.decision)

    # A second held meeting whose minutes are still a draft: only the office sees them.
    w.draft_meeting = _held_meeting(w, clerk, director, convener, liaison, title="专题协调会议")
    w.draft_minutes = meeting_services.minutes_draft(
        actor=clerk,
        meeting=w.draft_meeting,
        text="会议研究了户籍注销滞后问题。",
        decisions=[
            meeting_services.DecisionData(
                text="由区公安分局牵头，清理未注销户籍。", lead_unit_id=w.unit.pk
            )
        ],
    )

    _applications(w, clerk)
    _reports(w, clerk)
    _ledger(w, liaison)
    _monitoring(w, clerk, director)
    households = (w.household, w.batch_household, w.monitoring_household)
    w.personal = PersonalData(
        id_numbers=[w.application.applicant_id_number]
        + [m.id_number for h in households for m in h.members.order_by("pk")],
        names=[w.application.applicant_name]
        + [m.name for h in households for m in h.members.order_by("pk")],
        findings=[VEHICLE, SNAPSHOT_VEHICLE, TAX_DETAILS, str(TAX_AMOUNT), "86,420.75"],
    )
    return w


def _held_meeting(w, clerk, director, convener, liaison, *, title) -> Meeting:
    """A meeting inviting the host unit and the police, with one accepted item of each
    (the police's carrying an attachment), its agenda approved and attendance recorded."""
    meeting = meeting_services.meeting_schedule(
        actor=clerk,
        group=w.group,
        kind=Meeting.Kind.REGULAR,
        title=title,
        starts_at=_starts_at(14),
        place="区政府第一会议室",
        convener=convener,
        invited_units=[w.host_unit, w.unit],
    )
    for unit, actor in ((w.unit, liaison), (w.host_unit, clerk)):
        item = meeting_services.agenda_item_create(
            actor=actor,
            meeting=meeting,
            unit=unit,
            data=meeting_services.ItemData(
                title=f"关于{unit.name}提报事项的议题",
                background="近期工作中发现的跨部门问题。",
                proposal="建议由相关单位共同研究解决。",
                decision_requested="请会议研究确定牵头单位和完成时限。",
            ),
        )
        if unit == w.unit:
            meeting_services.agenda_item_attach(
                actor=actor,
                item=item,
                files=[SimpleUploadedFile("情况说明.pdf", PDF, content_type="application/pdf")],
            )
        meeting_services.agenda_item_submit(actor=actor, item=item)
        meeting_services.agenda_item_review(
            actor=director, item=item, verdict=meeting_services.Review.ACCEPT
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        meeting_services.agenda_approve(actor=convener, meeting=meeting)
    # The meeting's day comes (attendance is recorded only on or after it).
    meeting = meeting_day_arrives(meeting)
    meeting_services.attendance_record(
        actor=clerk,
        meeting=meeting,
        rows=[
            meeting_services.AttendanceData(
                w.host_unit.pk, Attendance.Presence.PRESENT, "刘建华", "局长"
            ),
            meeting_services.AttendanceData(
                w.unit.pk, Attendance.Presence.PRESENT, "张卫东", "副局长"
            ),
        ],
    )
    meeting.refresh_from_db()
    return meeting


def _applications(w, clerk) -> None:
    """An application referred to the police (delivered, signed for) with a file, and one
    refused."""

    def data():
        return intake_services.ApplicationData(
            office=w.group,
            channel=Application.Channel.WINDOW,
            applicant_name="慕容晓岚",
            applicant_id_number=make_id_number(years_ago(52)),
            hardship="因病致贫，医疗费用负担沉重。",
        )

    w.application = intake_services.application_receive(actor=clerk, data=data())
    with TestCase.captureOnCommitCallbacks(execute=True):
        (w.referral,) = intake_services.referrals_share(
            actor=clerk, application=w.application, lead=w.unit, ask=Referral.Ask.DECISION
        )
    w.referral = intake_services.referral_sign(actor=w.users["unit_liaison"], referral=w.referral)
    (w.application_attachment,) = intake_services.application_attach(
        actor=clerk,
        application=w.application,
        files=[SimpleUploadedFile("申请材料.pdf", PDF, content_type="application/pdf")],
    )
    w.application.refresh_from_db()
    w.refused_application = intake_services.application_refuse(
        actor=clerk, data=data(), reason="不属于救助范围。"
    )


def _reports(w, clerk) -> None:
    """A reporting round asking the police and the tax office for two figures: the
    police's report a draft, the tax office's submitted."""
    people, yuan = define_figures(w.group, [w.unit, w.other_unit], program_name="临时救助")
    w.round = open_round(clerk, w.group)
    w.report = UnitReport.objects.get(round=w.round, unit=w.unit)
    w.submitted_report = reporting_services.report_submit(
        actor=w.users["other_unit_liaison"],
        report=UnitReport.objects.get(round=w.round, unit=w.other_unit),
        values={people.pk: "12", yuan.pk: "3600.00"},
    )


def _ledger(w, liaison) -> None:
    """The police's ledger: an entry entered for the household's first member, and the
    month's file imported (it holds the member's full ID number)."""
    program = AssistanceProgramFactory(group=w.group, name="最低生活保障", lead_unit=w.unit)
    w.ledger_entry, _found = ledger_services.entry_create(
        actor=liaison,
        unit=w.unit,
        member=w.member,
        data=ledger_services.EntryData(
            program=program, period_from=timezone.localdate(), amount=Decimal("800")
        ),
    )
    month = timezone.localdate().replace(day=1)
    text = f"身份证号码,救助项目,金额\n{w.member.id_number},最低生活保障,800\n"
    w.ledger_import = ledger_services.ledger_import_now(
        actor=liaison,
        unit=w.unit,
        upload=SimpleUploadedFile("ledger.csv", text.encode("utf-8")),
        month=month,
    )
    assert w.ledger_import.status == "imported", w.ledger_import.errors


def _monitoring(w, clerk, director) -> None:
    """A warning on an old woman living alone, given to the police to visit (a unit of
    the group like a town), and the hardship score's indicator that counts her."""
    w.monitoring_household = verification_register.household_register(
        actor=clerk,
        office=w.group,
        address="大峪街道独居路9号",
        town="大峪街道",
        assistance_type=AssistanceType.TEKUN,
        members=[MemberData("独孤秀兰", "applicant", make_id_number(years_ago(83)))],
    )
    WarningRule.objects.create(
        office=w.group,
        name="独居老人",
        kind=RuleKind.ELDERLY_ALONE,
        grade=1,
        reason_template="{name}，{age}岁，独自居住。",
    )
    ScoreIndicator.objects.create(office=w.group, kind=IndicatorKind.ALONE, weight=Decimal("10"))
    evaluate(trigger="schedule")
    w.warning = monitoring_services.warning_assign(
        actor=director,
        warning=EarlyWarning.objects.get(household=w.monitoring_household),
        unit=w.unit,
    )
