"""The Xicheng fixture transcribes 西政发〔2013〕13号: its leading group, office, member
units, their duties (三、成员单位职责) and the assistance programmes (三、项目统筹)."""

from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from members.models import AssistanceProgram, Duty, LeadingGroup, MemberUnit, Position

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "xicheng.json"

SUBDISTRICTS = [
    f"{name}街道办事处"
    for name in [
        "德胜",
        "什刹海",
        "西长安街",
        "大栅栏",
        "天桥",
        "新街口",
        "金融街",
        "椿树",
        "陶然亭",
        "展览路",
        "月坛",
        "广安门内",
        "牛街",
        "白纸坊",
        "广安门外",
    ]
]

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    call_command("loaddata", str(FIXTURE), verbosity=0)
    return LeadingGroup.objects.get(code="xicheng")


def names(units):
    return {u.name for u in units}


def test_group_identity(group):
    assert group.pk == 3
    assert group.name == "西城区社会综合救助工作领导小组"
    assert group.short_name == "领导小组"
    assert group.kind == LeadingGroup.Kind.LEADING_GROUP
    assert group.region == "北京市西城区"
    assert group.notice_title == (
        "北京市西城区人民政府关于印发北京市西城区进一步加强社会综合救助工作实施意见的通知"
    )
    assert group.document_number == "西政发〔2013〕13号"
    assert group.issuing_office == "北京市西城区人民政府"
    assert group.issued_on.isoformat() == "2013-11-28"
    assert group.meetings_per_year == 4
    assert "建立领导小组季度例会、成员单位联络员会议" in group.meeting_rule
    assert "区政府主管副区长任组长" in group.duties
    assert "每季度对工作开展情况及资金使用情况进行汇总、分析" in group.duties


def test_office_hosted_by_civil_affairs_and_directed_by_zhang(group):
    assert group.office_host_unit.name == "区民政局"
    assert group.office_duties.startswith("办公室主任由区民政局局长兼任")
    assert "组织开展业务培训" in group.office_duties
    director = Position.objects.get(group=group, role=Position.Role.OFFICE_DIRECTOR)
    assert (director.person, director.title, director.unit.name) == (
        "张中喜",
        "区民政局局长",
        "区民政局",
    )
    deputies = Position.objects.filter(group=group, role=Position.Role.OFFICE_DEPUTY_DIRECTOR)
    assert [(p.title, p.unit.name, p.person) for p in deputies] == [
        ("区民政局主管局长", "区民政局", ""),
        ("区人力社保局主管局长", "区人力社保局", ""),
        ("区红十字会主管会长", "区红十字会", ""),
        ("区残联主管理事长", "区残联", ""),
    ]
    members = Position.objects.filter(group=group, role=Position.Role.OFFICE_MEMBER)
    assert [p.title for p in members] == ["区民政局慈善救助办公室工作人员", "各委办局联络员"]


def test_positions_by_role(group):
    counts = Counter(Position.objects.filter(group=group).values_list("role", flat=True))
    assert counts == {
        "leader": 1,
        "deputy_leader": 7,
        "member": 31,
        "office_director": 1,
        "office_deputy_director": 4,
        "office_member": 2,
    }


def test_leader_and_deputies(group):
    leader = Position.objects.get(group=group, role=Position.Role.LEADER)
    assert (leader.person, leader.title, leader.unit) == ("杜黎彬", "区政府副区长", None)
    deputies = Position.objects.filter(group=group, role=Position.Role.DEPUTY_LEADER)
    assert [(p.person, p.title) for p in deputies] == [
        ("张中喜", "区民政局局长"),
        ("丁大伟", "区教委主任"),
        ("张宗禹", "区财政局局长"),
        ("郁治", "区人力社保局局长"),
        ("李秀荣", "区残联理事长"),
        ("王志东", "区红十字会常务副会长"),
        ("林强", "区慈善协会秘书长"),
    ]


def test_members_names_without_scan_spaces(group):
    members = Position.objects.filter(group=group, role=Position.Role.MEMBER)
    by_person = {p.person: p for p in members}
    assert by_person["金庆"].title == "区教委副主任"
    assert by_person["王静"].unit.name == "区政府民宗侨办"
    assert by_person["吴义"].title == "北京宣房投资管理公司总经理助理"
    assert by_person["王传文"].title == "区房地中心工会主席"
    assert by_person["郝庆斌"].unit.name == "广安门外街道办事处"
    assert all(" " not in p.person and p.person for p in members)
    # One deputy director from each of the 15 subdistrict offices.
    assert sorted(p.unit.name for p in members if p.unit.kind == "subdistrict") == sorted(
        SUBDISTRICTS
    )
    # Every titled seat belongs to the unit its title names.
    for p in Position.objects.filter(group=group, unit__isnull=False):
        assert p.title.startswith(p.unit.name)


def test_units_by_kind(group):
    units = MemberUnit.objects.filter(group=group)
    assert units.count() == 32
    assert Counter(units.values_list("kind", flat=True)) == {
        "government": 9,
        "mass_org": 5,
        "social_org": 1,
        "institution": 1,
        "enterprise": 1,
        "subdistrict": 15,
    }
    assert names(units.filter(kind="mass_org")) == {
        "区总工会",
        "团区委",
        "区妇联",
        "区残联",
        "区红十字会",
    }
    assert units.get(name="区慈善协会").kind == "social_org"
    assert units.get(name="北京宣房投资管理公司").kind == "enterprise"
    assert units.get(name="区房地中心").kind == "institution"
    assert names(units.filter(kind="subdistrict")) == set(SUBDISTRICTS)
    assert not units.filter(name="区政府").exists()
    assert all(u.is_member and u.active for u in units)
    # Ordered by first appearance in the 附件: leaders, then members.
    assert list(units.values_list("name", flat=True)[:8]) == [
        "区民政局",
        "区教委",
        "区财政局",
        "区人力社保局",
        "区残联",
        "区红十字会",
        "区慈善协会",
        "区司法局",
    ]


def test_duties(group):
    duties = Duty.objects.filter(unit__group=group)
    # (一)…(十四) one unit each, (十五) two units, (十六) one, (十七) fifteen subdistricts.
    assert duties.count() == 32
    assert Duty.objects.get(unit__name="区司法局").text == (
        "为符合法律援助条件的公民,提供免费法律服务。"
    )
    assert Duty.objects.get(unit__name="区红十字会").text == (
        "依据《中华人民共和国红十字会法》和有关法规的精神,发挥红十字会作为政府在人道救助"
        "领域的助手作用,做好对突发事件和自然灾害的救援救助、开展日常人道救助工作。"
    )
    # The scan's line break inside 职业 is joined, its stray spaces dropped.
    assert Duty.objects.get(unit__name="区人力社保局").text == (
        "做好就业困难群体的就业援助工作,完善就业服务功能,加强对失业人员的职业指导、"
        "技能培训、职业介绍服务,按时足额发放失业保险金。"
    )
    assert Duty.objects.get(unit__name="区财政局").category == Duty.Category.FUNDING
    assert Duty.objects.get(unit__name="区教委").category == Duty.Category.POLICY
    assert Duty.objects.get(unit__name="区民政局").text == (
        "负责区社会综合救助领导小组办公室的日常工作,负责相关救助项目的组织与实施。"
    )
    assert all(" " not in d.text and "\n" not in d.text for d in duties)


def test_housing_centre_and_xuanfang_share_duty_15(group):
    shared = "做好直管公有住房的租金减免工作。"
    assert names(MemberUnit.objects.filter(duties__text=shared)) == {
        "区房地中心",
        "北京宣房投资管理公司",
    }


def test_every_subdistrict_has_duty_17(group):
    text = (
        "负责低保、低收入等困难群体的家庭基础信息的录入;"
        "负责相应委办局救助工作的实施及救助数据的录入等工作。"
    )
    assert sorted(Duty.objects.filter(text=text).values_list("unit__name", flat=True)) == sorted(
        SUBDISTRICTS
    )


def test_programmes(group):
    programs = AssistanceProgram.objects.filter(group=group)
    assert list(programs.values_list("name", flat=True)) == [
        "助困",
        "助医",
        "助老",
        "助学",
        "助残",
        "就业",
        "住房",
        "救灾",
        "法律援助",
        "心理慰藉",
        "人道慈善救助",
    ]
    assert Counter(programs.values_list("kind", flat=True)) == {"special": 10, "charity": 1}
    assert programs.get(name="人道慈善救助").kind == AssistanceProgram.Kind.CHARITY
    for p in programs:
        assert p.responsible_text.endswith("等。")


@pytest.mark.parametrize(
    ("name", "lead", "responsible"),
    [
        (
            "住房",
            "区房管局",
            {"区民政局", *SUBDISTRICTS, "区房地中心", "北京宣房投资管理公司"},
        ),
        (
            "助困",
            "区民政局",
            {
                "区人力社保局",
                "区政府民宗侨办",
                *SUBDISTRICTS,
                "区总工会",
                "区妇联",
                "区残联",
                "区红十字会",
                "区慈善协会",
            },
        ),
        (
            "助学",
            "区教委",
            {
                "区民政局",
                *SUBDISTRICTS,
                "区总工会",
                "团区委",
                "区妇联",
                "区残联",
                "区红十字会",
                "区慈善协会",
            },
        ),
        ("就业", "区人力社保局", {"区民政局", *SUBDISTRICTS, "区残联"}),
        ("法律援助", "区司法局", {"区民政局", *SUBDISTRICTS}),
        ("助残", "区残联", {"区民政局", "区卫生局", *SUBDISTRICTS, "区红十字会"}),
        (
            "人道慈善救助",
            "区慈善协会",
            {"区总工会", "团区委", "区妇联", *SUBDISTRICTS, "区红十字会"},
        ),
    ],
)
def test_programme_units(group, name, lead, responsible):
    program = AssistanceProgram.objects.get(group=group, name=name)
    assert program.lead_unit.name == lead
    assert names(program.responsible_units.all()) == responsible


def test_programme_texts_verbatim(group):
    housing = AssistanceProgram.objects.get(group=group, name="住房")
    assert housing.content == (
        "针对低保、低收入的住房困难家庭,将其纳入保障性住房保障范围,通过发放租金补贴和配租"
        "实物住房方式改善住房条件,解决住房困难。"
    )
    assert housing.responsible_text == (
        "区民政局、各街道办事处、区房地中心、北京宣房投资管理公司等。"
    )
    relief = AssistanceProgram.objects.get(group=group, name="救灾")
    # The scan breaks this list before 等。; joined.
    assert relief.responsible_text == "各街道办事处、区红十字会、区慈善协会等。"
    charity = AssistanceProgram.objects.get(group=group, name="人道慈善救助")
    # The notice's own repetition is kept as written.
    assert charity.content.count("依托社会组织和民间团体的作用") == 2
    assert charity.content.startswith("弘扬中华民族扶贫济困的传统美德")


def test_no_liaisons_and_no_history(group):
    assert not MemberUnit.objects.filter(group=group, liaisons__isnull=False).exists()
    assert not MemberUnit.history.exists()
    assert not Position.history.exists()
