"""History of accounts: every change to a user, its role grants (groups) and its password,
kept by django-simple-history for the auditor.

The password hash is never copied into history; a change of password is a history row of
its own, marked by its change reason. Sign-ins (which only touch ``last_login``) and the
silent re-hashing of a password at sign-in are not changes to the account and leave no row.
"""

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from simple_history import register
from simple_history.models import HistoricalRecords

PASSWORD_CHANGED = "password changed"
# A security administrator removed the account's authenticator and recovery codes.
SECOND_FACTOR_RESET = "second factor reset"
# The reason on the row the migration wrote for each account that existed before history.
HISTORY_STARTED = "history started"
# Saves that touch only these fields are not changes a person made to the account.
UNRECORDED_SAVES = ({"last_login"}, {"password"})
# The account fields the change log compares between two rows of a user's history.
COMPARED_FIELDS = ("username", "first_name", "last_name", "email", "is_active", "is_staff")


class AccountHistory(HistoricalRecords):
    """simple-history's records for ``User``, with the two exceptions above and with
    changes of group membership made from the group's side recorded on each user."""

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) in UNRECORDED_SAVES:
            return
        # ``set_password`` leaves the new raw password on the instance until the save is
        # over: that is how a changed password is told from any other save.
        if not created and getattr(instance, "_password", None) is not None:
            instance._change_reason = PASSWORD_CHANGED
        try:
            super().post_save(instance, created, using=using, **kwargs)
        finally:
            if getattr(instance, "_change_reason", None) == PASSWORD_CHANGED:
                del instance._change_reason

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        if not reverse:
            return super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
        # ``group.user_set.add(user)``: the instance is the group; record each user.
        if action not in ("post_add", "post_remove") or not pk_set:
            return None
        for user in get_user_model().objects.filter(pk__in=pk_set):
            user._history_user = getattr(instance, "_history_user", None)
            self.create_historical_record(user, "~")
        return None


def register_account_history() -> None:
    """Attach history to the user model (called once, from ``assistance.models``)."""
    User = get_user_model()
    if hasattr(User, "history"):
        return
    register(
        User,
        app="assistance",
        records_class=AccountHistory,
        excluded_fields=["password", "last_login"],
        m2m_fields=["groups"],
    )


def account_changes(records):
    """Rows for the auditor's account change log, built from a page of historical user
    records in four queries however long the page: the page itself (given), the previous
    row of each record, and the group memberships of both."""
    # Both models are made by register_account_history() when assistance.models loads.
    from .models import HistoricalUser, HistoricalUser_groups

    records = list(records)
    previous_ids = dict(
        HistoricalUser.objects.filter(history_id__in=[r.history_id for r in records])
        .annotate(
            previous_id=Subquery(
                HistoricalUser.objects.filter(
                    id=OuterRef("id"), history_date__lt=OuterRef("history_date")
                )
                .order_by("-history_date", "-history_id")
                .values("history_id")[:1]
            )
        )
        .values_list("history_id", "previous_id")
    )
    previous = {
        p.history_id: p
        for p in HistoricalUser.objects.filter(
            history_id__in=[i for i in previous_ids.values() if i]
        )
    }
    groups_of = {}
    memberships = HistoricalUser_groups.objects.filter(
        history_id__in=[r.history_id for r in records] + list(previous)
    ).select_related("group")
    for membership in memberships:
        # A group deleted since is shown by its number (the history row keeps only that).
        name = membership.group.name if membership.group else f"#{membership.group_id}"
        groups_of.setdefault(membership.history_id, set()).add(name)

    rows = []
    for record in records:
        before = previous.get(previous_ids.get(record.history_id))
        rows.append(
            {
                "date": record.history_date,
                "actor": record.history_user,
                "account": record.username,
                "changes": _describe(record, before, groups_of),
            }
        )
    return rows


def _describe(record, before, groups_of) -> list[str]:
    from .roles import Role

    if record.history_type == "+":
        changes = [_("Account created")]
    elif record.history_type == "-":
        return [_("Account deleted")]
    else:
        changes = []
    if record.history_change_reason == HISTORY_STARTED:
        changes.append(_("History started: the account as it stood"))
    if record.history_change_reason == PASSWORD_CHANGED:
        changes.append(_("Password changed"))
    if record.history_change_reason == SECOND_FACTOR_RESET:
        changes.append(_("Second factor reset: to be set up again at the next sign-in"))
    # The superuser flag is set on the command line only; the auditor sees when it was.
    if record.is_superuser and (before is None or not before.is_superuser):
        changes.append(_("Superuser status given"))
    elif before is not None and before.is_superuser and not record.is_superuser:
        changes.append(_("Superuser status taken away"))
    if before is not None:
        for field in COMPARED_FIELDS:
            old, new = getattr(before, field), getattr(record, field)
            if old == new:
                continue
            if field == "is_active":
                changes.append(_("Activated") if new else _("Deactivated"))
            elif field == "is_staff":
                changes.append(
                    _("Admin site access given") if new else _("Admin site access taken away")
                )
            else:
                verbose = get_user_model()._meta.get_field(field).verbose_name
                changes.append(
                    _("%(field)s: %(old)s → %(new)s") % {"field": verbose, "old": old, "new": new}
                )
    old_groups = groups_of.get(before.history_id, set()) if before is not None else set()
    new_groups = groups_of.get(record.history_id, set())
    for name in sorted(new_groups - old_groups):
        if name in Role.values:
            changes.append(_("Role given: %(role)s") % {"role": Role(name).label})
        else:
            changes.append(_("Group joined: %(group)s") % {"group": name})
    for name in sorted(old_groups - new_groups):
        if name in Role.values:
            changes.append(_("Role taken away: %(role)s") % {"role": Role(name).label})
        else:
            changes.append(_("Group left: %(group)s") % {"group": name})
    if not changes:
        changes.append(_("Saved without change"))
    return changes
