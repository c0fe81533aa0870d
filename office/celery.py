"""The Celery application.

Settings come from Django's settings with the ``CELERY_`` prefix, and every installed
app's ``tasks.py`` is discovered, so a task lives beside the service it calls. Services
send tasks by name (``assistance.outbox``); how a task runs (its database connections, the
user it acts for) is ``assistance.taskrun``; which department queues a worker consumes is
``office.worker``. The last two are connected when Django starts (the apps' ``ready``).
"""

import os

from celery import Celery
from celery.app.amqp import AMQP

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "office.settings")


class OfficeAMQP(AMQP):
    @property
    def queues_cls(self):
        from assistance.broker import OfficeQueues  # needs Django's settings

        return OfficeQueues


# Quorum queues on RabbitMQ get their delivery limit and dead-letter queue (OfficeAMQP).
app = Celery("office", amqp="office.celery:OfficeAMQP")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
