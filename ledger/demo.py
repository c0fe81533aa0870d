"""The ledger's demo (``manage.py load_demo``), in Huangchuan: the group whose verification
catalogue says what a record means (公安局's 死亡未注销户口, pensions, deposits). The
administrator's part is done as in the admin: five programmes (低保, 特困供养, 临时救助,
就业救助, 住房救助), two rules (低保 and 特困供养 exclude each other; 就业救助 requires 低保)
and the local standard. Then three units keep their ledgers: 民政局 enters by hand and
grants temporary assistance on a referral (an entry by itself), 人社局 enters, 房管中心
imports last month's file. One conflict of each kind follows: 重复享受 (and a programme
without the one it requires), 死亡未注销 (公安局's extract records a death) and a household
over the local standard (its last verification, written as the dashboards' demo writes its
past, found a pension).

Invented people and numbers only. Idempotent: a second run finds the entries and stops.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from assistance.spreadsheets import csv_bytes
from intake import services as intake_services
from intake.models import Referral
from members.models import AssistanceProgram, LeadingGroup, MemberUnit
from verification import register
from verification.connectors import snapshot_import
from verification.demo import demo_id
from verification.models import (
    DepartmentCheck,
    Finding,
    Household,
    VerificationItem,
    VerificationRequest,
)

from . import services
from .models import LedgerEntry, LocalStandard, ProgramRule

# (name, lead unit's code, content)
PROGRAMS = [
    ("最低生活保障", "hc-civil-affairs", "示例：对家庭人均收入低于当地低保标准的家庭给予救助。"),
    ("特困人员供养", "hc-civil-affairs", "示例：对无劳动能力、无生活来源的特困人员给予供养。"),
    ("临时救助", "hc-civil-affairs", "示例：对遭遇突发性、临时性生活困难的家庭给予救助。"),
    ("就业救助", "hc-hrss", "示例：对低保家庭中有劳动能力的失业人员给予就业援助。"),
    ("住房救助", "hc-housing-admin-centre", "示例：对符合条件的住房困难家庭给予住房保障。"),
]
# (town, address, applies for, [(name, relation, birth, sequence)])
HOUSEHOLDS = {
    "duplicate": (
        "城关镇",
        "城关镇演示台账社区 3 号",
        "dibao",
        [
            ("赵某平", "applicant", "19660204", "611"),
            ("赵某兰", "parent", "19400918", "622"),
        ],
    ),
    "dead": (
        "双柳树镇",
        "双柳树镇演示村 12 号",
        "tekun",
        [("孙某福", "applicant", "19380707", "633")],
    ),
    "over": (
        "春申街道",
        "春申街道演示台账小区 8 号",
        "dibao",
        [
            ("周某强", "applicant", "19640101", "644"),
            ("吴某梅", "spouse", "19660303", "655"),
        ],
    ),
}


def _users():
    users = get_user_model().objects
    names = ("clerk", "liaison", "liaison-mca", "liaison-hrss", "liaison-housing")
    found = {u.username: u for u in users.filter(username__in=names, is_active=True)}
    return found if len(found) == len(names) else None


def _configure(group: LeadingGroup) -> dict:
    """What the system administrator sets in the admin: programmes, rules, standard."""
    units = {u.code: u for u in MemberUnit.objects.filter(group=group)}
    programs = {}
    for order, (name, lead, content) in enumerate(PROGRAMS, start=1):
        programs[name], _ = AssistanceProgram.objects.get_or_create(
            group=group,
            name=name,
            defaults={"lead_unit": units[lead], "content": content, "order": order},
        )
    ProgramRule.objects.get_or_create(
        program=programs["最低生活保障"],
        kind=ProgramRule.Kind.EXCLUDES,
        other=programs["特困人员供养"],
        defaults={"note": "示例：同一家庭不得同时享受低保和特困供养。"},
    )
    ProgramRule.objects.get_or_create(
        program=programs["就业救助"],
        kind=ProgramRule.Kind.REQUIRES,
        other=programs["最低生活保障"],
        defaults={"note": "示例：就业救助的对象为低保家庭成员。"},
    )
    LocalStandard.objects.get_or_create(
        office=group,
        valid_from=datetime.date(2025, 1, 1),
        defaults={
            "income_per_head_month": Decimal("660"),
            "property_per_head": Decimal("30000"),
            "document": "示例：潢川县2025年城乡低保标准",
        },
    )
    return programs


def _household(clerk, group, key) -> Household:
    town, address, kind, people = HOUSEHOLDS[key]
    return register.household_register(
        actor=clerk,
        office=group,
        address=address,
        town=town,
        assistance_type=kind,
        members=[
            register.MemberData(name, relation, demo_id(birth, seq))
            for name, relation, birth, seq in people
        ],
    )


def _enter(actor, unit, member, program, start, *, whole=False, **fields):
    data = services.EntryData(program=program, period_from=start, **fields)
    entry, _found = services.entry_create(
        actor=actor, unit=unit, member=member, data=data, whole_household=whole
    )
    return entry


@transaction.atomic
def demo_ledger() -> int:
    group = LeadingGroup.objects.filter(code="huangchuan").first()
    users = _users()
    if group is None or users is None or LedgerEntry.objects.filter(program__group=group).exists():
        return 0
    first = Household.objects.filter(office=group, assistance_type="dibao").order_by("pk").first()
    carer = Household.objects.filter(office=group, assistance_type="temporary").first()
    if first is None or carer is None:
        return 0
    programs = _configure(group)
    units = {u.code: u for u in MemberUnit.objects.filter(group=group)}
    civil, hrss = units["hc-civil-affairs"], units["hc-hrss"]
    mca, clerk = users["liaison-mca"], users["clerk"]
    year_start = timezone.localdate().replace(month=1, day=1)
    # 民政局's 低保 for the first household, and 人社局's job placement for its applicant.
    applicant = first.members.order_by("pk").first()
    _enter(
        mca,
        civil,
        applicant,
        programs["最低生活保障"],
        year_start,
        whole=True,
        amount=Decimal("1320"),
        document_number="潢民低〔2026〕18号",
    )
    _enter(
        users["liaison-hrss"],
        hrss,
        applicant,
        programs["就业救助"],
        year_start,
        amount=None,
        service="推荐公益性岗位",
        document_number="潢人社〔2026〕5号",
    )
    # 重复享受: 低保 and 特困供养 for one household; 就业救助 without 低保.
    duplicate = _household(clerk, group, "duplicate")
    one, two = duplicate.members.order_by("pk")
    _enter(
        mca,
        civil,
        one,
        programs["最低生活保障"],
        year_start,
        whole=True,
        amount=Decimal("1100"),
        document_number="潢民低〔2026〕21号",
    )
    _enter(
        mca,
        civil,
        two,
        programs["特困人员供养"],
        year_start,
        amount=Decimal("980"),
        document_number="潢民特〔2026〕7号",
    )
    carer_member = carer.members.order_by("pk").first()
    _enter(
        users["liaison-hrss"],
        hrss,
        carer_member,
        programs["就业救助"],
        year_start,
        amount=None,
        service="职业技能培训",
    )
    _granted_on_referral(clerk, mca, civil, carer, carer_member, programs["临时救助"])
    _housing_import(users["liaison-housing"], units["hc-housing-admin-centre"], carer_member)
    _dead(clerk, users["liaison"], units["hc-public-security"], mca, civil, group, programs)
    _over_standard(clerk, mca, civil, group, programs, units)
    return LedgerEntry.objects.filter(program__group=group).count()


def _granted_on_referral(clerk, mca, civil, household, member, program) -> None:
    """An application of the household's member, referred to 民政局 and granted: the
    ledger's entry comes by itself."""
    application = intake_services.application_receive(
        actor=clerk,
        data=intake_services.ApplicationData(
            office=civil.group,
            channel="window",
            applicant_name=member.name,
            applicant_id_number=member.id_number,
            hardship="示例：家中失火，生活用品损毁。",
            requested="申请临时救助。",
            household=household,
            programs=[program],
        ),
    )
    (referral,) = intake_services.referrals_share(
        actor=clerk, application=application, lead=civil, ask=Referral.Ask.DECISION
    )
    intake_services.referral_sign(actor=mca, referral=referral)
    intake_services.referral_close(
        actor=mca,
        referral=referral,
        result=intake_services.Outcome(
            outcome=Referral.Outcome.GRANTED, program=program, amount=Decimal("2000")
        ),
    )


def _housing_import(liaison, unit, member) -> None:
    """房管中心 imports last month's file: a rent subsidy for the carer."""
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    table = [
        ("身份证号码", "姓名", "救助项目", "金额（元）", "发放方式", "决定文号"),
        (member.id_number, member.name, "住房救助", "450", "每月", "潢房保〔2026〕3号"),
    ]
    services.ledger_import_now(
        actor=liaison,
        unit=unit,
        upload=ContentFile(csv_bytes(table), name="housing.csv"),
        month=month,
    )


def _dead(clerk, police_liaison, police, mca, civil, group, programs) -> None:
    """特困供养 still paid to a man 公安局's extract records as dead."""
    household = _household(clerk, group, "dead")
    person = household.members.get()
    _enter(
        mca,
        civil,
        person,
        programs["特困人员供养"],
        datetime.date(2024, 1, 1),
        amount=Decimal("980"),
        document_number="潢民特〔2024〕2号",
    )
    if not VerificationItem.objects.filter(unit=police, code="hc-police-death-not-deregistered"):
        return
    code = "hc-police-death-not-deregistered"
    table = [("身份证号码", "事项代码", "详情"), (person.id_number, code, "示例：死亡未注销户口")]
    snapshot_import(
        actor=police_liaison,
        unit=police,
        upload=ContentFile(csv_bytes(table), name="police.csv"),
        taken_on=timezone.localdate(),
    )


def _over_standard(clerk, mca, civil, group, programs, units) -> None:
    """低保 for a household whose last verification found a pension above the line:
    its request, check and finding written straight to the tables, completed a month
    ago (the services stamp "now"; a past is what is invented here)."""
    household = _household(clerk, group, "over")
    people = list(household.members.order_by("pk"))
    _enter(
        mca,
        civil,
        people[0],
        programs["最低生活保障"],
        datetime.date(2025, 6, 1),
        whole=True,
        amount=Decimal("1320"),
        document_number="潢民低〔2025〕40号",
    )
    item = VerificationItem.objects.filter(code="hc-enterprise-pension").first()
    if item is None:
        return
    done = timezone.now() - datetime.timedelta(days=30)
    request = VerificationRequest.objects.create(
        household=household,
        assistance_type="recheck",
        requested_by=clerk,
        submitted_at=done - datetime.timedelta(days=5),
        status=VerificationRequest.Status.COMPLETED,
        completed_at=done,
    )
    request.members.set(people)
    check = DepartmentCheck.objects.create(
        request=request,
        unit=item.unit,
        deadline=timezone.localdate(done),
        delivered_at=request.submitted_at,
        status=DepartmentCheck.Status.ANSWERED,
        answered_at=done,
    )
    check.items.set([item])
    Finding.objects.create(
        department_check=check,
        member=people[0],
        item=item,
        result=Finding.Result.RECORD_FOUND,
        details="示例：企业职工基本养老金",
        amount=Decimal("26400"),
    )
    Finding.objects.create(
        department_check=check, member=people[1], item=item, result=Finding.Result.NO_RECORD
    )
