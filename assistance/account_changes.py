"""The auditor's account change log, read from the account history that
``assistance.account_history`` keeps."""

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from .account_history import COMPARED_FIELDS, HISTORY_STARTED, PASSWORD_CHANGED, SECOND_FACTOR_RESET

# Both history models are made by register_account_history() when assistance.models loads.
from .models import HistoricalUser, HistoricalUser_groups
from .roles import Role


def account_changes(records):
    """Rows for the auditor's account change log, built from a page of historical user
    records in four queries however long the page: the page itself (given), the previous
    row of each record, and the group memberships of both."""
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
