from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    from .roles import sync_role_groups

    sync_role_groups()


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = _("Office")

    def ready(self):
        # Role groups are reference data: they exist on every database that is migrated,
        # after all apps' permissions have been created.
        post_migrate.connect(_sync_roles, dispatch_uid="assistance_sync_roles")
        from . import signals, taskrun  # noqa: F401  (taskrun's Celery receivers)

        signals.connect()
        # Each sign-in starts the session's clocks and notes what it owes first
        # (second factor, expired password).
        from .signin.session import on_signed_in

        user_logged_in.connect(on_signed_in, dispatch_uid="assistance_signin_session")
