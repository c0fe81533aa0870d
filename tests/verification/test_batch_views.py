"""The batch re-verification pages, driven through the client as a clerk would: who may
see them (everyone outside the office gets 404), choosing a cohort with its live count
(htmx, or the "count" button without JavaScript), submitting it, following its progress
(polling while it runs, stopping once finished), cancelling it, the changes since the
previous verification with masked ID numbers only, and query counts that do not grow
with the number of households."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assistance.models import AccessLog
from tests.factories import LeadingGroupFactory
from tests.verification.test_batches import make_households, submit, upload_snapshot
from verification import batches
from verification.batches import preparation
from verification.models import (
    DepartmentCheck,
    HouseholdMember,
    VerificationBatch,
    VerificationRequest,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    # Assertions read the English source strings, whatever the catalogue says.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def held(monkeypatch):
    """Batches are prepared, but no department starts: the batch stays running."""
    monkeypatch.setattr(preparation, "_send_process_unit", lambda *args: True)


@pytest.fixture
def running(clerk, group, items, held):
    """A prepared batch of three households whose departments have not started."""
    make_households(3, office=group, clerk=clerk)
    make_households(1, office=group, clerk=clerk, authorized=False)
    batch = VerificationBatch.objects.create(office=group, created_by=clerk)
    batches.batch_prepare(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _urls(batch):
    return [
        reverse("verification:batch_list"),
        reverse("verification:batch_create"),
        *(
            reverse(f"verification:{name}", kwargs={"pk": batch.pk})
            for name in (
                "batch_detail",
                "batch_progress",
                "batch_cancel",
                "batch_changes",
            )
        ),
    ]


# --- Who may see what -------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, running):
    for url in _urls(running):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))
    response = client.post(reverse("verification:batch_cancel", kwargs={"pk": running.pk}))
    assert response.status_code == 302
    running.refresh_from_db()
    assert running.status == VerificationBatch.Status.RUNNING


@pytest.mark.parametrize(
    "persona", ["liaison", "other_liaison", "outsider", "auditor", "convener", "administrator"]
)
def test_everyone_outside_the_office_gets_404(client, request, running, persona):
    client.force_login(request.getfixturevalue(persona))
    for url in _urls(running):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("verification:batch_create"), {}).status_code == 404
    cancel = reverse("verification:batch_cancel", kwargs={"pk": running.pk})
    assert client.post(cancel).status_code == 404
    running.refresh_from_db()
    assert running.status == VerificationBatch.Status.RUNNING
    assert VerificationBatch.objects.count() == 1


@pytest.mark.parametrize("persona", ["clerk", "director"])
def test_the_office_sees_every_batch_page(client, request, running, persona):
    client.force_login(request.getfixturevalue(persona))
    for url in _urls(running):
        assert client.get(url).status_code == 200, url
    missing = reverse("verification:batch_detail", kwargs={"pk": running.pk + 100})
    assert client.get(missing).status_code == 404


# --- Choosing and submitting a cohort ---------------------------------------------------------


def test_the_form_counts_the_cohort_live_and_without_javascript(client, clerk, group, items):
    make_households(2, office=group, clerk=clerk, town="大峪街道")
    make_households(3, office=group, clerk=clerk, town="龙泉镇")
    make_households(1, office=group, clerk=clerk, town="龙泉镇", authorized=False)
    client.force_login(clerk)
    url = reverse("verification:batch_create")

    response = client.get(url)
    content = response.content.decode()
    assert response.context["preview"]["matching"] == 6
    assert "6 households match." in content
    assert "1 of them lacks a signed authorisation" in content
    # One coordination body: nothing to choose.
    assert 'type="hidden" name="office"' in content
    assert response.context["form"].fields["town"].choices[1:] == [
        ("大峪街道", "大峪街道"),
        ("龙泉镇", "龙泉镇"),
    ]
    assert 'hx-get="/verification/batches/new/"' in content

    # The live count (htmx): only the partial.
    response = client.get(
        url,
        {"preview": "1", "office": group.pk, "town": "龙泉镇", "due_only": "on"},
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    assert "<html" not in content
    assert "4 households match." in content
    assert "1 of them lacks" in content

    # Without JavaScript: the "count" button.
    response = client.post(
        url, {"office": group.pk, "town": "大峪街道", "due_only": "on", "count": "1"}
    )
    assert response.status_code == 200
    assert "2 households match." in response.content.decode()
    assert not VerificationBatch.objects.exists()


def test_submitting_creates_the_batch_and_shows_its_progress(
    client, clerk, group, unit, items, liaison, django_capture_on_commit_callbacks
):
    homes = make_households(2, office=group, clerk=clerk, town="龙泉镇")
    make_households(2, office=group, clerk=clerk, town="大峪街道")
    upload_snapshot(unit, liaison, [])
    client.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("verification:batch_create"),
            {"office": group.pk, "town": "龙泉镇", "assistance_type": "dibao", "due_only": "on"},
        )
    batch = VerificationBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == batch.get_absolute_url()
    assert (batch.town, batch.assistance_type, batch.due_only, batch.created_by) == (
        "龙泉镇",
        "dibao",
        True,
        clerk,
    )
    assert set(batch.requests.values_list("household", flat=True)) == {h.pk for h in homes}

    response = client.get(response["Location"])
    content = response.content.decode()
    # The test's transaction commits (and sends) only after the view has answered, so
    # the view finds the preparation not sent yet and says it is saved.
    assert " ".join(_messages(response)).startswith(("Batch submitted", "Batch saved"))
    rows = {row["unit"]: row for row in response.context["departments"]}
    assert rows["区公安分局"]["answered"] == 2
    assert rows["区税务局"]["inbox"] == 2
    assert response.context["households"] == 2
    # Every check has gone out: the batch has finished and the page no longer polls.
    assert 'hx-trigger="every' not in content
    assert 'data-testid="cancel-batch"' not in content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"town": "大峪街道", "due_only": "on"}, "No household matches: nothing to verify."),
        ({"town": "", "due_only": ""}, "No department of this office checks anything yet."),
    ],
)
def test_a_refused_batch_creates_nothing(client, clerk, group, data, message, request):
    if "department" not in message:
        request.getfixturevalue("items")
    (home,) = make_households(1, office=group, clerk=clerk, town="大峪街道")
    VerificationRequest.objects.create(
        household=home,
        assistance_type="dibao",
        requested_by=clerk,
        status="completed",
        completed_at=timezone.now(),
    )
    client.force_login(clerk)
    response = client.post(reverse("verification:batch_create"), {"office": group.pk, **data})
    assert response.status_code == 200
    assert message in _messages(response)
    assert not VerificationBatch.objects.exists()


def test_a_town_of_another_office_is_refused(client, clerk, group, items):
    other = LeadingGroupFactory()
    make_households(1, office=group, clerk=clerk, town="大峪街道")
    make_households(1, office=other, clerk=clerk, town="外区镇")
    client.force_login(clerk)
    url = reverse("verification:batch_create")
    response = client.get(url)
    # Two coordination bodies: the clerk chooses one.
    assert '<select name="office"' in response.content.decode()
    response = client.post(url, {"office": group.pk, "town": "外区镇", "due_only": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["town"]
    assert not VerificationBatch.objects.exists()
    # The towns follow the office chosen.
    response = client.get(
        url, {"preview": "1", "office": other.pk, "due_only": "on"}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert 'hx-swap-oob="true"' in content
    assert "外区镇" in content and "大峪街道" not in content


# --- Progress and cancel ----------------------------------------------------------------------


def test_progress_polls_while_running_and_stops_once_finished(client, clerk, running, unit):
    client.force_login(clerk)
    url = reverse("verification:batch_progress", kwargs={"pk": running.pk})
    response = client.get(url, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert content.startswith('<section id="batch-progress"')
    assert 'hx-trigger="every 2s"' in content
    assert f'hx-get="{url}"' in content
    totals = response.context["totals"]
    assert (totals["total"], totals["queued"], totals["answered"]) == (6, 6, 0)
    assert (response.context["households"], running.skipped_count) == (3, 1)
    assert 'data-testid="cancel-batch"' in content

    # The page shows the same table, with a link to reload without JavaScript.
    page = client.get(running.get_absolute_url()).content.decode()
    assert 'data-testid="department-table"' in page
    assert 'data-testid="refresh"' in page
    assert "Skipped (authorisation missing)" in page

    for unit_id in {c.unit_id for c in DepartmentCheck.objects.all()}:
        batches.batch_process_unit(batch_id=running.pk, unit_id=unit_id)
    response = client.get(url, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "hx-trigger" not in content
    assert 'data-testid="cancel-batch"' not in content
    totals = response.context["totals"]
    assert (totals["queued"], totals["inbox"]) == (0, 6)
    # Every department has its checks; no household's verification is complete yet.
    assert 'data-phase="sent"' in content
    assert "Sent to every department" in content
    assert "Completed" not in content
    assert 'data-testid="inbox-note"' in content


def test_cancel_asks_then_stops_the_batch(client, clerk, running):
    client.force_login(clerk)
    url = reverse("verification:batch_cancel", kwargs={"pk": running.pk})
    response = client.get(url)
    assert 'data-testid="confirm-cancel"' in response.content.decode()
    running.refresh_from_db()
    assert running.status == VerificationBatch.Status.RUNNING

    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == running.get_absolute_url()
    running.refresh_from_db()
    assert running.status == VerificationBatch.Status.CANCELLED
    assert set(DepartmentCheck.objects.values_list("status", flat=True)) == {"cancelled"}
    assert set(running.requests.values_list("status", flat=True)) == {"cancelled"}

    response = client.post(url, follow=True)
    assert "Only a running batch can be cancelled." in _messages(response)
    assert "Only a running batch can be cancelled." in client.get(url).content.decode()


# --- Changes since the previous verification ---------------------------------------------------


def _verified_twice(capture, *, clerk, group, unit, other_unit, liaison, other_liaison, count):
    """``count`` households verified a year ago with nothing found, then again now with
    a car for every member: returns the second batch."""
    town = f"镇{count}"
    make_households(count, office=group, clerk=clerk, town=town)
    upload_snapshot(unit, liaison, [])
    upload_snapshot(other_unit, other_liaison, [])
    first = submit(capture, actor=clerk, office=group, town=town)
    long_ago = timezone.now() - datetime.timedelta(days=400)
    first.requests.update(submitted_at=long_ago, completed_at=long_ago)
    people = HouseholdMember.objects.filter(household__town=town)
    upload_snapshot(unit, liaison, [(m.id_number, "车辆", f"轿车{m.pk}", "") for m in people])
    return submit(capture, actor=clerk, office=group, town=town)


@pytest.fixture
def verified_twice(
    clerk,
    group,
    unit,
    other_unit,
    items,
    liaison,
    other_liaison,
    django_capture_on_commit_callbacks,
):
    """``_verified_twice`` for ``count`` households, with the test's units and people."""

    def verify(count):
        return _verified_twice(
            django_capture_on_commit_callbacks,
            clerk=clerk,
            group=group,
            unit=unit,
            other_unit=other_unit,
            liaison=liaison,
            other_liaison=other_liaison,
            count=count,
        )

    return verify


def test_changes_page_lists_changes_with_masked_ids_only(client, clerk, verified_twice):
    batch = verified_twice(3)
    client.force_login(clerk)
    response = client.get(reverse("verification:batch_changes", kwargs={"pk": batch.pk}))
    content = response.content.decode()
    assert response.context["changed"] == 3
    assert content.count('data-testid="change"') == 3
    assert "New record" in content and "车辆" in content
    for member in HouseholdMember.objects.all():
        assert member.id_number not in content
        assert member.masked_id in content
    # Personal data read: logged.
    log = AccessLog.objects.get(user=clerk)
    assert log.object_id == batch.pk
    assert response["Cache-Control"].count("no-store") == 1


def test_changes_page_before_anything_completed(client, clerk, running):
    client.force_login(clerk)
    response = client.get(reverse("verification:batch_changes", kwargs={"pk": running.pk}))
    assert 'data-testid="no-changes"' in response.content.decode()
    assert response.context["completed"] == 0


# --- Query counts -----------------------------------------------------------------------------


def _queries(client, url, **extra):
    # Each page starts with cold caches (the access log's content type), so the two
    # measurements count the same things.
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(context), response


def test_page_queries_do_not_grow_with_households(client, clerk, verified_twice):
    client.force_login(clerk)
    counts = {}
    for size in (5, 50):
        batch = verified_twice(size)
        list_count, response = _queries(client, reverse("verification:batch_list"))
        assert len(response.context["page"]) == VerificationBatch.objects.count()
        detail, response = _queries(client, batch.get_absolute_url())
        assert response.context["households"] == size
        progress, _ = _queries(
            client,
            reverse("verification:batch_progress", kwargs={"pk": batch.pk}),
            HTTP_HX_REQUEST="true",
        )
        changes, response = _queries(
            client, reverse("verification:batch_changes", kwargs={"pk": batch.pk})
        )
        assert response.context["changed"] == size
        counts[size] = {
            "list": list_count,
            "detail": detail,
            "progress": progress,
            "changes": changes,
        }
    assert counts[5] == counts[50]


def test_changes_page_queries_do_not_grow_past_a_chunk_or_a_page(
    client, settings, clerk, verified_twice
):
    # Compared four households at a time; a page lists 50.
    settings.VERIFICATION_BATCH_CHUNK = 4
    client.force_login(clerk)
    counts = []
    for size in (3, 55):
        batch = verified_twice(size)
        url = reverse("verification:batch_changes", kwargs={"pk": batch.pk})
        for page, shown in ((1, min(size, 50)), (2, 5)) if size > 50 else ((1, size),):
            ContentType.objects.clear_cache()
            with CaptureQueriesContext(connection) as context:
                response = client.get(f"{url}?page={page}")
            assert response.context["changed"] == size
            assert response.content.decode().count('data-testid="household-changes"') == shown
            counts.append(len(context))
            # The households of the page: one query, a slice of the kept comparison.
            stored = [q for q in context.captured_queries if "batchhouseholdchanges" in q["sql"]]
            assert len(stored) == 1
    assert len(set(counts)) == 1
