import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "office.settings")
application = get_asgi_application()

from office.startup import refuse_if_database_ahead  # noqa: E402 (needs Django set up)

refuse_if_database_ahead()
