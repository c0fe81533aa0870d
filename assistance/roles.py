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

# The three duties (三权分立, 等保2.0 level 3): the system administrator keeps the register
# and the catalogues; the security administrator keeps accounts and role grants; the auditor
# reads the logs in the office's own pages. No role's group holds another duty's permissions.

# Model permissions (app_label, codename prefix or full codename) each role's group gets.
# Only administrators edit the register in the admin site; everyone else works in the
# office's own pages, whose access is decided by role and unit. Never ``auth``: accounts
# and role grants belong to the security administrator.
ADMINISTRATOR_APPS = ("members",)
# ... and these models of other apps: the verification catalogue and the working-day
# calendar, the deadlines of intake by programme, and the figures units report per round.
# Never the households, checks, applications, reports or the access log (confidential or
# append-only).
ADMINISTRATOR_MODELS = (
    ("verification", "verificationitem"),
    ("verification", "unitconnector"),
    ("verification", "registrysnapshot"),
    # The prefix of the verification reports' reference numbers (文号), per office.
    ("verification", "reportnumberseries"),
    ("meetings", "meeting"),
    ("assistance", "calendaryear"),
    ("assistance", "calendarday"),
    ("intake", "programrouting"),
    # The rules between programmes and the local standard the ledger's lists apply.
    ("ledger", "programrule"),
    ("ledger", "localstandard"),
    # The warning rules and the hardship score's indicators of each office.
    ("monitoring", "warningrule"),
    ("monitoring", "scoreindicator"),
    ("performance", "indicator"),
    ("reporting", "figuredefinition"),
)
# The security administrator's permissions, as (app_label, codename): accounts are created,
# changed and read, never deleted (a deactivated account keeps its history and its work);
# groups are the roles, read only, since what a role may do is set in this module.
SECURITY_ADMINISTRATOR_PERMISSIONS = (
    ("auth", "add_user"),
    ("auth", "change_user"),
    ("auth", "view_user"),
    ("auth", "view_group"),
    # Locked sign-ins (django-axes): seen and lifted, also at /accounts/locked/.
    ("axes", "view_accessattempt"),
    ("axes", "delete_accessattempt"),
    # The departments' systems' access to the API (their clients and secrets).
    ("api", "add_apiclient"),
    ("api", "change_apiclient"),
    ("api", "view_apiclient"),
    # …their callback URLs for events, and whether each event reached them.
    ("api", "add_eventsubscription"),
    ("api", "change_eventsubscription"),
    ("api", "view_eventsubscription"),
    ("api", "view_eventdelivery"),
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


def role_permissions(role: str):
    """The exact model permissions the group of ``role`` should hold."""
    if role == Role.ADMINISTRATOR:
        chosen = Q(content_type__app_label__in=ADMINISTRATOR_APPS)
        for app_label, model in ADMINISTRATOR_MODELS:
            chosen |= Q(content_type__app_label=app_label, content_type__model=model)
    elif role == Role.SECURITY_ADMINISTRATOR:
        chosen = Q(pk__in=[])
        for app_label, codename in SECURITY_ADMINISTRATOR_PERMISSIONS:
            chosen |= Q(content_type__app_label=app_label, codename=codename)
    else:
        return Permission.objects.none()
    return Permission.objects.filter(chosen)


def sync_role_groups() -> None:
    """Create one group per role and give each group exactly its permissions, taking away
    any it should no longer hold (run after every migrate, so a database set up when the
    administrator still held the ``auth`` permissions is corrected). Safe to run again."""
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        group.permissions.set(role_permissions(role))
