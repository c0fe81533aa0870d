from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficeConfig(AppConfig):
    """The project shell as an app: its management commands (load_demo, demo_code), the
    calendar's admin and the worker's department queues."""

    name = "office"
    verbose_name = _("Project")

    def ready(self):
        # Signal receivers are connected once the apps are loaded (Django's idiom).
        from . import worker  # noqa: F401
