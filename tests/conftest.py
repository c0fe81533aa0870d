"""Shared fixtures: personas for every role, and settings every test wants."""

import pytest


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage used in production needs collectstatic; tests render templates
    # straight from the source folders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
