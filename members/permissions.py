"""Who may read what of the register beyond its directory pages, which every signed-in
user reads (the rules, in one place)."""

from assistance.roles import Role, has_role


def can_read_change_log(user) -> bool:
    """Auditors and administrators read the register's change log."""
    return has_role(user, Role.AUDITOR, Role.ADMINISTRATOR)
