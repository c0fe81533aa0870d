from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("Assistance ledger")

    def ready(self):
        from . import receivers

        receivers.connect()
