"""The Celery application.

Settings come from Django's settings with the ``CELERY_`` prefix, and every installed
app's ``tasks.py`` is discovered, so a task lives beside the service it calls.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assistance.settings")

app = Celery("assistance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
