"""Every minutes URL for every role on circulated minutes (approved by the office
director, out for the attending units' consent): 404 to everyone but the staff and the
attending units.

The objects are those of the fixtures in ``tests/meetings/conftest.py`` and
``test_minutes_views.py`` (``held_meeting`` invites ``host_unit``, present, and ``unit``,
delegated; ``other_unit`` was not invited), built once for the module through the same
functions, in a transaction rolled back at its end (``tests/meetings/world.py``). The
fixtures named as the personas return the module's users."""

import pytest

from tests.meetings import world
from tests.meetings.minutes_pages import MINUTES_URLS, circulated_minutes_world
from tests.meetings.minutes_pages import call as _call
from tests.meetings.minutes_pages import snapshot as _snapshot

pytestmark = pytest.mark.django_db


def _build() -> dict:
    built = circulated_minutes_world()
    return {"minutes": built["minutes"], "users": built["users"]}


_built = world.built_once(_build)
_media_in_tmp = world.media_in_module_folder
clerk, director, convener = (world.persona(n) for n in ("clerk", "director", "convener"))
auditor, administrator = world.persona("auditor"), world.persona("administrator")
outsider, liaison = world.persona("outsider"), world.persona("liaison")
other_liaison = world.persona("other_liaison")


@pytest.fixture(autouse=True)
def _english(client):
    # Assertions read the English source strings, whatever the catalogue says.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def circulated(db, _built):
    """Minutes drafted by the office and approved by its director, out for consent."""
    return _built["minutes"]


@pytest.mark.parametrize("persona", ["outsider", "auditor", "administrator", "other_liaison"])
@pytest.mark.parametrize(("name", "method", "data"), MINUTES_URLS)
def test_minutes_before_issue_are_404_to_everyone_but_staff_and_attending_units(
    client, request, circulated, persona, name, method, data
):
    # ``other_liaison``'s unit is a member unit that did not attend: the circulated
    # minutes are not theirs to see, let alone to consent to.
    client.force_login(request.getfixturevalue(persona))
    before = _snapshot(circulated)

    response = _call(client, name, method, data, circulated.pk)

    assert response.status_code == 404
    assert _snapshot(circulated) == before


@pytest.mark.parametrize("persona", ["liaison", "clerk", "director", "convener"])
@pytest.mark.parametrize(("name", "method", "data"), MINUTES_URLS)
def test_circulated_minutes_are_open_to_staff_and_the_attending_units(
    client, request, circulated, persona, name, method, data
):
    client.force_login(request.getfixturevalue(persona))

    response = _call(client, name, method, data, circulated.pk)

    # A GET shows the page; a POST either acts (and redirects) or shows the service's
    # refusal on the page.
    assert response.status_code in ((200,) if method == "get" else (200, 302))
