"""What verification tells the layers above it, which it does not know (the API's events,
the warnings of monitoring).

``checks_created`` is sent inside the transaction that created checks, by a single
request and by each chunk of a batch alike, with ``checks``: {unit key: [check keys]}. A
receiver writes in that same transaction (its rows commit or roll back with the checks)
and acts outside the database only after the commit.

``snapshot_imported`` is sent inside the transaction that made a registry extract its
unit's current snapshot, with ``snapshot``; ``batch_completed`` inside the transaction
that completed a batch re-verification, with ``batch``. Receivers send their work after
the commit."""

from django.dispatch import Signal

checks_created = Signal()
snapshot_imported = Signal()
batch_completed = Signal()
