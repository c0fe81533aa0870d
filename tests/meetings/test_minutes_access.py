"""Every minutes and decision URL for every role on issued minutes: anonymous users sign
in, outsiders get 404, a decision is open to its units' liaisons and the staff only, and
the follow-up page is open to staff and liaisons.

The objects are those of the fixtures in ``tests/meetings/conftest.py`` and
``test_minutes_views.py`` (``held_meeting`` invites ``host_unit``, present, and ``unit``,
delegated; ``other_unit`` was not invited), built once for the module through the same
functions, in a transaction rolled back at its end (``tests/meetings/world.py``). The
fixtures named as the personas return the module's users."""

import pytest
from django.urls import reverse

from tests import register
from tests.meetings import factories, world
from tests.meetings.minutes_pages import DECISION_URLS, MINUTES_URLS, circulated_minutes_world
from tests.meetings.minutes_pages import call as _call
from tests.meetings.minutes_pages import decision as _decision
from tests.meetings.minutes_pages import decision_snapshot as _decision_snapshot
from tests.meetings.minutes_pages import snapshot as _snapshot

pytestmark = pytest.mark.django_db


def _build() -> dict:
    built = circulated_minutes_world()
    users, unit, host_unit = built["users"], built["unit"], built["host_unit"]
    # Signs for the host unit, as in test_minutes_views.py.
    users["host_liaison"] = register.liaison("host-liaison", host_unit)
    minutes = factories.minutes_signed(
        built["minutes"],
        liaison=users["liaison"],
        host_liaison=users["host_liaison"],
        unit=unit,
        host_unit=host_unit,
        convener=users["convener"],
    )
    minutes = factories.minutes_issued(minutes, clerk=users["clerk"])
    return {"minutes": minutes, "users": users}


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
def issued(db, _built):
    """Minutes signed by the convener and issued by the office."""
    return _built["minutes"]


@pytest.mark.parametrize(("name", "method", "data"), MINUTES_URLS + DECISION_URLS)
def test_anonymous_is_sent_to_sign_in(client, issued, name, method, data):
    pk = issued.pk if name.startswith("minutes") else _decision(issued, 1).pk
    before = _snapshot(issued)

    response = _call(client, name, method, data, pk)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert _snapshot(issued) == before


@pytest.mark.parametrize("persona", ["liaison", "other_liaison", "clerk", "convener"])
def test_issued_minutes_are_open_to_every_member_unit(client, request, issued, persona):
    client.force_login(request.getfixturevalue(persona))

    for name in ("minutes_detail", "minutes_docx"):
        response = client.get(reverse(f"meetings:{name}", kwargs={"pk": issued.pk}))
        assert response.status_code == 200, name


@pytest.mark.parametrize("persona", ["outsider", "auditor", "administrator"])
@pytest.mark.parametrize(("name", "method", "data"), DECISION_URLS)
def test_decisions_are_404_to_outsiders(client, request, issued, persona, name, method, data):
    decision = _decision(issued, 1)
    client.force_login(request.getfixturevalue(persona))
    before = _decision_snapshot(decision)

    response = _call(client, name, method, data, decision.pk)

    assert response.status_code == 404
    assert _decision_snapshot(decision) == before


@pytest.mark.parametrize(("name", "method", "data"), DECISION_URLS)
def test_a_decision_is_404_to_a_liaison_whose_unit_it_does_not_concern(
    client, issued, liaison, other_liaison, name, method, data
):
    # Decision 1: led by ``unit`` with the host unit; decision 2: led by the host unit
    # with ``other_unit``. Each liaison's unit is on one of them only.
    for user, order in ((other_liaison, 1), (liaison, 2)):
        decision = _decision(issued, order)
        client.force_login(user)
        before = _decision_snapshot(decision)

        response = _call(client, name, method, data, decision.pk)

        assert response.status_code == 404
        assert _decision_snapshot(decision) == before


@pytest.mark.parametrize(("name", "method", "data"), DECISION_URLS)
def test_a_decision_is_open_to_its_units_liaisons_and_staff(
    client, request, issued, name, method, data
):
    for persona, order in (
        ("liaison", 1),
        ("other_liaison", 2),
        ("clerk", 1),
        ("director", 2),
        ("convener", 1),
    ):
        decision = _decision(issued, order)
        client.force_login(request.getfixturevalue(persona))

        response = _call(client, name, method, data, decision.pk)

        assert response.status_code in ((200,) if method == "get" else (200, 302)), persona


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("clerk", 200),
        ("director", 200),
        ("convener", 200),
        ("liaison", 200),
        ("other_liaison", 200),
        ("outsider", 404),
        ("auditor", 404),
        ("administrator", 404),
    ],
)
def test_the_follow_up_page(client, request, issued, persona, status):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("meetings:followup"))

    assert response.status_code == status
