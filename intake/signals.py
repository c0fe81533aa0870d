"""What intake tells the layers above it, which it does not know (the API's events).

``referrals_created`` is sent inside the transaction that made referrals, with
``referrals``: {unit key: [referral keys]}. A receiver writes in that same transaction
and acts outside the database only after the commit."""

from django.dispatch import Signal

referrals_created = Signal()
