"""What a Celery worker consumes beyond its ``-Q`` queues: the department queues named by
``VERIFY_QUEUES`` (imported when Django starts, by ``OfficeConfig.ready``)."""

import os

from celery.signals import celeryd_after_setup

from verification.queues import queues_for


@celeryd_after_setup.connect
def _add_department_queues(sender, instance, **kwargs):
    """Consume the department queues named by VERIFY_QUEUES ('all' or unit codes), read from
    the database at start, so a unit added in the admin needs no code change."""
    spec = os.environ.get("VERIFY_QUEUES", "").strip()
    if not spec:
        return
    for queue in queues_for(spec):
        instance.app.amqp.queues.select_add(queue)
