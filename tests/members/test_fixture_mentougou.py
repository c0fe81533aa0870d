"""The Mentougou fixture is a faithful transcription of 门政办发〔2017〕24号.

北京市门头沟区人民政府办公室《关于建立门头沟区困难群众基本生活保障工作协调机制的通知》
(2017-04-11) sets up a leading group (领导小组) whose office (and joint-meeting office) sits in
区民政局. The fixture holds the group, 38 units, 43 positions and 53 duties; the expected
texts below are copied from the notice.

Choices made where the notice leaves room:

* Units: the 37 units holding a seat in 附件1 (each 街道办事处 and each 镇 on its own) plus
  区慈善协会, which has a paragraph in 附件2 but no seat. The Youth League is named as
  附件1 writes it (共青团门头沟区委员会) with 附件2's 团区委 as its short name. 区政府 and its
  督查室 are not units: 张翠萍's and 王赢's positions have no unit. 杜志娴's seat
  (区住房城乡建设委住房保障事务中心主任) belongs to 区住房城乡建设委.
* Duties come from 附件2; a paragraph is split at 。 only where consecutive sentences fall
  under different categories. The paragraph for 各街道办事处（镇人民政府） is copied to each of
  the 4 subdistrict offices and 9 towns. A one-sentence paragraph keeps one category even
  where it mixes several: 区民政局's is assistance_delivery, 区司法局's (free legal aid and
  checking whether a recipient is a community prisoner) is data_verification.
* Section 二（三）加强资金投入 names two units: its sentences about 区民政部门 and 区财政局 are
  added after their 附件2 duties (区民政局: two duties, 区财政局: two duties). The sentence
  about 其他成员单位 is not a duty of any one unit and is left out; so are 二（一）/（二）, which
  address the mechanism as a whole.
* Group duties: 一's 负责推进该项工作的组织、协调、推动和实施。 and 三（二）联席会议职责. Office
  duties: 一's sentence about the office and 三（三）联席会议办公室职责. Meeting rule: the whole
  sentence of 三（一） from 由区政府主管区长作为召集人 on. No regular number of meetings a year.
"""

from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from members.models import (
    AssistanceProgram,
    Duty,
    LeadingGroup,
    Liaison,
    MemberUnit,
    Position,
)

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "mentougou.json"

pytestmark = pytest.mark.django_db

# ------------------------------------------------------------------ the notice's texts

GROUP_DUTIES = [
    "负责推进该项工作的组织、协调、推动和实施。",
    (
        "负责研究分析全区困难群众基本生活保障工作形势，制定社会救助工作政策和实施办法；"
        "统筹做好城乡低保、特困人员供养、受灾人员救助、医疗救助、住房救助、就业救助、"
        "临时救助、困境未成年人救助、流浪乞讨、"
        "优抚对象保障等社会救助政策之间及与其他相关政策的有效衔接；"
        "协调建立居民家庭经济状况核对和信息共享机制；协调解决现有救助制度无法解决、"
        "主管部门不明确的急难事项以及面临急难问题有可能造成严重后果、危害社会的急难事项，"
        "切实推进社会救助体系建设。"
    ),
]

OFFICE_DUTIES = [
    (
        "领导小组在区民政局下设办公室，负责各成员单位信息沟通、协调等日常工作，"
        "促进信息共享和协同合作，切实做好困难群众基本生活保障工作。"
    ),
    (
        "负责联席会议商议事项及有关材料的收集和审核工作；按照会议召集人要求，"
        "组织召开联席会议准备会，形成会议决定事项初审意见后报联席会议审定；"
        "负责联席会议商议事项的汇报或工作情况通报；负责督促联席会议确定事项的落实；"
        "完成联席会议交办的其他工作。"
    ),
]

MEETING_RULE = (
    "由区政府主管区长作为召集人，每年年初召开工作部署会，"
    "对全年困难群众基本生活保障工作进行动员部署；"
    "根据工作需要组织召开困难群众基本生活保障工作联席协调会议，"
    "对重点困难人员要进行集体会商解决；各成员单位按照职责分工，要勇于担当、密切协作，"
    "切实做好民生保障的兜底工作，进一步促进社会和谐稳定。"
)

PUBLIC_SECURITY = (
    "与民政局共同做好社会救助对象家庭经济收入核查工作，"
    "依法及时提供申请和获得社会救助的家庭成员的户籍、车辆等相关信息，"
    "依法查处骗取社会救助资金或者阻碍国家机关工作人员依法执行职务的违法犯罪行为，"
    "做好社会救助工作中治安秩序维护和治安管理工作。"
)

HOUSING_EXPROPRIATION = (
    "负责提供拆迁家庭拆迁款发放及回迁房购买信息，"
    "协助民政局共同做好社会救助对象家庭经济收入核查工作。"
)

CIVIL_AFFAIRS = (
    "负责城乡社会救助工作；统筹特困、低保、低收入对象、特殊困难老人、"
    "农村留守及困境儿童、残疾人、流浪乞讨人员、"
    "受灾群众和优抚对象等困难群众的生活保障，组织实施城乡临时救助；"
    "健全“救急难”机制，会同有关部门组织实施城乡医疗、教育、住房等专项救助工作；"
    "指导城乡特困供养工作；负责社会救助政策和资金的落实并监督检查；"
    "负责本区社会救助家庭经济状况核对的具体工作、"
    "负责居民经济状况核对信息系统和核对机构的建设工作；负责提供享受社会救助、"
    "优待抚恤、家庭成员婚姻登记状况、殡葬等基本信息；"
    "负责困难群众基本生活保障工作协调机制办公室日常工作。"
)

CIVIL_AFFAIRS_BODY = (
    "区民政部门要把保障困难群众基本生活放在优先位置，做到应保尽保，"
    "重点解决好“应保未保”等问题。要积极协调财政部门足额保障困难群众基本生活资金，"
    "全面实施基本生活保障资金统发。"
)

FINANCE_BODY = (
    "区财政局要在一般性转移支付中，把保障困难群众基本生活放在优先位置，"
    "确保政府投入只增不减。牵头建立健全资金监管机制，加强资金使用管理绩效评价，"
    "推进资金使用管理公示公开。"
)

# Duties taken from section 二（三）, after the unit's 附件2 paragraph.
BODY_DUTIES = {"区民政局": CIVIL_AFFAIRS_BODY, "区财政局": FINANCE_BODY}

SUBDISTRICTS_AND_TOWNS = (
    "负责有关社会救助的申请受理、调查审核和救助工作的实施；负责低保、"
    "低收入等困难群体的家庭基础信息及救助数据录入综合救助信息系统的工作；"
    "做好基层救助工作人员业务培训及辖区内居民相关社会救助政策的宣传。"
    "要按照属地管理原则，严格落实“一门受理、协同办理”工作机制，"
    "切实做好本辖区困难群众基本生活保障工作，确保困难群众求助有门、受助及时。"
)

FINANCE_DUTIES = [
    (
        "funding",
        "负责编制社会救助资金预算，制定最低生活保障等社会救助绩效评价办法并开展绩效评价工作。",
    ),
    (
        "policy",
        (
            "配合相关部门建立健全社会救助标准科学制定和动态调整机制、"
            "社会救助和保障标准与物价上涨挂钩联动机制，实现社会救助标准、"
            "补助水平与区域经济社会发展相协调。"
        ),
    ),
    (
        "funding",
        (
            "与民政局共同推动居民家庭经济状况核对机制建设，落实区社会救助信息平台系统维护、"
            "运行资金。"
        ),
    ),
    (
        "supervision",
        "联合审计、民政等相关部门加强对社会救助资金使用监管，确保社会救助资金安全运行。",
    ),
    (
        "funding",
        (
            "区财政局要在一般性转移支付中，把保障困难群众基本生活放在优先位置，"
            "确保政府投入只增不减。"
        ),
    ),
    (
        "supervision",
        "牵头建立健全资金监管机制，加强资金使用管理绩效评价，推进资金使用管理公示公开。",
    ),
]

PARAGRAPHS = {
    "区委宣传部": (
        "负责统筹广播、电视、报刊、网络等新闻媒体。充分发挥舆论导向作用，"
        "开展多种形式的社会救助政策法规宣传活动，大力宣传社会救助工作在保障民生、"
        "维护稳定、促进和谐等方面的重要作用。配合相关部门，"
        "不断提高社会救助信息公开的针对性、时效性和完整性，引导公众关注、参与、支持、"
        "监督社会救助工作。"
    ),
    "区农委": (
        "协调有关部门加强农村社会救助政策宣传与落实。"
        "协助民政局做好社会救助对象家庭经济收入核查工作。"
        "协助有关部门督促指导各镇认真落实面向农村地区的社会救助政策，"
        "确保困难群众基本生活权益。"
    ),
    "区住房城乡建设委": (
        "负责建立健全城镇困难群众住房救助制度。规范发展公共租赁住房，"
        "负责农村危房改造工作的协调组织工作，切实保障住房救助对象的基本居住需要。"
        "与民政局共同做好社会救助对象家庭经济收入核查工作，"
        "依法提供申请和获得社会救助的家庭成员商品房、保障性住房等房产等相关信息。"
    ),
    "区财政局": (
        "负责编制社会救助资金预算，"
        "制定最低生活保障等社会救助绩效评价办法并开展绩效评价工作。"
        "配合相关部门建立健全社会救助标准科学制定和动态调整机制、"
        "社会救助和保障标准与物价上涨挂钩联动机制，实现社会救助标准、"
        "补助水平与区域经济社会发展相协调。与民政局共同推动居民家庭经济状况核对机制建设，"
        "落实区社会救助信息平台系统维护、运行资金。联合审计、"
        "民政等相关部门加强对社会救助资金使用监管，确保社会救助资金安全运行。"
    ),
    "区卫生计生委": (
        "督导医疗机构对紧急情况下的危重病人给予疾病应急救助。"
        "加强对医疗救助定点机构的监管。协助民政局做好社会救助对象医疗救助工作，"
        "在社会救助对象医疗救助定点医疗机构实行住院押金减免和医疗救助“一站式”即时结算。"
        "做好社会救助对象妇幼保健以及精神疾病、慢性病、传染病等公共卫生服务管理。"
    ),
    "区统计局": (
        "负责统计、发布城乡居民生活消费支出、人均可支配收入等基础统计数据。"
        "配合有关部门制定、完善社会救助标准和动态调整机制。"
    ),
    "区残联": (
        "负责协调组织对贫困残疾人家庭实施社会救助，帮助扶持贫困残疾人平等参与社会生活。"
        "参与对本区社会救助工作的监督检查工作。"
    ),
    "区司法局": (
        "负责为社会救助对象免费提供法律咨询、代书、法律援助案件代理及非诉调解等服务；"
        "配合民政救助部门核查社会救助对象是否为社区服刑人员或在安置帮教期内的刑满释放人员"
        "的情况信息。"
    ),
    "共青团门头沟区委员会": "做好各级团组织实施的救助活动同社会救助制度的有效衔接。",
}

MEMBERS = [
    ("贾莉莉", "区委组织部正处级组织员、副部长"),
    ("刘学", "区委宣传部副部长"),
    ("李玉国", "区农委副书记"),
    ("顾慈阳", "区发展改革委副主任"),
    ("杜志娴", "区住房城乡建设委住房保障事务中心主任"),
    ("李东梅", "区教委副主任"),
    ("张水宁", "区经济信息化委副主任"),
    ("严晓卫", "区工商分局副调研员"),
    ("范志国", "区公安分局治安支队副队长"),
    ("曲世军", "区财政局副局长"),
    ("杨立新", "区卫生计生委副主任"),
    ("安红军", "区民政局副局长"),
    ("王慕华", "区人力社保局副局长"),
    ("刘元辉", "区国税局副局长"),
    ("邢小虎", "区地税局副局长"),
    ("高建政", "区统计局副局长"),
    ("魏晓东", "区司法局党组成员 调研员"),
    ("赵金明", "区残联副理事长"),
    ("韩静", "区妇联副主席"),
    ("郭燕", "区总工会副主席"),
    ("赵健", "共青团门头沟区委员会副书记"),
    ("王连勇", "区红十字会会长"),
    ("王廷新", "区房屋征收中心副主任"),
    ("王红霞", "区信访办副主任"),
    ("杨超", "大峪街道办事处副主任"),
    ("荆菁", "东辛房街道办事处副主任"),
    ("何九中", "城子街道办事处副主任"),
    ("李栋", "大台街道办事处副主任"),
    ("李羿", "清水镇组织委员"),
    ("朱利", "斋堂镇宣传委员"),
    ("王绍辉", "雁翅镇副镇长"),
    ("李丽", "王平镇副镇长"),
    ("方蕾", "妙峰山镇组织委员"),
    ("史长生", "军庄镇副镇长"),
    ("王革", "龙泉镇副镇长"),
    ("邓采文", "永定镇党委委员 副镇长"),
    ("刘永桓", "潭柘寺镇副镇长"),
]


@pytest.fixture
def group():
    call_command("loaddata", str(FIXTURE), verbosity=0)
    return LeadingGroup.objects.get(code="mentougou")


def unit(name):
    return MemberUnit.objects.get(group__code="mentougou", name=name)


def duty_texts(name):
    return [d.text for d in unit(name).duties.order_by("order", "pk")]


# ------------------------------------------------------------------ the group


def test_group_is_the_notices(group):
    assert group.pk == 1
    assert group.name == "门头沟区困难群众基本生活保障工作领导小组"
    assert group.kind == LeadingGroup.Kind.LEADING_GROUP
    assert group.region == "北京市门头沟区"
    assert group.notice_title == "关于建立门头沟区困难群众基本生活保障工作协调机制的通知"
    assert group.document_number == "门政办发〔2017〕24号"
    assert group.issuing_office == "北京市门头沟区人民政府办公室"
    assert group.issued_on.isoformat() == "2017-04-11"
    assert group.meetings_per_year is None
    assert group.order == 1
    assert group.duties == "\n".join(GROUP_DUTIES)
    assert group.office_duties == "\n".join(OFFICE_DUTIES)
    assert group.meeting_rule == MEETING_RULE
    for phrase in ("每年年初召开工作部署会", "联席协调会议", "集体会商"):
        assert phrase in group.meeting_rule


def test_office_is_hosted_by_civil_affairs_and_directed_by_han_xingwu(group):
    assert group.office_host_unit == unit("区民政局")
    assert group.office_host_unit.code == "mtg-civil-affairs"
    director = Position.objects.get(group=group, role=Position.Role.OFFICE_DIRECTOR)
    assert (director.person, director.title, director.unit) == (
        "韩兴无",
        "区民政局局长",
        unit("区民政局"),
    )
    deputy = Position.objects.get(group=group, role=Position.Role.OFFICE_EXECUTIVE_DEPUTY)
    assert (deputy.person, deputy.title, deputy.unit) == (
        "安红军",
        "区民政局副局长",
        unit("区民政局"),
    )
    member = Position.objects.get(group=group, role=Position.Role.OFFICE_MEMBER)
    assert (member.person, member.title, member.unit) == ("", "各相关单位联络员", None)
    assert not Position.objects.filter(role=Position.Role.OFFICE_DEPUTY_DIRECTOR).exists()


def test_nothing_beyond_the_notice(group):
    assert LeadingGroup.objects.count() == 1
    assert not Liaison.objects.exists()
    assert not AssistanceProgram.objects.exists()
    assert not LeadingGroup.history.exists()
    assert not MemberUnit.history.exists()
    assert not Position.history.exists()
    assert not Duty.history.exists()


# ------------------------------------------------------------------ units


def test_units_by_kind(group):
    units = MemberUnit.objects.filter(group=group)
    assert units.count() == 38
    assert Counter(units.values_list("kind", flat=True)) == {
        "government": 16,
        "township": 9,
        "mass_org": 5,
        "subdistrict": 4,
        "party": 2,
        "institution": 1,
        "social_org": 1,
    }
    assert all(u.is_member and u.active and u.phone == "" for u in units)
    assert list(units.filter(kind="subdistrict").values_list("name", flat=True)) == [
        "大峪街道办事处",
        "东辛房街道办事处",
        "城子街道办事处",
        "大台街道办事处",
    ]
    assert list(units.filter(kind="township").values_list("name", flat=True)) == [
        "清水镇",
        "斋堂镇",
        "雁翅镇",
        "王平镇",
        "妙峰山镇",
        "军庄镇",
        "龙泉镇",
        "永定镇",
        "潭柘寺镇",
    ]
    assert set(units.filter(kind="mass_org").values_list("name", flat=True)) == {
        "区残联",
        "区妇联",
        "区总工会",
        "共青团门头沟区委员会",
        "区红十字会",
    }
    assert unit("共青团门头沟区委员会").short_name == "团区委"
    assert unit("区房屋征收中心").kind == "institution"
    assert unit("区慈善协会").kind == "social_org"
    assert set(units.filter(kind="party").values_list("name", flat=True)) == {
        "区委组织部",
        "区委宣传部",
    }


def test_units_in_order_of_first_appearance(group):
    names = list(MemberUnit.objects.filter(group=group).values_list("name", flat=True))
    assert names[:4] == ["区民政局", "区委组织部", "区委宣传部", "区农委"]
    assert names[-2:] == ["潭柘寺镇", "区慈善协会"]
    orders = list(MemberUnit.objects.filter(group=group).values_list("order", flat=True))
    assert orders == list(range(1, 39))


# ------------------------------------------------------------------ positions


def test_positions_by_role(group):
    positions = Position.objects.filter(group=group)
    assert positions.count() == 43
    assert Counter(positions.values_list("role", flat=True)) == {
        "leader": 1,
        "deputy_leader": 2,
        "member": 37,
        "office_director": 1,
        "office_executive_deputy": 1,
        "office_member": 1,
    }
    assert not positions.filter(start_date__isnull=False).exists()
    assert not positions.filter(end_date__isnull=False).exists()


def test_leaders(group):
    rows = [
        (p.role, p.person, p.title, p.unit and p.unit.name)
        for p in Position.objects.filter(group=group).order_by("order")[:3]
    ]
    assert rows == [
        ("leader", "张翠萍", "区政府副区长", None),
        ("deputy_leader", "韩兴无", "区民政局局长", "区民政局"),
        ("deputy_leader", "王赢", "区政府督查室主任", None),
    ]


def test_members_as_listed(group):
    members = Position.objects.filter(group=group, role="member").order_by("order")
    assert [(p.person, p.title) for p in members] == MEMBERS
    for p in members:
        assert p.unit is not None
        assert p.title.startswith(p.unit.name), p.title
    assert members.get(person="杜志娴").unit == unit("区住房城乡建设委")
    assert members.get(person="赵健").unit == unit("共青团门头沟区委员会")


def test_every_unit_but_the_charity_holds_a_seat(group):
    seated = set(Position.objects.filter(role="member").values_list("unit__name", flat=True))
    unseated = set(MemberUnit.objects.values_list("name", flat=True)) - seated
    assert unseated == {"区慈善协会"}


# ------------------------------------------------------------------ duties


def test_duties_by_category(group):
    duties = Duty.objects.filter(unit__group=group)
    assert duties.count() == 53
    assert Counter(duties.values_list("category", flat=True)) == {
        "assistance_delivery": 23,
        "data_verification": 8,
        "policy": 7,
        "funding": 6,
        "supervision": 5,
        "other": 3,
        "publicity": 1,
    }
    assert set(
        duties.filter(category="data_verification").values_list("unit__name", flat=True)
    ) == {
        "区农委",
        "区住房城乡建设委",
        "区工商分局",
        "区公安分局",
        "区国税局",
        "区地税局",
        "区司法局",
        "区房屋征收中心",
    }
    # every unit has duties, numbered from 1
    for u in MemberUnit.objects.filter(group=group):
        orders = list(u.duties.order_by("order").values_list("order", flat=True))
        assert orders == list(range(1, len(orders) + 1)), u.name


def test_sample_duties_verbatim(group):
    police = unit("区公安分局").duties.get()
    assert police.category == Duty.Category.DATA_VERIFICATION
    assert police.text == PUBLIC_SECURITY
    expropriation = unit("区房屋征收中心").duties.get()
    assert expropriation.category == Duty.Category.DATA_VERIFICATION
    assert expropriation.text == HOUSING_EXPROPRIATION
    assert Duty.objects.get(unit=unit("区委组织部")).text == "负责做好困难党员的救助工作。"
    finance = unit("区财政局").duties.order_by("order")
    assert [(d.category, d.text) for d in finance] == FINANCE_DUTIES
    health = unit("区卫生计生委").duties.order_by("order")
    assert [d.category for d in health] == ["supervision", "assistance_delivery"]
    assert (
        health[0].text
        == "督导医疗机构对紧急情况下的危重病人给予疾病应急救助。加强对医疗救助定点机构的监管。"
    )
    assert unit("区红十字会").duties.get().text == unit("区慈善协会").duties.get().text


def test_paragraphs_reproduced(group):
    paragraphs = {
        **PARAGRAPHS,
        "区民政局": CIVIL_AFFAIRS,
        "区公安分局": PUBLIC_SECURITY,
        "区房屋征收中心": HOUSING_EXPROPRIATION,
        "大峪街道办事处": SUBDISTRICTS_AND_TOWNS,
        "潭柘寺镇": SUBDISTRICTS_AND_TOWNS,
    }
    for name, paragraph in paragraphs.items():
        assert "".join(duty_texts(name)) == paragraph + BODY_DUTIES.get(name, ""), name


def test_body_duties_follow_annex_duties(group):
    civil_affairs = unit("区民政局").duties.order_by("order")
    assert [(d.order, d.category) for d in civil_affairs] == [
        (1, "assistance_delivery"),
        (2, "assistance_delivery"),
        (3, "funding"),
    ]
    assert civil_affairs[0].text == CIVIL_AFFAIRS
    assert civil_affairs[1].text + civil_affairs[2].text == CIVIL_AFFAIRS_BODY
    assert [d.text for d in unit("区财政局").duties.order_by("order")][-2:] == [
        FINANCE_DUTIES[-2][1],
        FINANCE_DUTIES[-1][1],
    ]
    assert "".join(t for _, t in FINANCE_DUTIES[-2:]) == FINANCE_BODY
    # the other units have their 附件2 paragraph only
    assert Duty.objects.count() == 49 + 4


def test_subdistricts_and_towns_share_the_paragraph(group):
    local = MemberUnit.objects.filter(group=group, kind__in=["subdistrict", "township"])
    assert local.count() == 13
    for u in local:
        duties = list(u.duties.all())
        assert len(duties) == 1
        assert duties[0].category == Duty.Category.ASSISTANCE_DELIVERY
        assert duties[0].text == SUBDISTRICTS_AND_TOWNS


def test_consecutive_duties_of_a_unit_differ_in_category(group):
    # the annex paragraphs are split only where the category changes
    for u in MemberUnit.objects.filter(group=group):
        cats = [d.category for d in u.duties.order_by("order")]
        if u.name in ("区民政局", "区财政局"):
            cats = cats[:-2]  # the two duties from section 二（三） start a new passage
        assert all(a != b for a, b in zip(cats, cats[1:], strict=False)), u.name
