"""The office's roles, each an auth group of the same name.

A user may hold several roles; pages and navigation ask ``user_roles(user)``, which
reads the groups once per user object.
"""

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    SECURITY_ADMINISTRATOR = "security_administrator", _("Security administrator")
    CONVENER = "convener", _("Convener")
    OFFICE_DIRECTOR = "office_director", _("Office director")
    OFFICE_CLERK = "office_clerk", _("Office clerk")
    AUDITOR = "auditor", _("Auditor")
    UNIT_LIAISON = "unit_liaison", _("Unit liaison")


# When a user holds several roles, the home page is that of the first role in this order.
ROLE_PRIORITY = list(Role)

# Model permissions (app_label, codename prefix or full codename) each role's group gets.
# Only administrators edit the register in the admin site; everyone else works in the
# office's own pages, whose access is decided by role and unit.
ADMINISTRATOR_APPS = ("members", "auth")
# ... and these models of other apps: the verification catalogue and the working-day
# calendar. Never the households, checks or the access log (confidential or append-only).
ADMINISTRATOR_MODELS = (
    ("verification", "verificationitem"),
    ("verification", "unitconnector"),
    ("verification", "registrysnapshot"),
    ("meetings", "meeting"),
    ("assistance", "calendaryear"),
    ("assistance", "calendarday"),
)


def user_roles(user) -> frozenset[str]:
    """The roles a user holds; a superuser holds the administrator role as well."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_assistance_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
        if user.is_superuser:
            names.add(Role.ADMINISTRATOR)
        cached = frozenset(names)
        user._assistance_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def primary_role(user) -> str | None:
    roles = user_roles(user)
    return next((role for role in ROLE_PRIORITY if role in roles), None)


def sync_role_groups() -> None:
    """Create one group per role; give the administrators' group the register's model
    permissions. Safe to run again: it only adds what is missing."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    admins = Group.objects.get(name=Role.ADMINISTRATOR)
    chosen = Q()
    for app_label, model in ADMINISTRATOR_MODELS:
        chosen |= Q(content_type__app_label=app_label, content_type__model=model)
    admins.permissions.add(
        *Permission.objects.filter(Q(content_type__app_label__in=ADMINISTRATOR_APPS) | chosen)
    )
