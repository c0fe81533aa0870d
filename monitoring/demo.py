"""The monitoring's demo (``manage.py load_demo``), in Xicheng: the group of notice 002,
which asks for 主动救助, with subdistrict offices among its units to visit households.

The administrator's part is done as in the admin: items of five departments say what
their records mean (区残联's disability certificates, 区人力社保局's registered
unemployment, 区卫生局's out-of-pocket hospital costs, 区民政局's cremation records, 区教委's
school enrolments, 区房管局's housing hardship), seven warning rules of the three grades,
the hardship score's indicators and the local standard. Four invented households are
registered in four subdistricts; each department uploads this month's extract; the rules
are evaluated, raising warnings of each grade. The red warning of the death in 天桥 is
given to 天桥街道办事处, whose liaison (``liaison-xc-tq``) has it to visit.

Invented people and numbers only. Idempotent: a second run finds the rules and stops.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from assistance.spreadsheets import csv_bytes
from ledger.models import LocalStandard
from members.models import LeadingGroup, MemberUnit
from verification import register
from verification.connectors import snapshot_import
from verification.demo import demo_id
from verification.models import ItemMeaning, VerificationItem

from . import services
from .evaluation import evaluate
from .models import (
    EarlyWarning,
    EvaluationRun,
    Grade,
    IndicatorKind,
    RuleKind,
    ScoreIndicator,
    WarningRule,
)

# (unit code, item code, name, meaning, has an amount)
ITEMS = [
    ("xc-canlian", "xc-disability-certificate", "持证残疾人", ItemMeaning.DISABILITY, False),
    ("xc-renshe", "xc-registered-unemployed", "登记失业人员", ItemMeaning.UNEMPLOYED, False),
    ("xc-weisheng", "xc-hospital-self-paid", "住院个人自付费用", ItemMeaning.HOSPITAL, True),
    ("xc-weisheng", "xc-severe-illness", "重特大疾病", ItemMeaning.ILLNESS, False),
    ("xc-minzheng", "xc-cremation", "火化（殡葬）记录", ItemMeaning.DEATH, False),
    ("xc-jiaowei", "xc-school-enrolment", "入学登记", ItemMeaning.SCHOOL, False),
    ("xc-fangguan", "xc-housing-hardship", "住房困难登记", ItemMeaning.HOUSING, False),
]

# (name, kind, grade, working days, period, reason, parameters)
RULES = [
    ("家庭成员死亡", RuleKind.DEATH, Grade.RED, 3, "quarter",
     "{name}已于{date}死亡（殡葬记录），请核实家庭其他成员的生活来源。", {}),
    ("大额住院自付", RuleKind.HOSPITAL_COSTS, Grade.RED, 5, "quarter",
     "{name}住院个人自付{amount}元（{date}），可能因病致困。", {"min_amount": Decimal("20000")}),
    ("新增持证残疾", RuleKind.DISABILITY_NEW, Grade.ORANGE, 10, "year",
     "{name}于{date}新办残疾人证（{details}），请核实护理和生活情况。", {}),
    ("收入低于低保标准未获救助", RuleKind.INCOME_UNDER_STANDARD, Grade.ORANGE, 10, "quarter",
     "核对人均月收入{amount}元，低于当地低保标准{line}元，且台账中无在享救助。", {}),
    ("登记失业", RuleKind.UNEMPLOYED, Grade.YELLOW, 15, "quarter",
     "{name}（{age}岁）登记失业，请了解就业和收入情况。", {}),
    ("低收入家庭子女入学", RuleKind.SCHOOL_START, Grade.YELLOW, 15, "year",
     "{name}（{age}岁）{date}入学登记，家庭为低收入家庭，可了解助学需求。", {}),
    ("独居老人", RuleKind.ELDERLY_ALONE, Grade.YELLOW, 15, "year",
     "{name}，{age}岁，独自居住，请上门探访。", {"min_age": 80}),
]  # fmt: skip

INDICATORS = [
    (IndicatorKind.INCOME_GAP, "40"),
    (IndicatorKind.DISABILITY_ILLNESS, "15"),
    (IndicatorKind.ELDERLY, "5"),
    (IndicatorKind.ALONE, "10"),
    (IndicatorKind.SCHOOL, "6"),
    (IndicatorKind.HOUSING, "12"),
]

# (town, address, applies for, [(name, relation, birth, sequence)])
HOUSEHOLDS = [
    ("德胜街道", "德胜街道演示社区 2 号楼 305 室", "low_income", [
        ("赵某强", "applicant", "19740310", "511"),
        ("孙某梅", "spouse", "19760822", "522"),
        ("赵某朵", "child", None, "533"),
    ]),
    ("大栅栏街道", "大栅栏街道演示胡同 17 号", "dibao", [
        ("钱某国", "applicant", "19800105", "541"),
        ("李某霞", "spouse", "19820917", "552"),
        ("钱某宇", "child", "20110430", "563"),
    ]),
    ("天桥街道", "天桥街道演示小区 8 号楼 101 室", "dibao", [
        ("周某华", "applicant", "19480212", "571"),
        ("吴某兰", "spouse", "19500619", "582"),
    ]),
    ("什刹海街道", "什刹海街道演示胡同 3 号", "tekun", [
        ("郑某英", "applicant", "19410801", "594"),
    ]),
]  # fmt: skip

# What each department's extract holds: (household, member, item code, details, amount)
RECORDS = [
    (0, 1, "xc-hospital-self-paid", "恶性肿瘤住院治疗", "38600.00"),
    (0, 2, "xc-school-enrolment", "2026年秋季一年级", ""),
    (0, 0, "xc-housing-hardship", "人均住房面积不足", ""),
    (1, 0, "xc-registered-unemployed", "2026年登记失业", ""),
    (1, 1, "xc-disability-certificate", "肢体残疾三级", ""),
    (2, 1, "xc-cremation", "八宝山殡仪馆火化", ""),
    (2, 0, "xc-severe-illness", "慢性阻塞性肺病", ""),
]


def _first_grader(today: datetime.date) -> str:
    """The birth date of a child who turns six this year."""
    return f"{today.year - 6}0315"


def _configure(group: LeadingGroup) -> dict[str, VerificationItem]:
    units = {u.code: u for u in MemberUnit.objects.filter(group=group)}
    items = {}
    for unit_code, code, name, meaning, amount in ITEMS:
        items[code], _created = VerificationItem.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": units[unit_code],
                "meaning": meaning,
                "has_amount": amount,
                "description": "示例：主动发现所用的登记信息。",
            },
        )
    for order, (name, kind, grade, days, period, reason, parameters) in enumerate(RULES):
        WarningRule.objects.get_or_create(
            office=group,
            name=name,
            defaults={
                "kind": kind,
                "grade": grade,
                "deadline_days": days,
                "period": period,
                "reason_template": reason,
                "order": order,
                **parameters,
            },
        )
    for kind, weight in INDICATORS:
        ScoreIndicator.objects.get_or_create(
            office=group, kind=kind, defaults={"weight": Decimal(weight)}
        )
    LocalStandard.objects.get_or_create(
        office=group,
        valid_from=datetime.date(2025, 1, 1),
        defaults={
            "income_per_head_month": Decimal("1450"),
            "property_per_head": Decimal("50000"),
            "document": "示例：本市2025年城乡低保标准",
        },
    )
    return items


def _households(clerk, group, today) -> list:
    households = []
    for town, address, kind, people in HOUSEHOLDS:
        households.append(
            register.household_register(
                actor=clerk,
                office=group,
                address=address,
                town=town,
                assistance_type=kind,
                members=[
                    register.MemberData(name, relation, demo_id(birth or _first_grader(today), seq))
                    for name, relation, birth, seq in people
                ],
            )
        )
    return [list(h.members.order_by("pk")) for h in households]


def _extracts(items, members, admin, today) -> None:
    """Each department's extract of this month, uploaded by its liaison (the administrator
    for a unit without one)."""
    by_unit: dict = {}
    for household, member, code, details, amount in RECORDS:
        item = items[code]
        row = (members[household][member].id_number, code, details, amount)
        by_unit.setdefault(item.unit, []).append(row)
    for unit, rows in by_unit.items():
        liaison = unit.liaisons.filter(active=True).select_related("user").first()
        snapshot_import(
            actor=liaison.user if liaison else admin,
            unit=unit,
            upload=ContentFile(
                csv_bytes([("身份证号码", "事项代码", "详情", "金额"), *rows]),
                name=f"{unit.code}.csv",
            ),
            taken_on=today,
        )


@transaction.atomic
def demo_monitoring() -> int:
    """Configure Xicheng's monitoring, register its demo households, upload the extracts,
    evaluate and give the red warning of the death to 天桥街道办事处. Returns how many
    warnings were raised (0 when already done, or without the register or the accounts)."""
    group = LeadingGroup.objects.filter(code="xicheng").first()
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["admin", "clerk", "director"])}  # fmt: skip
    if group is None or len(users) < 3 or WarningRule.objects.filter(office=group).exists():
        return 0
    today = timezone.localdate()
    items = _configure(group)
    members = _households(users["clerk"], group, today)
    _extracts(items, members, users["admin"], today)
    run = evaluate(trigger=EvaluationRun.Trigger.SCHEDULE, actor=users["clerk"], today=today)
    death = EarlyWarning.objects.filter(rule__office=group, rule__kind=RuleKind.DEATH).first()
    tianqiao = MemberUnit.objects.filter(group=group, code="xc-tianqiao").first()
    if death is not None and tianqiao is not None:
        services.warning_assign(actor=users["director"], warning=death, unit=tianqiao)
    return run.raised
