"""What every intake service shares: the error it raises, the refusal by the gateway's
rules, state moves by the models' ``TRANSITIONS``, saving with the actor named in the
history, the timeline, the row locks (the application always first) and whom to tell."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from assistance.roles import Role

from .models import Application, ApplicationEvent, Referral


class IntakeError(Exception):
    """A rule refused the action; ``message`` says why, in the user's language, and
    ``field`` names the input at fault where there is one (the API returns it)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message, self.field = message, field


def require(allowed: bool) -> None:
    if not allowed:
        raise IntakeError(_("Your role does not allow you to do this."))


def move(obj, status) -> None:
    """Set ``obj``'s status if its model's ``TRANSITIONS`` allow it, else refuse."""
    model = type(obj)
    if status not in model.TRANSITIONS[model.Status(obj.status)]:
        raise IntakeError(
            _("This is “%(status)s” and cannot be changed that way.")
            % {"status": model.Status(obj.status).label}
        )
    obj.status = status


def validate(obj, *, exclude=()) -> None:
    """``full_clean`` with its messages as an ``IntakeError``."""
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise IntakeError(" ".join(exc.messages)) from None


def save(obj, actor):
    """Validate and save ``obj``, its history row naming ``actor``."""
    obj._history_user = actor
    validate(obj)
    obj.save()
    return obj


def record_event(application, kind, *, actor=None, referral=None, text="") -> ApplicationEvent:
    event = ApplicationEvent(
        application=application, referral=referral, kind=kind, actor=actor, text=text
    )
    event._history_user = actor
    event.save()
    return event


def lock_application(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def lock_referral(referral: Referral) -> tuple[Application, Referral]:
    """Lock the referral's application first, then the referral (always in that order)."""
    application_id = Referral.objects.values_list("application_id", flat=True).get(pk=referral.pk)
    application = Application.objects.select_for_update().get(pk=application_id)
    referral = Referral.objects.select_for_update().select_related("unit").get(pk=referral.pk)
    return application, referral


def require_text(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise IntakeError(message)
    return text


def liaison_users(unit_id: int) -> list:
    """The active users who are active liaisons of the unit."""
    return list(
        get_user_model().objects.filter(
            liaison__unit_id=unit_id, liaison__active=True, is_active=True
        )
    )


def directors() -> list:
    return list(get_user_model().objects.filter(groups__name=Role.OFFICE_DIRECTOR, is_active=True))


def page_url(name: str, pk: int) -> str:
    # The pages are the ui engineer's: until their URLs exist, notifications carry none.
    try:
        return reverse(name, kwargs={"pk": pk})
    except NoReverseMatch:
        return ""
