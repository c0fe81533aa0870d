"""The Huangchuan fixture against its notice (seed 004, 潢政办〔2021〕23号, 2021年5月21日).

Notes on the transcription:

- The notice names no province, so the region is 潢川县; it names no leader of the group
  either, so the only position is the office director, 民政局主要负责人 (post only, no person).
- The notice gives the group no duties of its own: 一 sets it up and gives the office
  "负责该项工作的组织、协调和日常工作"; 三、定期协调 (how and when the group meets) is the
  meeting rule. "原则上每季度召开一次协调会议" gives four regular meetings a year.
- 交通局 (member list in 一) and 交通运输管理局 (duties in 四) are the same unit, stored as
  交通局. 民政部门 in 四 is the 民政局.
- 人民银行 has a duty in 四 ("人民银行根据授权：…") but is not in the member list: a unit that is
  not a member. Its duty text is what follows the colon.
- 县政府办 and 住建局 are members without a written duty.
- Every duty is a line of 四 after its unit and colon, punctuation as written (the 公安局 line's
  inner "：" and the 房管中心 line's half-width ";").
"""

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from members.models import Duty, LeadingGroup, MemberUnit, Position

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "huangchuan.json"

MEMBER_LIST = [
    "县政府办",
    "民政局",
    "财政局",
    "人社局",
    "编办",
    "市场监管局",
    "公安局",
    "房管中心",
    "税务局",
    "交通局",
    "林茶局",
    "农机中心",
    "住建局",
    "住房公积金管理中心",
    "企业养老保险中心",
]

# 四、部门职责, line by line: (unit as stored, text after the notice's "<unit>：")
DUTIES = [
    ("财政局", "负责审核申请低保家庭成员中是否有财政开支人员（包括差额开支人员）信息。"),
    ("编办", "负责审核申请低保家庭成员中是否有行政机关、事业单位编制信息。"),
    (
        "人社局",
        "负责审核申请低保家庭成员中，是否有在人社局劳动用工人员备案或公益性岗位工作人员备案信息。",
    ),
    ("市场监管局", "负责审核申请低保家庭成员中是否有注册工商营业执照信息。"),
    (
        "公安局",
        "负责审核申请低保家庭成员中是否在死亡但户口未注销人员：申请低保家庭成员中是否有私家车辆信息。",
    ),
    ("房管中心", "负责审核低保家庭有无高档住房或多出房产信息;有无门市商品房信息。"),
    ("税务局", "负责审核申请低保家庭是否有交税信息。"),
    ("住房公积金管理中心", "负责审核申请低保家庭成员中是否享有住房公积金待遇信息。"),
    ("交通局", "负责审核申请低保家庭是否有营运车辆信息。"),
    ("林茶局", "负责审核申请低保家庭成员是否有私有林地产权信息。"),
    ("农机中心", "负责审核申请低保家庭成员中是否有大型农机具信息。"),
    ("企业养老保险中心", "负责审核低保申请人是否领取养老保险金。"),
    ("人民银行", "负责提供核实城乡居民个人或家庭成员的银行储蓄信息等情况。"),
    ("民政局", "负责核查、审批、资金发放等工作。"),
]


@pytest.fixture
def group(db):
    call_command("loaddata", str(FIXTURE), verbosity=0)
    return LeadingGroup.objects.get(code="huangchuan")


@pytest.mark.django_db
def test_group_is_the_leading_group_of_the_notice(group):
    assert group.pk == 5
    assert group.name == "潢川县困难群众基本生活保障工作领导小组"
    assert group.short_name == "领导小组"
    assert group.kind == LeadingGroup.Kind.LEADING_GROUP
    assert group.region == "潢川县"
    assert (
        group.notice_title == "潢川县人民政府办公室关于建立困难群众基本生活保障工作协调机制的通知"
    )
    assert group.document_number == "潢政办〔2021〕23号"
    assert group.issuing_office == "潢川县人民政府办公室"
    assert group.issued_on == datetime.date(2021, 5, 21)
    assert group.order == 5
    assert group.duties == ""


@pytest.mark.django_db
def test_office_and_meeting_rule(group):
    assert group.office_host_unit == MemberUnit.objects.get(group=group, name="民政局")
    assert group.office_duties == "负责该项工作的组织、协调和日常工作。"
    assert group.meetings_per_year == 4
    assert group.meeting_rule == (
        "领导小组每年年初召开会议研究部署困难群众基本生活保障工作，研究确定财政预算投入。"
        "原则上每季度召开一次协调会议，协调解决工作中出现的问题和困难，"
        "督促各相关单位进一步抓好工作落实。每年年底对全年工作进行总结梳理，推广工作经验，"
        "查找薄弱环节，推进困难群众基本生活保障工作制度化、规范化、科学化。"
    )


@pytest.mark.django_db
def test_only_position_is_the_office_director(group):
    position = Position.objects.get(group=group)
    assert position.pk == 5001
    assert position.role == Position.Role.OFFICE_DIRECTOR
    assert (position.person, position.title) == ("", "民政局主要负责人")
    assert position.unit == group.office_host_unit


@pytest.mark.django_db
def test_member_units_and_the_bank(group):
    members = MemberUnit.objects.filter(group=group, is_member=True)
    assert list(members.values_list("name", flat=True)) == MEMBER_LIST
    assert list(members.values_list("order", flat=True)) == list(range(1, 16))
    bank = MemberUnit.objects.get(group=group, is_member=False)
    assert (bank.pk, bank.name, bank.kind) == (5016, "人民银行", MemberUnit.Kind.BANK)
    assert MemberUnit.objects.filter(group=group).count() == 16

    kinds = dict(MemberUnit.objects.filter(group=group).values_list("name", "kind"))
    institutions = {name for name, kind in kinds.items() if kind == MemberUnit.Kind.INSTITUTION}
    assert institutions == {"房管中心", "农机中心", "住房公积金管理中心", "企业养老保险中心"}
    assert list(kinds.values()).count(MemberUnit.Kind.GOVERNMENT) == 11
    assert not MemberUnit.objects.filter(group=group, name="交通运输管理局").exists()


@pytest.mark.django_db
def test_every_duty_line_of_section_4(group):
    duties = list(Duty.objects.filter(unit__group=group).order_by("pk"))
    assert [(d.unit.name, d.text) for d in duties] == DUTIES
    assert [d.pk for d in duties] == list(range(50001, 50015))
    categories = {d.unit.name: d.category for d in duties}
    assert categories.pop("民政局") == Duty.Category.ASSISTANCE_DELIVERY
    assert set(categories.values()) == {Duty.Category.DATA_VERIFICATION}


@pytest.mark.django_db
def test_duties_by_unit(group):
    counts = {unit.name: unit.duties.count() for unit in MemberUnit.objects.filter(group=group)}
    assert {name for name, n in counts.items() if n == 0} == {"县政府办", "住建局"}
    assert all(n <= 1 for n in counts.values())


@pytest.mark.django_db
def test_the_three_county_fixtures_load_together():
    """Zhangbei, Dehong and Huangchuan share one database: pks and unit codes must not clash."""
    fixtures = FIXTURE.parent
    for name in ("zhangbei", "dehong", "huangchuan"):
        call_command("loaddata", str(fixtures / f"{name}.json"), verbosity=0)
    assert MemberUnit.objects.filter(
        group__code__in=["zhangbei", "dehong", "huangchuan"]
    ).count() == (13 + 9 + 16)
