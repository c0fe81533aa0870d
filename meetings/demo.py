"""Demo meetings (``manage.py load_demo``): next year's plan for Huangchuan from its rule,
with an agenda item from the police liaison waiting for the office director's review."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from members.models import LeadingGroup

from . import services
from .models import Meeting


@transaction.atomic
def demo_meetings() -> int:
    group = LeadingGroup.objects.filter(code="huangchuan").first()
    if group is None or Meeting.objects.filter(group=group).exists():
        return 0
    users = get_user_model().objects
    clerk, convener = users.get(username="clerk"), users.get(username="convener")
    year = timezone.localdate().year + 1
    meetings = services.plan_generate(
        actor=clerk, group=group, year=year, place="县民政局三楼会议室", convener=convener
    )
    liaison = users.filter(username="liaison").select_related("liaison__unit").first()
    if liaison is not None:
        item = services.agenda_item_create(
            actor=liaison,
            meeting=meetings[0],
            unit=liaison.liaison.unit,
            data=services.ItemData(
                title="死亡未注销户口人员信息比对机制",
                background="核对中发现部分低保家庭成员已死亡但户口未注销。",
                proposal="公安局每月向民政局推送死亡注销信息，民政局据此动态调整保障对象。",
                decision_requested="同意建立每月信息推送机制，明确牵头单位和完成时限。",
            ),
        )
        services.agenda_item_submit(actor=liaison, item=item)
    return len(meetings)
