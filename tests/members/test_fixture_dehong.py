"""The Dehong fixture against its notice (seed 003, 德宏州人民政府办公室, 2017年2月17日).

Notes on the transcription:

- The notice has no document number. It calls the group 协调工作领导小组 (heading 一) and
  领导小组 elsewhere; the group's name joins that to the mechanism the notice sets up.
- The roster pads two-character names with a full-width space (俄　吞, 郑　宇, 郑　瑜, 余　梁);
  persons are stored without it.
- 州人民政府 is not a member unit: the leader and the first deputy leader hold posts there and
  have no unit.
- The roster writes 州残疾人联合会 and section 三 writes 州残联: the unit's name and short name.
- The office director is 罗建明, "由副局长罗建明同志担任办公室主任" in the office hosted by the
  州民政局, hence the title 州民政局副局长.
- Duties are section 三, one paragraph per unit; only the housing bureau's is split, between
  its first sentence (the system: policy) and the second (standards, housing, renovation).
  Slips in the notice are kept as written (e.g. 住房困难调准和救助标准).
"""

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from members.models import Duty, LeadingGroup, MemberUnit, Position

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "dehong.json"

UNITS = [
    "州民政局",
    "州发展改革委",
    "州人力资源和社会保障局",
    "州财政局",
    "州教育局",
    "州住房和城乡规划建设局",
    "州卫生计生委",
    "州扶贫办",
    "州残疾人联合会",
]


@pytest.fixture
def group(db):
    call_command("loaddata", str(FIXTURE), verbosity=0)
    return LeadingGroup.objects.get(code="dehong")


@pytest.mark.django_db
def test_group_is_the_leading_group_of_the_notice(group):
    assert group.pk == 4
    assert group.name == "德宏州困难群众基本生活保障工作协调工作领导小组"
    assert group.short_name == "领导小组"
    assert group.kind == LeadingGroup.Kind.LEADING_GROUP
    assert group.region == "云南省德宏州"
    assert group.notice_title == (
        "德宏州人民政府办公室关于建立德宏州困难群众基本生活保障工作协调机制的通知"
    )
    assert group.document_number == ""
    assert group.issuing_office == "德宏州人民政府办公室"
    assert group.issued_on == datetime.date(2017, 2, 17)
    assert group.order == 4
    assert group.duties == (
        "认真落实党中央、国务院和省委、省政府关于社会政策托底的部署要求和守住底线、突出重点、"
        "完善制度、引导舆论的民生工作思路，定期研究德宏州各类困难群众基本生活保障问题，"
        "审议加强全州困难群众基本生活保障工作的政策、措施，"
        "督促检查全州困难群众基本生活保障工作全面有序开展。"
    )


@pytest.mark.django_db
def test_office_and_meeting_rule(group):
    assert group.office_host_unit == MemberUnit.objects.get(group=group, name="州民政局")
    assert group.office_duties.startswith("分析研究加强全州困难群众基本生活保障工作中存在的困难")
    assert group.office_duties.endswith("负责领导小组的日常工作，承办领导小组交办的其他事项。")
    director = Position.objects.get(group=group, role=Position.Role.OFFICE_DIRECTOR)
    assert (director.person, director.title) == ("罗建明", "州民政局副局长")
    assert director.unit == group.office_host_unit
    assert group.meetings_per_year == 2
    assert group.meeting_rule == (
        "领导小组每年召开两次会议，特殊情况及时召开，"
        "主要是了解各成员单位开展困难群众基本生活保障情况，"
        "解决困难群众基本生活保障中遇到的困难和问题。"
    )


@pytest.mark.django_db
def test_member_units(group):
    units = list(MemberUnit.objects.filter(group=group))
    assert [u.name for u in units] == UNITS
    assert [u.pk for u in units] == list(range(4001, 4010))
    assert all(u.is_member and u.active for u in units)
    assert not MemberUnit.objects.filter(group=group, name__startswith="州人民政府").exists()
    disabled = MemberUnit.objects.get(group=group, name="州残疾人联合会")
    assert (disabled.short_name, disabled.kind) == ("州残联", MemberUnit.Kind.MASS_ORGANISATION)
    assert MemberUnit.objects.filter(group=group, kind=MemberUnit.Kind.GOVERNMENT).count() == 8


@pytest.mark.django_db
def test_roster(group):
    positions = list(Position.objects.filter(group=group))
    assert [(p.role, p.person, p.title) for p in positions] == [
        ("leader", "俄吞", "州人民政府副州长"),
        ("deputy_leader", "李晓辉", "州人民政府副秘书长"),
        ("deputy_leader", "罗祥荣", "州民政局局长"),
        ("member", "唐宏君", "州发展改革委副主任"),
        ("member", "郑宇", "州人力资源和社会保障局副局长"),
        ("member", "帕安胜", "州财政局副局长"),
        ("member", "郑瑜", "州教育局副局长"),
        ("member", "杨试纲", "州住房和城乡规划建设局副局长"),
        ("member", "何明庚", "州卫生计生委副主任"),
        ("member", "张景虎", "州扶贫办副主任"),
        ("member", "余梁", "州残疾人联合会副理事长"),
        ("office_director", "罗建明", "州民政局副局长"),
    ]
    assert positions[0].unit is None and positions[1].unit is None
    for position in positions[2:]:
        assert position.title.startswith(position.unit.name)
    # every member unit other than the 民政局 sends exactly one member
    members = Position.objects.filter(group=group, role=Position.Role.MEMBER)
    assert sorted(members.values_list("unit__name", flat=True)) == sorted(UNITS[1:])


@pytest.mark.django_db
def test_duties_by_unit(group):
    counts = {unit.name: unit.duties.count() for unit in MemberUnit.objects.filter(group=group)}
    assert counts == dict.fromkeys(UNITS, 1) | {"州住房和城乡规划建设局": 2}
    assert Duty.objects.filter(unit__group=group).count() == 10


@pytest.mark.django_db
def test_duty_texts(group):
    def text(unit_name):
        return "".join(Duty.objects.filter(unit__name=unit_name).values_list("text", flat=True))

    assert text("州发展改革委") == (
        "统筹衔接保障困难群众基本生活规划工作，在中长期发展规划和相关规划编制、"
        "深化经济体制改革和收入分配改革等工作中纳入保障困难群众基本生活的相关内容；"
        "牵头落实社会救助和保障标准与物价上涨挂钩联动机制，防止物价波动影响困难群众基本生活。"
    )
    assert text("州残疾人联合会") == (
        "组织开展困难残疾人康复、教育、就业、职业培训、扶贫、维权工作。"
        "负责特困残疾人家庭专项生活补助金发放、贫困残疾人劳动技能免费培训等帮扶救助工作，"
        "协助做好对无固定收入重残人员生活救助工作。"
    )
    assert text("州财政局").startswith("优化财政结构支出，科学合理编制困难群众生活保障资金预算")
    assert text("州民政局").startswith(
        "按照政府领导、民政部门牵头、有关部门配合、社会力量参与的困难群众基本生活保障工作协调机制要求。"
        "负责统筹推进全州困难群众基本生活保障工作。"
    )

    # the housing bureau's paragraph, split in two, reads back whole
    housing = list(Duty.objects.filter(unit__name="州住房和城乡规划建设局"))
    assert [(d.order, d.category) for d in housing] == [
        (1, Duty.Category.POLICY),
        (2, Duty.Category.ASSISTANCE_DELIVERY),
    ]
    assert housing[0].text == "建立健全困难群众住房救助制度。"
    assert text("州住房和城乡规划建设局") == (
        "建立健全困难群众住房救助制度。根据我州经济社会发展水平、房地产市场状况以及财力可能，"
        "制定并及时调整住房困难调准和救助标准，确保符合条件的最低生活保障家庭、"
        "分散供养的特困人员全部纳入住房保障体系，优先安排解决；规范城镇保障性住房的建设和管理，"
        "不断推进农村危旧房改造和地震安居工程，切实保障困难群众的基本居住需要。"
    )
