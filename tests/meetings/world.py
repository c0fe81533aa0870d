"""Objects built once for a whole test module, as ``tests/test_url_permissions.py`` does:
the permission matrices request the same pages of the same objects as every role, and
building a meeting through the services for each case cost most of the meetings tests'
time.

``built_once(build)`` is the module's ``_built`` fixture: ``build()`` runs once, in a
transaction rolled back at the end of the module, with uploads in a folder of the module's
own; each test runs in a savepoint inside that transaction (pytest-django's ``db``), so
what one test's request changes is undone before the next. ``build`` returns a dict with
at least ``users`` (persona name -> user); ``persona(name)`` is a fixture returning that
user, so tests keep asking for ``clerk`` or ``liaison`` by name."""

import pytest
from django.db import transaction
from django.test.utils import override_settings

from tests import register

# Everyone the meetings' permission tests sign in as.
PERSONAS = ["clerk", "director", "convener", "auditor", "administrator", "outsider"]


def register_with_personas(group):
    """``unit`` and ``other_unit`` of ``group`` and the personas of ``tests/conftest.py``
    (their liaisons ``liaison`` and ``other_liaison`` included)."""
    unit, other_unit = register.unit(group), register.other_unit(group)
    users = {name: register.persona(name) for name in PERSONAS}
    users["liaison"] = register.liaison("liaison", unit)
    users["other_liaison"] = register.liaison("other-liaison", other_unit)
    return unit, other_unit, users


def built_once(build):
    @pytest.fixture(scope="module", name="_built")
    def fixture(django_db_setup, django_db_blocker, tmp_path_factory):
        media = tmp_path_factory.mktemp("media")
        fast_hashing = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        with (
            django_db_blocker.unblock(),
            override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast_hashing),
        ):
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                built = build()
                built["media_root"] = media
                yield built
            finally:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)

    return fixture


def persona(name):
    @pytest.fixture(name=name)
    def fixture(db, _built):
        return _built["users"][name]

    return fixture


@pytest.fixture(autouse=True, name="_media_in_tmp")
def media_in_module_folder(settings, _built):
    # The module's files live in its own folder, kept for the whole module.
    settings.MEDIA_ROOT = _built["media_root"]
