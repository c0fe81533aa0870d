"""What intake tells the layers above it, which it does not know (the API's events, the
assistance ledger).

``referrals_created`` is sent inside the transaction that made referrals, with
``referrals``: {unit key: [referral keys]}. ``referral_granted`` is sent inside the
transaction that closed a referral as granted, with ``referral`` (saved, its outcome set)
and ``actor``. A receiver writes in that same transaction (an error refuses the close) and
acts outside the database only after the commit."""

from django.dispatch import Signal

referrals_created = Signal()
referral_granted = Signal()
