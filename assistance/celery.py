"""The Celery application.

Settings come from Django's settings with the ``CELERY_`` prefix, and every installed
app's ``tasks.py`` is discovered, so a task lives beside the service it calls.
"""

import os

from celery import Celery
from celery.signals import celeryd_after_setup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assistance.settings")

app = Celery("assistance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_after_setup.connect
def _add_department_queues(sender, instance, **kwargs):
    """Consume the department queues named by VERIFY_QUEUES ('all' or unit codes), read from
    the database at start, so a unit added in the admin needs no code change."""
    spec = os.environ.get("VERIFY_QUEUES", "").strip()
    if not spec:
        return
    from verification.queues import queues_for

    for queue in queues_for(spec):
        instance.app.amqp.queues.select_add(queue)
