"""Every meeting and agenda URL for every role, on an approved meeting with an attachment on
each unit's item: anonymous users sign in, users without a meeting role and liaisons of
units not invited get 404, the invited unit's liaison and the office get what they may.

The objects are those of the fixtures in ``tests/meetings/conftest.py`` (the register of
``tests/conftest.py``, ``host_unit``, ``approved_meeting``), built once for the module
through the same functions (``tests/register.py``, ``tests/meetings/factories.py``), in
a transaction rolled back at its end (``tests/meetings/world.py``). The fixtures named as
the personas return the module's users."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from meetings.models import Attachment, Meeting
from tests import register
from tests.meetings import factories, world

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _attach(item, name="说明.pdf", content=PDF, user=None):
    attachment = Attachment(agenda_item=item, name=name, uploaded_by=user or item.submitted_by)
    attachment.file.save(name.replace("说明", "note"), ContentFile(content), save=False)
    attachment.save()
    return attachment


def _build() -> dict:
    group = register.group()
    unit, _other_unit, users = world.register_with_personas(group)
    host_unit = factories.host_unit_for(group)
    meeting = factories.meeting_schedule(
        clerk=users["clerk"],
        group=group,
        convener=users["convener"],
        invited_units=[host_unit, unit],
    )
    approved = factories.agenda_approve(
        meeting,
        unit=unit,
        liaison=users["liaison"],
        host_unit=host_unit,
        clerk=users["clerk"],
        director=users["director"],
        convener=users["convener"],
    )
    own = approved.agenda_items.get(unit=unit)
    other = approved.agenda_items.get(unit=host_unit)
    objects = {
        "meeting": approved,
        "item": own,
        "attachment": _attach(own),
        "other_attachment": _attach(other, name="测算表.pdf"),
    }
    return {"objects": objects, "users": users}


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


@pytest.fixture(name="world")
def world_(db, _built):
    """An approved meeting (so every file exists) with an attachment on each unit's item."""
    return _built["objects"]


# (url name, method, what its argument is)
URLS = [
    ("meeting_list", "get", None),
    ("plan_generate", "get", None),
    ("meeting_create", "get", None),
    ("meeting_detail", "get", "meeting"),
    ("meeting_edit", "get", "meeting"),
    ("meeting_cancel", "post", "meeting"),
    ("meeting_ics", "get", "meeting"),
    ("agenda_docx", "get", "meeting"),
    ("agenda_approve", "post", "meeting"),
    ("attendance", "get", "meeting"),
    ("item_create", "get", "meeting"),
    ("item_detail", "get", "item"),
    ("item_edit", "get", "item"),
    ("item_submit", "post", "item"),
    ("item_review", "post", "item"),
    ("attachment_download", "get", "attachment"),
]


def _url(name, kind, world):
    if kind is None:
        return reverse(f"meetings:{name}")
    return reverse(f"meetings:{name}", args=[world[kind].pk])


def _fetch(client, method, url):
    return getattr(client, method)(url)


@pytest.mark.parametrize(("name", "method", "kind"), URLS)
def test_anonymous_is_sent_to_sign_in(client, world, name, method, kind):
    response = _fetch(client, method, _url(name, kind, world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["outsider", "auditor", "administrator"])
@pytest.mark.parametrize(("name", "method", "kind"), URLS)
def test_users_without_a_meeting_role_get_404(client, request, world, persona, name, method, kind):
    client.force_login(request.getfixturevalue(persona))
    assert _fetch(client, method, _url(name, kind, world)).status_code == 404


@pytest.mark.parametrize(("name", "method", "kind"), URLS)
def test_liaison_of_a_unit_not_invited_gets_404(client, other_liaison, world, name, method, kind):
    client.force_login(other_liaison)
    response = _fetch(client, method, _url(name, kind, world))
    if name == "meeting_list":
        # Their own list, without this meeting.
        assert response.status_code == 200
        assert world["meeting"].title not in response.content.decode()
    else:
        assert response.status_code == 404
    assert world["meeting"].status == Meeting.Status.AGENDA_APPROVED


# What the invited unit's liaison gets on the approved meeting: 200 where they may look,
# 404 on the office's own pages. Their POSTs reach the service, which refuses with a message.
LIAISON_EXPECTED = {
    "meeting_list": 200,
    "plan_generate": 404,
    "meeting_create": 404,
    "meeting_detail": 200,
    "meeting_edit": 404,
    "meeting_cancel": 404,
    "meeting_ics": 200,
    "agenda_docx": 200,
    "agenda_approve": 404,
    "attendance": 404,
    "item_create": 200,
    "item_detail": 200,
    "item_edit": 200,
    "item_submit": 200,
    "item_review": 200,
    "attachment_download": 200,
}


@pytest.mark.parametrize(("name", "method", "kind"), URLS)
def test_liaison_of_the_invited_unit(client, liaison, world, name, method, kind):
    client.force_login(liaison)
    response = _fetch(client, method, _url(name, kind, world))
    assert response.status_code == LIAISON_EXPECTED[name]


# What the office and the convener get. The convener neither proposes nor edits items (the
# services allow that to the office and the unit's liaisons only): those pages do not exist
# for them.
STAFF_GET_URLS = [(name, kind) for name, method, kind in URLS if method == "get"]


@pytest.mark.parametrize("persona", ["clerk", "director", "convener"])
@pytest.mark.parametrize(("name", "kind"), STAFF_GET_URLS)
def test_staff_see_every_page(client, request, world, persona, name, kind):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(_url(name, kind, world))
    if persona == "convener" and name in ("item_create", "item_edit"):
        assert response.status_code == 404
    else:
        assert response.status_code == 200
