"""Demo applications (``manage.py load_demo``) for Xicheng, the seed group with assistance
programmes: one just received, one not accepted, an urgent case helped first by the
disabled persons' federation, one returned by it and re-routed to civil affairs (then put
on a case consultation's agenda, 一事一议), and one closed and answered.
Invented people and numbers only."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assistance.idnumbers import check_character
from meetings.models import Meeting
from meetings.services import meeting_schedule
from members.models import AssistanceProgram, LeadingGroup, MemberUnit

from . import services
from .models import Application, ProgramRouting, Referral


def _id_number(born: datetime.date, sequence: int) -> str:
    first17 = f"110102{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def _data(group, programs, **fields) -> services.ApplicationData:
    return services.ApplicationData(
        office=group,
        programs=[p for p in programs if p is not None],
        town=fields.pop("town", "展览路街道"),
        **fields,
    )


@transaction.atomic
def demo_intake() -> int:
    group = LeadingGroup.objects.filter(code="xicheng").first()
    if group is None or Application.objects.exists():
        return 0
    users = get_user_model().objects
    clerk = users.filter(username="clerk").first()
    liaison = users.filter(username="liaison-xc", liaison__active=True).first()
    civil = MemberUnit.objects.filter(group=group, code="xc-minzheng").first()
    if clerk is None or liaison is None or civil is None:
        return 0
    federation = liaison.liaison.unit
    programs = {p.name: p for p in AssistanceProgram.objects.filter(group=group)}
    for program in programs.values():
        ProgramRouting.objects.get_or_create(program=program)
    disability, hardship = programs.get("助残"), programs.get("助困")

    services.application_receive(
        actor=clerk,
        data=_data(
            group,
            [hardship],
            channel=Application.Channel.WINDOW,
            applicant_name="陈淑芬",
            applicant_id_number=_id_number(datetime.date(1962, 3, 8), 21),
            hardship="丈夫去世，独自抚养孙子，无固定收入。",
            requested="申请临时救助。",
        ),
    )
    services.application_refuse(
        actor=clerk,
        data=_data(
            group,
            [],
            channel=Application.Channel.PHONE,
            applicant_name="刘建军",
            applicant_id_number=_id_number(datetime.date(1975, 11, 2), 31),
            hardship="咨询商业保险理赔。",
        ),
        reason="所反映事项不属于社会救助范围，已告知向保险监管部门反映。",
    )
    urgent = services.application_receive(
        actor=clerk,
        data=_data(
            group,
            [disability, hardship],
            channel=Application.Channel.GRID,
            applicant_name="无名男子",
            urgent=True,
            hardship="网格员报告：一名肢体残疾男子滞留街头，身份暂不明。",
            requested="临时安置和生活救助。",
        ),
    )
    lead, _ = services.referrals_share(
        actor=clerk, application=urgent, lead=federation, assisting=[civil], ask="service"
    )
    services.referral_sign(actor=liaison, referral=lead)
    services.referral_help_first(
        actor=liaison, referral=lead, note="已送至临时安置点，发放食品和衣物。"
    )
    rerouted = _returned_and_rerouted(
        clerk, liaison, group, civil, federation, programs.get("助医")
    )
    _on_agenda(clerk, rerouted, [civil, federation])
    _answered(clerk, liaison, group, federation, disability)
    return Application.objects.count()


def _returned_and_rerouted(clerk, liaison, group, civil, federation, program) -> Application:
    application = services.application_receive(
        actor=clerk,
        data=_data(
            group,
            [program],
            channel=Application.Channel.ONLINE,
            applicant_name="赵桂兰",
            applicant_id_number=_id_number(datetime.date(1950, 7, 19), 41),
            hardship="患慢性病，自付医疗费用较高。",
            requested="申请医疗救助。",
        ),
    )
    (referral,) = services.referrals_share(
        actor=clerk, application=application, lead=federation, ask="decision"
    )
    services.referral_return(
        actor=liaison, referral=referral, reason="申请人无残疾证，医疗救助由区民政局牵头。"
    )
    services.referral_reroute(actor=clerk, referral=referral, unit=civil)
    return application


def _on_agenda(clerk, application: Application, units) -> None:
    """一事一议: the re-routed case goes on a case consultation's agenda next week."""
    day = timezone.localdate() + datetime.timedelta(days=7)
    meeting = meeting_schedule(
        actor=clerk,
        group=application.office,
        kind=Meeting.Kind.CASE,
        title="医疗救助个案会商会",
        starts_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(14, 30))),
        place="区民政局二楼会议室",
        invited_units=units,
    )
    services.application_to_agenda(actor=clerk, application=application, meeting=meeting)


def _answered(clerk, liaison, group, federation, program) -> None:
    application = services.application_receive(
        actor=clerk,
        data=_data(
            group,
            [program],
            channel=Application.Channel.WINDOW,
            applicant_name="孙志强",
            applicant_id_number=_id_number(datetime.date(1988, 5, 27), 51),
            hardship="二级肢体残疾，轮椅损坏无力更换。",
            requested="申请辅助器具。",
        ),
    )
    (referral,) = services.referrals_share(
        actor=clerk, application=application, lead=federation, ask="service"
    )
    services.referral_sign(actor=liaison, referral=referral)
    services.referral_progress(actor=liaison, referral=referral, text="已上门评估辅具需求。")
    services.referral_close(
        actor=liaison,
        referral=referral,
        result=services.Outcome(
            Referral.Outcome.GRANTED,
            program=program,
            amount=Decimal("2800.00"),
            service="适配电动轮椅一台。",
        ),
    )
    services.application_answer(
        actor=clerk, application=application, text="经区残联评估，已为您适配电动轮椅一台。"
    )
