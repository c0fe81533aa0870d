"""What the API hears from the layers below, which do not know it: new checks
(``verification.signals.checks_created``) and new referrals
(``intake.signals.referrals_created``) queue an event delivery for each subscription of
their units' clients, in the same transaction. Connected in ``ApiConfig.ready``."""

from intake.signals import referrals_created
from verification.signals import checks_created

from .models import Event
from .webhooks import deliveries_queue


def on_checks_created(sender, checks, **kwargs):
    deliveries_queue(event=Event.CHECK_CREATED, by_unit=checks)


def on_referrals_created(sender, referrals, **kwargs):
    deliveries_queue(event=Event.REFERRAL_CREATED, by_unit=referrals)


def connect():
    checks_created.connect(on_checks_created, dispatch_uid="api_events_checks")
    referrals_created.connect(on_referrals_created, dispatch_uid="api_events_referrals")
