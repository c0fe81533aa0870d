"""How a page names whoever did something: a person by their full name (or, failing one,
their user name); a department's system, which acts through the API under an account of
its own that is never signed in with, as "API: <the system's name>", so nobody takes its
answer for a colleague's.

A system's account is told by its user name, which the API gives it when the client is
registered (``SYSTEM_ACCOUNT_PREFIX`` + the client's key): this base layer knows no app."""

from django.utils.translation import gettext as _

SYSTEM_ACCOUNT_PREFIX = "api-"


def is_system_account(user) -> bool:
    return bool(user) and user.get_username().startswith(SYSTEM_ACCOUNT_PREFIX)


def person_label(user) -> str:
    """``user`` as a page names them; empty for nobody."""
    if not user:
        return ""
    name = user.get_full_name() or user.get_username()
    if is_system_account(user):
        return _("API: %(name)s") % {"name": name}
    return name


def mask_name(value) -> str:
    """A person's name with all but its first character hidden (``张**``), for whoever's
    work does not need the name."""
    value = str(value or "")
    return value[:1] + "*" * (len(value) - 1)
