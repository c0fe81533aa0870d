"""The Zhangbei fixture against its notice (seed 001, 张政办〔2017〕7号).

Notes on the transcription:

- The signature date is garbled on the page as "2017218" (year, month and day run together);
  the page's own 发布时间 is 2017-03-24, so the only reading that precedes publication is
  2017年2月18日, stored as 2017-02-18.
- The notice writes both 联席会议 and (in its headings and first sentence) 联系会议; texts keep
  whichever spelling the notice uses at that place. It also uses half-width punctuation (","
  ";" "(二)"), kept as written.
- The notice names posts, not people: the leader is 政府分管民政工作的副县长, "联系会议总召集人";
  the office director is the 民政局长; the liaisons (各成员单位主管负责同志) are one office-member
  post. All have a blank person.
- Only two unit duties are written: 四(一) for the township governments and 四(二) for the
  civil-affairs department (民政部门, i.e. the 民政局).
"""

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from members.models import Duty, LeadingGroup, MemberUnit, Position

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "zhangbei.json"

MEMBER_LIST = [
    "各乡镇人民政府",
    "县政府办",
    "民政局",
    "发改局",
    "财政局",
    "教育局",
    "人社局",
    "公安局",
    "住建局",
    "卫计局",
    "扶贫办",
    "总工会",
    "残联",
]


@pytest.fixture
def group(db):
    call_command("loaddata", str(FIXTURE), verbosity=0)
    return LeadingGroup.objects.get(code="zhangbei")


@pytest.mark.django_db
def test_group_is_the_joint_meeting_of_the_notice(group):
    assert group.pk == 2
    assert group.name == "张北县困难群众基本生活保障联席会议"
    assert group.kind == LeadingGroup.Kind.JOINT_MEETING
    assert group.region == "河北省张北县"
    assert (
        group.notice_title == "张北县人民政府办公室关于建立困难群众基本生活保障工作协调机制的通知"
    )
    assert group.document_number == "张政办〔2017〕7号"
    assert group.issuing_office == "张北县人民政府办公室"
    assert group.issued_on == datetime.date(2017, 2, 18)
    assert group.order == 2


@pytest.mark.django_db
def test_group_duties_are_the_two_paragraphs_of_section_2_2(group):
    first, second = group.duties.split("\n")
    assert first.startswith("困难群众基本生活保障联系会议在县委、县政府的领导下,研究分析全县")
    assert "研究解决申请救助家庭经济状况核对跨部门信息共享问题;" in first
    assert first.endswith("进一步推进城乡社会救助体系建设,切实保障困难群众的基本生活。")
    assert second == (
        "联席会议各成员单位在联席会议统筹协调下,按照各自的职责分工,各司其职,密切配合,"
        "共同做好社会救助工作。"
    )


@pytest.mark.django_db
def test_office_is_hosted_by_the_civil_affairs_bureau(group):
    assert group.office_host_unit == MemberUnit.objects.get(group=group, name="民政局")
    assert group.office_duties == (
        "办公室主要负责联席会议日常工作,承担联席会议组织和成员单位联络沟通任务,"
        "督促落实联席会议作出的各项决定。"
    )
    director = Position.objects.get(group=group, role=Position.Role.OFFICE_DIRECTOR)
    assert (director.person, director.title, director.unit) == (
        "",
        "民政局长",
        group.office_host_unit,
    )


@pytest.mark.django_db
def test_meeting_rule_keeps_the_five_numbered_rules(group):
    assert group.meetings_per_year == 12
    rules = group.meeting_rule.split("\n")
    assert [rule[:2] for rule in rules] == ["1.", "2.", "3.", "4.", "5."]
    assert rules[0] == (
        "1.联席会议原则上每年召开12次例会,根据县委、县政府指示或工作需要可随时召开会议,"
        "出席会议的人员范围根据议事内容和实际情况确定。"
    )
    assert rules[1] == (
        "2.需上报列入联席会议审议的事项,经联席会议办公室主任审核后,向联席会议总召集人呈报审批。"
    )
    assert rules[4] == "5.各相关单位负责抓好联席会议议定事项的落实工作。"


@pytest.mark.django_db
def test_member_units_follow_the_member_list(group):
    units = list(MemberUnit.objects.filter(group=group))
    assert [u.name for u in units] == MEMBER_LIST
    assert [u.order for u in units] == list(range(1, 14))
    assert [u.pk for u in units] == list(range(2001, 2014))
    assert all(u.is_member and u.active and u.phone == "" for u in units)
    kinds = {u.name: u.kind for u in units}
    assert kinds["各乡镇人民政府"] == MemberUnit.Kind.TOWNSHIP
    assert kinds["总工会"] == kinds["残联"] == MemberUnit.Kind.MASS_ORGANISATION
    assert sum(k == MemberUnit.Kind.GOVERNMENT for k in kinds.values()) == 10
    # the notice itself shortens 各乡镇人民政府 to 各乡镇政府 in 四(一)
    assert MemberUnit.objects.get(name="各乡镇人民政府").display_name == "各乡镇政府"


@pytest.mark.django_db
def test_positions_name_posts_only(group):
    positions = list(Position.objects.filter(group=group))
    assert [(p.role, p.title) for p in positions] == [
        (Position.Role.LEADER, "政府分管民政工作的副县长"),
        (Position.Role.OFFICE_DIRECTOR, "民政局长"),
        (Position.Role.OFFICE_MEMBER, "各成员单位主管负责同志"),
    ]
    assert all(p.person == "" for p in positions)
    assert positions[0].unit is None and positions[2].unit is None
    assert not Position.objects.filter(
        group=group, role__in=[Position.Role.DEPUTY_LEADER, Position.Role.MEMBER]
    ).exists()


@pytest.mark.django_db
def test_unit_duties_are_sections_4_1_and_4_2(group):
    assert Duty.objects.filter(unit__group=group).count() == 2
    townships = Duty.objects.get(unit__name="各乡镇人民政府", unit__group=group)
    assert townships.text.startswith(
        "各乡镇政府要进一步加强对困难群众基本生活保障工作的组织领导,定期研究部署,认真组织实施。"
    )
    assert "按照“属地管理”和“谁主管谁负责”的原则," in townships.text
    assert townships.text.endswith("组织动员各方面力量参与困难群众基本生活保障工作。")
    civil = Duty.objects.get(unit__name="民政局", unit__group=group)
    assert civil.text == (
        "民政部门担负着统筹全县社会救助体系建设任务,要积极协调有关部门,"
        "建立健全政府领导、民政牵头、部门配合、社会参与的社会救助体系;"
        "牵头拟定社会救助规划、政策和标准,健全城乡社会救助体系;"
        "组织实施城乡最低生活保障、特困人员供养、医疗救助、自然灾害应急救助、残疾人救助、"
        "优抚安置政策落实、临时救助以及老年人、孤儿、流浪乞讨人员等特殊困难群体的救助、"
        "慈善救助和社会互助等工作;负责城乡低收入家庭认定工作;"
        "负责社会救助信息统计和对外发布,统筹社会救助城乡协调发展。"
    )
    assert civil.category == Duty.Category.POLICY
