import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "office.settings")
application = get_wsgi_application()

from office.startup import refuse_if_database_ahead  # noqa: E402 (needs Django set up)

refuse_if_database_ahead()
