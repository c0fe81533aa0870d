"""The rules of role grants (三权分立), in one place: the admin site's account pages and
every service that grants a role (the appointment of a liaison) ask them here.

- The security administrator grants and withdraws the office's roles and holds no other
  role; an account that holds any other role cannot be made security administrator.
- The system administrator grants one role only, that of unit liaison, by appointing a
  liaison in the register; so an administrator is never a liaison.
- Nobody grants or withdraws a role they do not administer, nobody changes their own
  roles, and only a superuser changes a superuser or a security administrator. The
  superuser flag itself is set on the command line (``createsuperuser``) and nowhere else.
"""

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from .roles import Role

# The roles that use the office's data; the security administrator holds none of them.
DATA_ROLES = frozenset(Role) - {Role.SECURITY_ADMINISTRATOR}
# Pairs of roles no account holds together: the first grants the second.
CONFLICTING_ROLES = ((Role.ADMINISTRATOR, Role.UNIT_LIAISON),)


class AccountRuleError(Exception):
    """A change to an account that the separation of duties forbids."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def held_roles(user) -> frozenset[str]:
    """The roles granted to ``user`` through groups (a superuser's implied role aside)."""
    if user.pk is None:
        return frozenset()
    return frozenset(user.groups.filter(name__in=Role.values).values_list("name", flat=True))


def administered_roles(actor) -> frozenset[str]:
    """The roles ``actor`` may grant and withdraw. ``None`` is the command line (demo data,
    data migrations), which the operator of the machine runs."""
    if actor is None or actor.is_superuser:
        return frozenset(Role)
    roles = held_roles(actor)
    administered = set()
    if Role.SECURITY_ADMINISTRATOR in roles:
        administered |= DATA_ROLES
    if Role.ADMINISTRATOR in roles:
        administered.add(Role.UNIT_LIAISON)
    return frozenset(administered)


def _names(roles) -> str:
    return ", ".join(str(Role(role).label) for role in sorted(roles))


def account_change_check(*, actor, user) -> None:
    """Raise ``AccountRuleError`` unless ``actor`` may change ``user``'s account at all."""
    if actor is None or actor.is_superuser:
        return
    if user.is_superuser:
        raise AccountRuleError(_("Only a superuser, on the command line, changes a superuser."))
    if user.pk != actor.pk and Role.SECURITY_ADMINISTRATOR in held_roles(user):
        raise AccountRuleError(
            _("Only a superuser changes the account of another security administrator.")
        )


def roles_change_check(*, actor, user, roles) -> None:
    """Raise ``AccountRuleError`` unless ``actor`` may give ``user`` exactly ``roles``."""
    roles = frozenset(roles)
    unknown = roles - frozenset(Role.values)
    if unknown:
        raise AccountRuleError(_("Unknown role: %(role)s.") % {"role": ", ".join(sorted(unknown))})
    current = held_roles(user)
    changed = roles ^ current
    if not changed:
        return
    account_change_check(actor=actor, user=user)
    if actor is not None and user.pk is not None and actor.pk == user.pk:
        raise AccountRuleError(_("Nobody changes their own roles: ask another administrator."))
    not_administered = changed - administered_roles(actor)
    if not_administered:
        raise AccountRuleError(
            _("You do not administer these roles: %(roles)s.") % {"roles": _names(not_administered)}
        )
    if Role.SECURITY_ADMINISTRATOR in roles and len(roles) > 1:
        raise AccountRuleError(
            _(
                "A security administrator holds no other role: an account that grants roles "
                "does not use them. Remove %(roles)s first."
            )
            % {"roles": _names(roles - {Role.SECURITY_ADMINISTRATOR})}
        )
    for granting, granted in CONFLICTING_ROLES:
        if granting in roles and granted in roles:
            raise AccountRuleError(
                _(
                    "One account cannot be both %(first)s and %(second)s: the first grants "
                    "the second."
                )
                % {"first": Role(granting).label, "second": Role(granted).label}
            )


@transaction.atomic
def user_roles_set(*, actor, user, roles) -> None:
    """Give ``user`` exactly ``roles`` (its groups that are not roles, such as a unit's
    group, are kept), after checking the rules above. The change is kept in the account's
    history under ``actor``'s name."""
    roles = frozenset(roles)
    roles_change_check(actor=actor, user=user, roles=roles)
    current = held_roles(user)
    user._history_user = actor
    added, removed = roles - current, current - roles
    if removed:
        user.groups.remove(*Group.objects.filter(name__in=removed))
    if added:
        user.groups.add(*Group.objects.filter(name__in=added))
    user._assistance_roles = None


def role_grant(*, actor, user, role: str) -> None:
    """Add one role to ``user``'s roles, under the same rules (used by services that grant
    a role as part of their work, such as appointing a liaison)."""
    user_roles_set(actor=actor, user=user, roles=held_roles(user) | {role})
