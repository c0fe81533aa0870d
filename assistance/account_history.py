"""History of accounts: every change to a user, its role grants (groups) and its password,
kept by django-simple-history for the auditor.

The password hash is never copied into history; a change of password is a history row of
its own, marked by its change reason. Sign-ins (which only touch ``last_login``) and the
silent re-hashing of a password at sign-in are not changes to the account and leave no row.
"""

from django.contrib.auth import get_user_model
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
