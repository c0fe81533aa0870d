"""A household has at most one verification request under way, whatever the timing
(issue 12, item 6): the database refuses a second (a partial unique constraint), a batch's
chunk leaves out households another batch or a clerk has just taken, a single request
is refused while one is under way, and submitting the same cohort twice (a double
click, two clerks) gives back the batch already running.

The races themselves need a database that runs transactions side by side: those tests
run on PostgreSQL only (DATABASE_URL), each side in its own thread and connection."""

import threading

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import translation

from tests.verification.test_batches import make_households
from verification import batches, services
from verification.batches import preparation
from verification.models import DepartmentCheck, VerificationBatch, VerificationRequest
from verification.services import VerificationError

SUBMITTED = VerificationRequest.Status.SUBMITTED


@pytest.fixture
def held(monkeypatch):
    """Batches are recorded, but no task is sent: each test prepares them itself."""
    monkeypatch.setattr(preparation, "_send_prepare", lambda batch_id: True)
    monkeypatch.setattr(preparation, "_send_process_unit", lambda *args: True)


def _under_way_per_household():
    """How many requests under way each household that has one holds."""
    return dict(
        VerificationRequest.objects.filter(status=SUBMITTED)
        .values_list("household")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _asked_per_household_and_unit():
    """How many open checks each (household, department) pair has."""
    return set(
        DepartmentCheck.objects.filter(status__in=DepartmentCheck.OPEN)
        .values_list("request__household", "unit")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("n", flat=True)
    )


# --- On any database -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_refuses_a_second_request_under_way(clerk, household):
    VerificationRequest.objects.create(
        household=household, assistance_type="dibao", requested_by=clerk
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationRequest.objects.create(
            household=household, assistance_type="dibao", requested_by=clerk
        )
    # Finished or cancelled ones do not count: the household is verified again later.
    VerificationRequest.objects.update(status=VerificationRequest.Status.CANCELLED)
    VerificationRequest.objects.create(
        household=household, assistance_type="dibao", requested_by=clerk
    )


@pytest.mark.django_db
def test_a_single_request_is_refused_while_one_is_under_way(
    clerk, authorized_household, items, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.request_submit(actor=clerk, household=authorized_household)
    with pytest.raises(VerificationError) as refused, translation.override("en"):
        services.request_submit(actor=clerk, household=authorized_household)
    assert "already has a verification under way" in refused.value.message
    assert f"request {first.pk}" in refused.value.message
    assert VerificationRequest.objects.count() == 1
    assert DepartmentCheck.objects.count() == 2


@pytest.mark.django_db
def test_submitting_the_same_cohort_twice_gives_back_the_running_batch(clerk, group, items, held):
    make_households(3, office=group, clerk=clerk)
    make_households(1, office=group, clerk=clerk, town="龙泉镇")
    first = batches.batch_submit(actor=clerk, office=group, town="大峪街道")
    again = batches.batch_submit(actor=clerk, office=group, town="大峪街道")
    assert (first.resubmitted, again.resubmitted) == (False, True)
    assert again.pk == first.pk
    assert VerificationBatch.objects.count() == 1
    batches.batch_prepare(batch_id=first.pk)
    under_way = _under_way_per_household()
    assert (len(under_way), set(under_way.values())) == (3, {1})
    # A different cohort is a different batch.
    other = batches.batch_submit(actor=clerk, office=group, town="龙泉镇")
    assert other.pk != first.pk and not other.resubmitted


@pytest.mark.django_db
def test_overlapping_batches_take_each_household_once(clerk, group, items, held):
    town = make_households(2, office=group, clerk=clerk, town="龙泉镇")
    elsewhere = make_households(3, office=group, clerk=clerk, town="大峪街道")
    # Both submitted before either is prepared: both cohorts hold the town's households.
    everyone = batches.batch_submit(actor=clerk, office=group)
    in_town = batches.batch_submit(actor=clerk, office=group, town="龙泉镇")
    batches.batch_prepare(batch_id=in_town.pk)
    batches.batch_prepare(batch_id=everyone.pk)
    assert set(in_town.requests.values_list("household", flat=True)) == {h.pk for h in town}
    assert set(everyone.requests.values_list("household", flat=True)) == {h.pk for h in elsewhere}
    assert set(_under_way_per_household().values()) == {1}
    assert _asked_per_household_and_unit() == {1}
    everyone.refresh_from_db()
    assert (everyone.household_count, everyone.skipped_count) == (3, 0)


@pytest.mark.django_db
def test_a_batch_whose_households_were_all_taken_says_there_was_none(
    client, clerk, group, items, held
):
    make_households(2, office=group, clerk=clerk, town="龙泉镇")
    everyone = batches.batch_submit(actor=clerk, office=group)
    in_town = batches.batch_submit(actor=clerk, office=group, town="龙泉镇")
    batches.batch_prepare(batch_id=everyone.pk)
    batches.batch_prepare(batch_id=in_town.pk)
    in_town.refresh_from_db()
    assert in_town.status == VerificationBatch.Status.COMPLETED
    assert not in_town.requests.exists()
    client.force_login(clerk)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(in_town.get_absolute_url()).content.decode()
    assert 'data-phase="empty"' in page
    assert "No household to verify" in page
    listing = client.get(reverse("verification:batch_list")).content.decode()
    assert listing.count('data-phase="empty"') == 1


@pytest.mark.django_db
def test_a_batch_leaves_out_a_household_filed_by_hand_after_submission(
    clerk, group, items, held, django_capture_on_commit_callbacks
):
    first, *others = make_households(3, office=group, clerk=clerk)
    batch = batches.batch_submit(actor=clerk, office=group)
    with django_capture_on_commit_callbacks(execute=True):
        by_hand = services.request_submit(actor=clerk, household=first)
    batches.batch_prepare(batch_id=batch.pk)
    assert set(batch.requests.values_list("household", flat=True)) == {h.pk for h in others}
    assert VerificationRequest.objects.get(household=first, status=SUBMITTED) == by_hand
    assert _asked_per_household_and_unit() == {1}


@pytest.mark.django_db
def test_a_double_click_on_submit_makes_one_batch(client, clerk, group, items, held):
    make_households(2, office=group, clerk=clerk)
    client.force_login(clerk)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    data = {"office": group.pk, "assistance_type": "", "town": "", "due_only": "on"}
    first = client.post(reverse("verification:batch_create"), data)
    second = client.post(reverse("verification:batch_create"), data)
    batch = VerificationBatch.objects.get()
    assert first["Location"] == second["Location"] == batch.get_absolute_url()
    told = [str(m) for m in get_messages(second.wsgi_request)]
    assert any(f"already has a batch under way (batch {batch.pk})" in m for m in told)


# --- Races, on PostgreSQL --------------------------------------------------------------------


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "the race needs transactions side by side: run with DATABASE_URL set to "
            "PostgreSQL (SQLite serialises every write)"
        )


def _together(*jobs):
    """Run each job in its own thread and connection, all released at the same moment;
    returns what each returned (or raised)."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=10)
            results[index] = job()
        except Exception as exc:  # reported by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a job never finished"
    return results


@pytest.mark.django_db(transaction=True)
def test_two_clerks_submitting_the_same_cohort_at_once_make_one_batch(
    clerk, group, items, held, settings
):
    _postgresql_only()
    make_households(40, office=group, clerk=clerk)
    results = _together(
        lambda: batches.batch_submit(actor=clerk, office=group),
        lambda: batches.batch_submit(actor=clerk, office=group),
    )
    assert all(isinstance(result, VerificationBatch) for result in results), results
    assert results[0].pk == results[1].pk
    assert sorted(result.resubmitted for result in results) == [False, True]
    assert VerificationBatch.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_batches_prepared_at_once_ask_each_household_once(clerk, group, items, held, settings):
    _postgresql_only()
    # Small chunks on two connections each: the two preparations interleave chunk by chunk.
    settings.VERIFICATION_BATCH_CHUNK = 7
    households = make_households(60, office=group, clerk=clerk, town="龙泉镇")
    households += make_households(20, office=group, clerk=clerk, town="大峪街道")
    everyone = batches.batch_submit(actor=clerk, office=group)
    in_town = batches.batch_submit(actor=clerk, office=group, town="龙泉镇")
    results = _together(
        lambda: batches.batch_prepare(batch_id=everyone.pk),
        lambda: batches.batch_prepare(batch_id=in_town.pk),
    )
    assert not any(isinstance(result, Exception) for result in results), results
    # Between them every household was taken, each exactly once.
    assert sum(results) == len(households) == VerificationRequest.objects.count()
    assert _under_way_per_household() == dict.fromkeys((h.pk for h in households), 1)
    assert _asked_per_household_and_unit() == {1}
    assert DepartmentCheck.objects.count() == 2 * len(households)


@pytest.mark.django_db(transaction=True)
def test_a_single_request_filed_while_a_batch_chunk_is_written_is_refused(
    clerk, group, items, held, monkeypatch
):
    _postgresql_only()
    households = make_households(5, office=group, clerk=clerk)
    batch = batches.batch_submit(actor=clerk, office=group)
    written, release = threading.Event(), threading.Event()
    insert_checks = preparation._insert_checks

    def hold_the_chunk(plan, chunk):
        # The chunk's requests are written, its transaction still open.
        written.set()
        assert release.wait(timeout=20)
        return insert_checks(plan, chunk)

    monkeypatch.setattr(preparation, "_insert_checks", hold_the_chunk)

    def by_hand():
        assert written.wait(timeout=20)
        # The clerk's request waits for the chunk (it holds the household)…
        threading.Timer(0.5, release.set).start()
        with translation.override("en"):
            return services.request_submit(actor=clerk, household=households[0])

    prepared, filed = _together(lambda: batches.batch_prepare(batch_id=batch.pk), by_hand)
    assert prepared == 5
    # …and is refused once the chunk commits, saying why.
    assert isinstance(filed, VerificationError), filed
    assert "already has a verification under way" in filed.message
    assert _under_way_per_household() == dict.fromkeys((h.pk for h in households), 1)
    assert _asked_per_household_and_unit() == {1}


@pytest.mark.django_db(transaction=True)
def test_a_batch_chunk_written_while_a_single_request_is_filed_leaves_its_household(
    clerk, group, items, held, monkeypatch
):
    _postgresql_only()
    households = make_households(5, office=group, clerk=clerk)
    batch = batches.batch_submit(actor=clerk, office=group)
    filed, release = threading.Event(), threading.Event()

    def by_hand():
        with transaction.atomic():
            request = services.request_submit(actor=clerk, household=households[0])
            filed.set()  # written, not committed: the batch's chunk reads the cohort now
            assert release.wait(timeout=20)
        return request

    def prepare():
        assert filed.wait(timeout=20)
        threading.Timer(0.5, release.set).start()
        return batches.batch_prepare(batch_id=batch.pk)

    request, prepared = _together(by_hand, prepare)
    assert isinstance(request, VerificationRequest), request
    # The chunk waited for the clerk's request, then left its household out.
    assert prepared == 4
    assert _under_way_per_household() == dict.fromkeys((h.pk for h in households), 1)
    assert VerificationRequest.objects.get(household=households[0], status=SUBMITTED) == request
    assert _asked_per_household_and_unit() == {1}
