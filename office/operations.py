"""The task queues as the office sees them (系统管理员 and the office director): the
messages waiting in the default queue and each department's, and on RabbitMQ the messages
that reached their delivery limit (dead letters), which can be sent back to their queue
once the cause is mended. Each resend is an audit event (the auditors' bulk changes)."""

from celery import current_app
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assistance.broker import dead_letters, dead_letters_resend, is_amqp, queue_lengths
from assistance.models import AuditEvent
from assistance.roles import Role, has_role
from assistance.services import audit_event_record
from verification.queues import queues_for

OPERATORS = (Role.ADMINISTRATOR, Role.OFFICE_DIRECTOR)


def _queues() -> list[str]:
    return [current_app.conf.task_default_queue, *queues_for("all")]


@require_http_methods(["GET", "POST"])
def task_queues(request):
    if not has_role(request.user, *OPERATORS):
        raise Http404
    names = _queues()
    if request.method == "POST":
        queue = request.POST.get("queue", "")
        if queue not in names or not is_amqp():
            messages.error(request, _("No such queue has dead letters to send back."))
            return redirect("task_queues")
        sent = dead_letters_resend(queue)
        audit_event_record(
            actor=request.user,
            action=AuditEvent.Action.DEAD_LETTERS_RESENT,
            object_type=f"queue {queue}",
            count=sent,
            summary=f"{sent} dead letter(s) of {queue} sent back",
        )
        message = _("%(count)s message(s) sent back to %(queue)s.")
        messages.success(request, message % {"count": sent, "queue": queue})
        return redirect("task_queues")
    waiting, dead, reachable = {}, {}, True
    try:
        waiting = queue_lengths(names)
        dead = dead_letters(names)
    except Exception:
        reachable = False
    rows = [
        {"name": name, "waiting": waiting.get(name, 0), "dead": dead.get(name)} for name in names
    ]
    context = {
        "rows": rows,
        "amqp": is_amqp(),
        "reachable": reachable,
        "limit": settings.BROKER_DELIVERY_LIMIT,
    }
    return render(request, "office/task_queues.html", context)
