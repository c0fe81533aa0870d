"""The project shell: settings, URLs, the Celery app, the home pages, navigation and demo
loading. The only package that knows every app; no app imports it."""

# Load the Celery app whenever Django starts so that @shared_task uses it.
from .celery import app as celery_app

__all__ = ("celery_app",)
