"""What every meeting service shares: the errors it raises, the refusals by the gateway's
rules, the state moves, saving with the actor named in the history, and telling people
after the commit."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from assistance.services import notify
from members.models import MemberUnit


class MeetingError(Exception):
    """A rule refused the action; ``message`` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(MeetingError):
    pass


class WrongState(MeetingError):
    pass


def require(allowed: bool, *, action: str) -> None:
    """Refuse unless the gateway's rule (``meetings.permissions.can_*``) allowed the actor's
    role to ``action``."""
    if not allowed:
        raise NotAllowed(_("Your role does not allow you to %(action)s.") % {"action": action})


def require_unit(allowed: bool, unit: MemberUnit) -> None:
    """Refuse unless the gateway's rule allowed the actor to act for ``unit``."""
    if not allowed:
        raise NotAllowed(_("Only a liaison of %(unit)s can do this.") % {"unit": unit.name})


def can_move(obj, status) -> bool:
    """Whether ``obj``'s model's transitions allow it to go to ``status`` from where it is
    (pages ask this to offer a step; ``move`` refuses by it)."""
    return status in type(obj).TRANSITIONS[type(obj).Status(obj.status)]


def move(obj, status) -> None:
    """Set ``obj``'s status if its model's transitions allow it, else refuse."""
    if not can_move(obj, status):
        current = type(obj).Status(obj.status)
        raise WrongState(
            _("This is “%(status)s” and cannot be changed that way.") % {"status": current.label}
        )
    obj.status = status


def create(obj, actor):
    """Insert ``obj`` as it is (already validated), its history row naming ``actor``."""
    obj._history_user = actor
    obj.save(force_insert=True)
    return obj


def save(obj, actor, *, reason: str = ""):
    """Validate and save ``obj``, its history row naming ``actor`` (and ``reason``)."""
    obj._history_user = actor
    if reason:
        obj._change_reason = reason[:100]
    obj.full_clean()
    obj.save()
    return obj


def liaisons_of(units) -> list:
    return list(
        get_user_model()
        .objects.filter(liaison__unit__in=units, liaison__active=True, is_active=True)
        .distinct()
    )


def users_with_role(role) -> list:
    return list(get_user_model().objects.filter(groups__name=role, is_active=True))


def notify_after_commit(users, message, url, subject="") -> None:
    users = list(users)
    transaction.on_commit(
        lambda: notify(users=users, message=message, url=url, email_subject=subject)
    )
