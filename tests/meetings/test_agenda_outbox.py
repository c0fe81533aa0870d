"""Agenda publication survives a broker that is down when the convener approves."""

import pytest

from assistance.models import OutboxMessage
from assistance.outbox import outbox_resend
from tests.test_outbox import NOW, broker_unreachable, eager

pytestmark = pytest.mark.django_db


def test_agenda_publication_survives_the_broker_down(
    meeting,
    make_item,
    unit,
    host_unit,
    clerk,
    convener,
    liaison,
    caplog,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    from meetings import services as meeting_services
    from meetings.models import AgendaItem

    make_item(meeting, unit, status=AgendaItem.Status.ACCEPTED, title="车辆信息核对口径")
    with broker_unreachable(caplog), django_capture_on_commit_callbacks(execute=True):
        meeting_services.agenda_approve(actor=convener, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == meeting.Status.AGENDA_APPROVED
    assert not mailoutbox
    message = OutboxMessage.objects.get(task="meetings.tasks.agenda_publish_task")
    assert message.sent_at is None and message.actor_id is None
    # Not yet due: the sweep waits OUTBOX_RESEND_AFTER_MINUTES before sending again.
    assert outbox_resend() == 0
    # Unsent too: the liaison's notice of appointment, from the fixtures' unfinished
    # transaction. The sweep sends both.
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).count()
    assert pending == 2
    with eager(True):
        assert outbox_resend(older_than=NOW) == pending
    message.refresh_from_db()
    assert message.sent_at is not None
    assert liaison.email in {address for mail in mailoutbox for address in mail.to}
