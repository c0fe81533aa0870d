"""The verification-item catalogue seeded from the duties: Huangchuan's 四、部门职责 (seed
004) and the data duties of Mentougou's 附件2 (seed 000).

Notes on the transcription:

- One item per thing a duty says the unit checks; a duty naming two things (人社局's 劳动用工
  and 公益性岗位 records, 公安局's deaths not deregistered and private cars, 房管中心's extra
  property and shops) gives two items with the same description.
- The description is the duty's sentence as written; where a unit's paragraph joins
  several duties with "；" (区民政局, 区司法局), the clause about the data it provides.
- Huangchuan's 民政部门 "负责核查、审批、资金发放": it runs the verification, it is not asked
  for data, so it has no item there. Mentougou's 区民政局 provides 享受社会救助、优待抚恤、
  婚姻登记、殡葬 information and has three items.
- 户籍 (Mentougou police) identifies the person and is informational: it is the one item that
  does not bear on eligibility. Tax, pensions, deposits and demolition compensation carry
  an amount.
"""

from pathlib import Path

import pytest
from django.core.management import call_command

from members.models import Duty, LeadingGroup, MemberUnit
from verification.models import VerificationItem
from verification.services import default_items

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

# (unit as named in its notice, item names in order)
HUANGCHUAN = [
    ("财政局", ["财政开支人员（含差额开支）"]),
    ("编办", ["行政机关、事业单位编制"]),
    ("人社局", ["劳动用工备案", "公益性岗位备案"]),
    ("市场监管局", ["工商营业执照"]),
    ("公安局", ["死亡未注销户口", "私家车辆"]),
    ("房管中心", ["高档住房或多出房产", "门市商品房"]),
    ("税务局", ["纳税"]),
    ("交通局", ["营运车辆"]),
    ("林茶局", ["私有林地产权"]),
    ("农机中心", ["大型农机具"]),
    ("住房公积金管理中心", ["住房公积金"]),
    ("企业养老保险中心", ["养老保险金"]),
    ("人民银行", ["银行储蓄"]),
]
MENTOUGOU = [
    ("区民政局", ["享受社会救助、优待抚恤", "婚姻登记", "殡葬"]),
    ("区住房城乡建设委", ["商品房、保障性住房等房产"]),
    ("区工商分局", ["私营企业或个体工商户登记"]),
    ("区公安分局", ["户籍", "车辆"]),
    ("区国税局", ["纳税"]),
    ("区地税局", ["纳税"]),
    ("区司法局", ["社区服刑或安置帮教期内刑满释放"]),
    ("区房屋征收中心", ["拆迁款发放", "回迁房购买"]),
]
WITH_AMOUNT = {
    ("税务局", "纳税"),
    ("企业养老保险中心", "养老保险金"),
    ("人民银行", "银行储蓄"),
    ("区国税局", "纳税"),
    ("区地税局", "纳税"),
    ("区房屋征收中心", "拆迁款发放"),
}
NOT_BEARING = {("区公安分局", "户籍")}


@pytest.fixture
def catalogue():
    for name in ("mentougou", "huangchuan", "verification_items"):
        call_command("loaddata", str(FIXTURES / f"{name}.json"), verbosity=0)
    return VerificationItem.objects.select_related("unit__group")


@pytest.mark.parametrize(
    ("group_code", "prefix", "pks", "expected"),
    [
        ("huangchuan", "hc-", range(501, 600), HUANGCHUAN),
        ("mentougou", "mtg-", range(101, 200), MENTOUGOU),
    ],
)
def test_each_office_has_the_items_its_notice_names(catalogue, group_code, prefix, pks, expected):
    items = catalogue.filter(unit__group__code=group_code)
    by_unit = {}
    for item in items.order_by("unit__order", "order", "pk"):
        by_unit.setdefault(item.unit.name, []).append(item.name)
    assert sorted(by_unit.items()) == sorted(expected)
    for item in items:
        assert item.code.startswith(prefix)
        assert item.pk in pks
        assert item.active
        assert item.has_amount == ((item.unit.name, item.name) in WITH_AMOUNT)
        assert item.bears_on_eligibility == ((item.unit.name, item.name) not in NOT_BEARING)


def test_every_item_is_valid_and_quotes_its_units_duty(catalogue):
    assert catalogue.count() == 28
    for item in catalogue:
        item.full_clean()
        duties = Duty.objects.filter(unit=item.unit).values_list("text", flat=True)
        assert any(item.description in text for text in duties), item.code
        # The description is a whole sentence or clause, not a fragment.
        assert item.description.startswith(("负责", "与民政局", "配合")), item.code


def test_huangchuans_civil_affairs_bureau_checks_nothing(catalogue):
    civil_affairs = MemberUnit.objects.get(group__code="huangchuan", name="民政局")
    assert not catalogue.filter(unit=civil_affairs).exists()


def test_by_default_a_huangchuan_request_goes_to_the_thirteen_departments(catalogue):
    office = LeadingGroup.objects.get(code="huangchuan")
    units = {item.unit.name for item in default_items(office)}
    assert units == {name for name, _ in HUANGCHUAN}
    assert len(units) == 13
