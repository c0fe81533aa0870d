"""Agenda items: proposed by units (or the office), reviewed by the office director, and
their attachments.

Each view reads through a gateway of ``meetings.permissions`` (outsiders get 404) and
``meetings.selectors``, and makes every change through ``meetings.services``. A refused
action shows the service's message on the page it came from and changes nothing. Which
buttons a page offers follows the gateway's rules and the state, but only as a courtesy:
the services decide.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from assistance.files import file_response
from assistance.forms import add_service_errors
from assistance.models import AccessLog
from assistance.notices import notice
from members.selectors import liaison_unit

from .. import permissions, selectors, services
from ..forms import AgendaItemForm, ReviewForm
from ..models import AgendaItem, Meeting
from ..permissions import (
    get_attachment_for_user,
    get_changeable_item_for_user,
    get_item_for_user,
    get_meeting_for_user,
    is_staff,
)
from .meetings import ITEM_OPEN, render_meeting


def _item_form_page(request, form, *, meeting, item=None, unit=None, open_: bool):
    context = {"form": form, "meeting": meeting, "item": item, "open": open_}
    if item is None:
        context["unit"] = unit
    return render(request, "meetings/item_form.html", context)


def item_create(request, pk):
    """A liaison proposes an item for their own unit; the office may for any invited unit
    and, for a case consultation, names the household."""
    meeting = get_meeting_for_user(request.user, pk)
    office = permissions.is_office(request.user)
    unit = None if office else liaison_unit(request.user)
    if not office and unit is None:
        raise Http404
    form = AgendaItemForm(
        request.POST or None, request.FILES or None, meeting=meeting, office=office
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                item = services.agenda_item_create(
                    actor=request.user,
                    meeting=meeting,
                    unit=form.cleaned_data["unit"] if office else unit,
                    data=form.item_data(),
                )
                services.agenda_item_attach(
                    actor=request.user, item=item, files=form.cleaned_data["attachments"]
                )
        except services.MeetingError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Agenda item saved as a draft. Submit it when it is ready.")
            )
            return redirect(item)
    return _item_form_page(
        request, form, meeting=meeting, unit=unit, open_=meeting.status == Meeting.Status.PLANNED
    )


def _render_item(request, item, *, review_form=None):
    user = request.user
    reviewing = item.status == AgendaItem.Status.SUBMITTED and permissions.can_review_item(
        user, item
    )
    context = {
        "item": item,
        "meeting": item.meeting,
        "attachments": selectors.item_attachments(item),
        "household": selectors.item_household_text(item),
        "may_change": item.status in ITEM_OPEN and permissions.can_change_item(user, item),
        "review_form": (review_form or ReviewForm(item=item)) if reviewing else None,
        "staff": is_staff(user),
    }
    return render(request, "meetings/item_detail.html", context)


def item_detail(request, pk):
    return _render_item(request, get_item_for_user(request.user, pk))


def item_edit(request, pk):
    """Revise a draft or returned item; attachments can be added or removed."""
    item = get_changeable_item_for_user(request.user, pk)
    office = permissions.is_office(request.user)
    form = AgendaItemForm(
        request.POST or None, request.FILES or None, meeting=item.meeting, office=office, item=item
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.agenda_item_update(actor=request.user, item=item, data=form.item_data())
                services.agenda_item_attach(
                    actor=request.user,
                    item=item,
                    files=form.cleaned_data["attachments"],
                    remove=form.cleaned_data.get("remove_attachments") or [],
                )
        except services.MeetingError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Agenda item saved."))
            return redirect(item)
    return _item_form_page(
        request, form, meeting=item.meeting, item=item, open_=item.status in ITEM_OPEN
    )


def _from_meeting(request) -> bool:
    # Buttons on the meeting page say so, to come back (or be shown again) there.
    return request.POST.get("from") == "meeting"


@require_POST
def item_submit(request, pk):
    """Send a draft (or a revised returned item) to the office director."""
    item = get_item_for_user(request.user, pk)
    try:
        services.agenda_item_submit(actor=request.user, item=item)
    except services.MeetingError as error:
        messages.error(request, error.message)
        if _from_meeting(request):
            return render_meeting(request, item.meeting)
        return _render_item(request, item)
    messages.success(request, _("Agenda item submitted to the office director."))
    return redirect(item.meeting if _from_meeting(request) else item)


@require_POST
def item_review(request, pk):
    """The office director accepts an item, returns it with comments, or rejects it."""
    item = get_item_for_user(request.user, pk)
    form = ReviewForm(request.POST, item=item)
    if form.is_valid():
        try:
            item = services.agenda_item_review(
                actor=request.user,
                item=item,
                verdict=form.cleaned_data["verdict"],
                comment=form.cleaned_data["comment"],
            )
        except services.MeetingError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("“%(title)s”: %(status)s.")
                % {"title": item.title, "status": item.get_status_display()},
            )
            return redirect(item.meeting if _from_meeting(request) else item)
    if _from_meeting(request):
        return render_meeting(request, item.meeting, review_forms={item.pk: form})
    return _render_item(request, item, review_form=form)


def attachment_download(request, pk):
    """Stream an attachment to whoever may see what it is attached to; 404 to anyone else,
    never through a public URL; each download is logged."""
    attachment = get_attachment_for_user(request.user, pk)
    return file_response(
        request,
        attachment.file,
        filename=attachment.name,
        obj=attachment,
        purpose=AccessLog.Purpose.REVIEW,
        description=notice(
            gettext_noop("Meeting attachment #%(pk)s “%(name)s”"),
            pk=attachment.pk,
            name=attachment.name,
        ),
    )
