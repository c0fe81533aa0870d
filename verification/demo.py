"""Invented households for the demo (``manage.py load_demo``). Names are made up and ID
numbers are generated with valid check characters; none belongs to a real person."""

import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from assistance.idnumbers import check_character
from assistance.spreadsheets import csv_bytes
from members.models import LeadingGroup, MemberUnit

from . import register, services
from .batches import batch_submit
from .connectors import snapshot_import
from .models import Household, UnitConnector

# A one-page PDF: enough for the scan check and for a browser to open.
DEMO_SCAN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

# (town, address, applies for,
#  [(name, relation, birth date, sequence, has capacity, guardian who signs or "")])
HOUSEHOLDS = [
    (
        "春申街道",
        "春申街道演示社区 1 号楼 101 室",
        "dibao",
        [
            ("刘某明", "applicant", "19680312", "101", True, ""),
            ("王某芳", "spouse", "19700521", "202", True, ""),
            ("刘某乐", "child", "20120908", "303", True, "刘某明"),
        ],
    ),
    (
        "弋阳街道",
        "弋阳街道演示小区 6 号",
        "temporary",
        [("陈某华", "applicant", "19550101", "415", False, "陈某军")],
    ),
]


def demo_id(birth: str, sequence: str, *, region: str = "411526") -> str:
    first17 = f"{region}{birth}{sequence}"
    return first17 + check_character(first17)


# Departments of Huangchuan that answer from a registry snapshot in the demo, and the
# snapshot rows (member index in the first household, item code, details, amount).
SNAPSHOT_UNITS = {
    "hc-taxation": [(0, "hc-tax-paid", "2025年度个人所得税", "1260.00")],
    "hc-enterprise-pension-centre": [],
}


def demo_connectors(*, liaison_of, members) -> None:
    """Switch the tax office and the pension centre to registry snapshots, each with an
    uploaded extract (the tax office holds a record on the first applicant)."""
    for code, rows in SNAPSHOT_UNITS.items():
        unit = MemberUnit.objects.filter(code=code).first()
        if unit is None:
            continue
        UnitConnector.objects.update_or_create(
            unit=unit, defaults={"kind": UnitConnector.Kind.SNAPSHOT}
        )
        table = [("身份证号码", "事项代码", "详情", "金额")]
        table += [
            (members[i].id_number, item, details, amount) for i, item, details, amount in rows
        ]
        snapshot_import(
            actor=liaison_of(unit),
            unit=unit,
            upload=ContentFile(csv_bytes(table), name=f"{code}.csv"),
            taken_on=timezone.localdate(),
        )


@transaction.atomic
def demo_households(*, clerk, liaison_of=None) -> int:
    office = LeadingGroup.objects.filter(code="huangchuan").first()
    if office is None or Household.objects.filter(office=office).exists():
        return 0
    today = timezone.localdate()
    for index, (town, address, kind, people) in enumerate(HOUSEHOLDS):
        household = register.household_register(
            actor=clerk,
            office=office,
            address=address,
            town=town,
            assistance_type=kind,
            members=[
                register.MemberData(name, relation, demo_id(birth, seq), capacity)
                for name, relation, birth, seq, capacity, _guardian in people
            ],
        )
        guardians = {person[0]: person[5] for person in people}
        for member in household.members.all():
            guardian = guardians[member.name]
            register.authorization_record(
                actor=clerk,
                member=member,
                signed_on=today - datetime.timedelta(days=3),
                valid_until=today + datetime.timedelta(days=365),
                signer="guardian" if guardian else "self",
                guardian_name=guardian,
                scan=ContentFile(DEMO_SCAN, name="authorization.pdf"),
            )
        if index == 0 and services.default_items(office):
            if liaison_of is not None:
                demo_connectors(
                    liaison_of=liaison_of, members=list(household.members.order_by("pk"))
                )
            services.request_submit(actor=clerk, household=household)
    if services.default_items(office):
        # The households due for re-check (those not under verification) as a batch, so
        # the batch pages have something to show.
        batch_submit(actor=clerk, office=office)
    return len(HOUSEHOLDS)
