"""Writes of the agenda: units draft items (with files), submit them, the office director
reviews them, the convener approves the agenda and it is published to the invited units."""

from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assistance.notices import label, notice, render
from assistance.outbox import send_after_commit
from assistance.roles import Role
from assistance.services import email_language, notify
from members.models import MemberUnit
from verification.selectors import household_registered_with

from ..exports import meeting_ics
from ..models import AgendaItem, Attachment, Meeting
from ..permissions import can_approve_agenda, can_propose_for, can_review_item
from .base import (
    MeetingError,
    NotAllowed,
    WrongState,
    liaisons_of,
    move,
    notify_after_commit,
    require,
    require_unit,
    save,
    users_with_role,
)


@dataclass
class ItemData:
    title: str
    background: str
    proposal: str
    decision_requested: str
    household_id: int | None = None
    origin_url: str = ""


class Review:
    ACCEPT = "accept"
    RETURN = "return"
    REJECT = "reject"


def _check_household(meeting: Meeting, household_id: int | None) -> None:
    if not household_id:
        return
    if meeting.kind != Meeting.Kind.CASE:
        raise MeetingError(_("Only a case consultation concerns one household."))
    # Households are confidential records of one office: a case consultation can only
    # be about one registered with the meeting's own group.
    if not household_registered_with(household_id, meeting.group_id):
        raise MeetingError(_("The household is not registered with this group's office."))


def _require_open_item(item: AgendaItem) -> None:
    if item.status not in (AgendaItem.Status.DRAFT, AgendaItem.Status.RETURNED):
        raise WrongState(_("Only a draft or returned item can be edited."))


# --- Items ----------------------------------------------------------------------------------


@transaction.atomic
def agenda_item_create(*, actor, meeting: Meeting, unit: MemberUnit, data: ItemData) -> AgendaItem:
    """A liaison drafts an agenda item for their unit (the office may too, for any unit)."""
    require_unit(can_propose_for(actor, unit), unit)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.PLANNED:
        raise WrongState(_("The agenda of this meeting is closed."))
    if not meeting.invited_units.filter(pk=unit.pk).exists():
        raise NotAllowed(_("%(unit)s is not invited to this meeting.") % {"unit": unit.name})
    _check_household(meeting, data.household_id)
    return save(
        AgendaItem(
            meeting=meeting,
            unit=unit,
            submitted_by=actor,
            title=data.title,
            background=data.background,
            proposal=data.proposal,
            decision_requested=data.decision_requested,
            household_id=data.household_id,
            origin_url=data.origin_url,
        ),
        actor,
    )


@transaction.atomic
def agenda_item_update(*, actor, item: AgendaItem, data: ItemData) -> AgendaItem:
    """Revise a draft or returned item."""
    item = AgendaItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
    require_unit(can_propose_for(actor, item.unit), item.unit)
    _require_open_item(item)
    _check_household(item.meeting, data.household_id)
    item.title, item.background, item.proposal = data.title, data.background, data.proposal
    item.decision_requested = data.decision_requested
    item.household_id = data.household_id
    return save(item, actor)


@transaction.atomic
def agenda_item_attach(*, actor, item: AgendaItem, files=(), remove=()) -> list[Attachment]:
    """Add files (already checked by their content, ``assistance.uploads``) to an item and
    remove some, while the item can still be edited. Removed files leave the disk only
    once the removal is committed."""
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    require_unit(can_propose_for(actor, item.unit), item.unit)
    _require_open_item(item)
    for old in item.attachments.filter(pk__in=[a.pk for a in remove]):
        name, storage = old.file.name, old.file.storage
        old._history_user = actor  # the deletion's history row names who removed it
        old.delete()
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
    saved = []
    for upload in files:
        attachment = Attachment(
            agenda_item=item,
            file=upload,
            uploaded_by=actor,
            name=PurePath(upload.name).name[:200],
        )
        attachment._history_user = actor
        attachment.full_clean()
        attachment.save()
        saved.append(attachment)
    return saved


@transaction.atomic
def agenda_item_submit(*, actor, item: AgendaItem) -> AgendaItem:
    """Send a draft (or a returned item, revised) to the office director for review."""
    item = AgendaItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
    require_unit(can_propose_for(actor, item.unit), item.unit)
    if item.meeting.status != Meeting.Status.PLANNED:
        raise WrongState(_("The agenda of this meeting is closed."))
    move(item, AgendaItem.Status.SUBMITTED)
    save(item, actor)
    notify_after_commit(
        users_with_role(Role.OFFICE_DIRECTOR),
        notice(
            gettext_noop("%(unit)s submitted an agenda item for %(meeting)s."),
            unit=item.unit.name,
            meeting=item.meeting.title,
        ),
        item.get_absolute_url(),
    )
    return item


@transaction.atomic
def agenda_item_review(*, actor, item: AgendaItem, verdict: str, comment: str = "") -> AgendaItem:
    """The office director accepts, returns (with comments) or rejects a submitted item."""
    require(can_review_item(actor, item), action=_("review agenda items"))
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    target = {
        Review.ACCEPT: AgendaItem.Status.ACCEPTED,
        Review.RETURN: AgendaItem.Status.RETURNED,
        Review.REJECT: AgendaItem.Status.REJECTED,
    }.get(verdict)
    if target is None:
        raise MeetingError(_("Choose accept, return or reject."))
    if target != AgendaItem.Status.ACCEPTED and not comment.strip():
        raise MeetingError(_("Say why the item is returned or rejected."))
    move(item, target)
    item.review_comment = comment.strip()
    item.reviewed_by = actor
    save(item, actor)
    notify_after_commit(
        liaisons_of([item.unit]),
        notice(
            gettext_noop("Your agenda item “%(title)s” was %(verdict)s."),
            title=item.title,
            verdict=label(item.get_status_display()),
        ),
        item.get_absolute_url(),
    )
    return item


# --- The agenda -----------------------------------------------------------------------------


@transaction.atomic
def agenda_approve(*, actor, meeting: Meeting) -> Meeting:
    """The convener approves the agenda: the accepted items go on it, and it is published
    to the invited units (in-app, by mail with a calendar file)."""
    require(can_approve_agenda(actor, meeting), action=_("approve agendas"))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    items = meeting.agenda_items.select_for_update()
    pending = [i.title for i in items if i.status == AgendaItem.Status.SUBMITTED]
    if pending:
        raise WrongState(
            _("The office director has not yet reviewed: %(items)s.")
            % {"items": "、".join(pending)}
        )
    accepted = [i for i in items if i.status == AgendaItem.Status.ACCEPTED]
    if not accepted:
        raise WrongState(_("No accepted item: there is no agenda to approve."))
    move(meeting, Meeting.Status.AGENDA_APPROVED)
    meeting.agenda_approved_at = timezone.now()
    save(meeting, actor)
    for order, item in enumerate(accepted, start=1):
        item.status = AgendaItem.Status.APPROVED
        item.order = order
        save(item, actor)
    send_after_commit(
        "meetings.tasks.agenda_publish_task", meeting.pk, what=f"agenda of meeting {meeting.pk}"
    )
    return meeting


def agenda_publish(*, meeting_id: int) -> int:
    """Tell every invited unit's liaisons of the approved agenda, with an .ics file. Once
    only: a redelivered task finds the agenda published and sends nothing."""
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update()
            .filter(pk=meeting_id, status=Meeting.Status.AGENDA_APPROVED, agenda_published_at=None)
            .first()
        )
        if meeting is None:
            return 0
        Meeting.objects.filter(pk=meeting.pk).update(agenda_published_at=timezone.now())
    users = liaisons_of(meeting.invited_units.all())
    message = notice(
        gettext_noop("The agenda of %(meeting)s (%(when)s, %(place)s) is published."),
        meeting=meeting.title,
        when=timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M"),
        place=meeting.place or "—",
    )
    # Each liaison with an address gets the mail below, with the .ics: not a second one.
    notify(users=users, message=message, url=meeting.get_absolute_url(), mailed_separately=True)
    ics = meeting_ics(meeting)
    for user in users:
        if user.email:
            # Each liaison's mail in the language they chose for e-mails.
            with translation.override(email_language(user)):
                mail = EmailMessage(
                    _("Meeting: %(meeting)s") % {"meeting": meeting.title},
                    render(message),
                    settings.DEFAULT_FROM_EMAIL,
                    [user.email],
                )
            mail.attach("meeting.ics", ics, "text/calendar")
            mail.send()
    return len(users)
