"""Batch re-verification in a real browser: the clerk picks a cohort and sees the live
count, submits the batch, and watches its progress page update itself (htmx) while the
departments' work is done: first the requests being prepared, then each department's
counts, the police answered from its registry snapshot; the clerk cancels the batch and
the tax office's checks still waiting are withdrawn.

The test plays the workers' part: the batch's tasks are held (not sent) and the test runs
the same functions a worker runs, one step at a time, so the page can be seen to follow
each step without being reloaded. Wording is read from the catalogue in force."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from members.models import LeadingGroup, MemberUnit
from office.celery import app
from tests.factories import LiaisonFactory, UserFactory
from tests.verification.factories import (
    VerificationItemFactory,
    authorize_all,
    register_family,
)
from tests.verification.helpers import broker_down
from verification import batches, services
from verification.batches import preparation
from verification.batches.heartbeat import task_sent
from verification.connectors import snapshot_import
from verification.models import BatchTask, DepartmentCheck, UnitConnector, VerificationBatch
from verification.services import FindingData

from .helpers import follow, label, sign_in

pytestmark = pytest.mark.browser

TOWN = "弋阳街道"
OTHER_TOWN = "春申街道"


@pytest.fixture
def cohort(register):
    """Four households in the town (one without authorisations) and one elsewhere; the
    police answer from a snapshot holding a record for one person, the tax office by
    hand."""
    clerk, police = register["clerk"], register["police"]
    group = LeadingGroup.objects.get()
    taxation = MemberUnit.objects.get(code="hc-taxation")
    VerificationItemFactory(unit=police, code="hc-vehicles", name="机动车")
    VerificationItemFactory(unit=taxation, code="hc-tax", name="纳税")
    families = [register_family(actor=clerk, office=group, town=TOWN) for _ in range(4)]
    for family in families[:3]:
        authorize_all(actor=clerk, household=family)
    authorize_all(
        actor=clerk, household=register_family(actor=clerk, office=group, town=OTHER_TOWN)
    )
    UnitConnector.objects.create(unit=police, kind=UnitConnector.Kind.SNAPSHOT)
    owner = families[0].members.order_by("pk").first()
    snapshot_import(
        actor=register["liaison"],
        unit=police,
        upload=SimpleUploadedFile(
            "extract.csv", f"身份证号码,核对事项,详情\n{owner.id_number},机动车,小型轿车\n".encode()
        ),
        taken_on=timezone.localdate(),
    )
    return {"group": group, "police": police, "taxation": taxation, **register}


@pytest.fixture
def held(monkeypatch):
    """The batch's messages are kept here instead of going to the broker: the test then
    does each step a worker would, when it chooses."""
    sent = []

    def send_prepare(batch_id):
        sent.append(("prepare",))
        task_sent(batch_id, None)  # as the broker would have taken it
        return True

    def send_process_unit(batch_id, unit_id, queue):
        sent.append(("process", batch_id, unit_id))
        task_sent(batch_id, unit_id)
        return True

    monkeypatch.setattr(preparation, "_send_prepare", send_prepare)
    monkeypatch.setattr(preparation, "_send_process_unit", send_process_unit)
    return sent


def _row(page, unit):
    return page.get_by_test_id("department-row").filter(has_text=unit.name)


def _cells(row):
    """A department row's counts: checks, queued, in the inbox, answered, cancelled."""
    return row.locator("td.text-end")


def test_the_clerk_follows_a_batch_live_and_cancels_it(page, lang, cohort, held):
    police, taxation = cohort["police"], cohort["taxation"]
    sign_in(page, "clerk", lang)
    page.goto("/verification/batches/new/")
    # Every town at first: the five households, the one without authorisations skipped.
    expect(page.get_by_test_id("matching")).to_contain_text("5")
    page.locator("select[name=town]").select_option(TOWN)
    # The count follows the choice without a reload: 4 households, 1 of them skipped.
    expect(page.get_by_test_id("matching")).to_contain_text("4")
    expect(page.get_by_test_id("skipped")).to_contain_text("1")
    with page.expect_navigation():
        page.get_by_test_id("submit-batch").click()

    batch = VerificationBatch.objects.get()
    assert page.url.endswith(batch.get_absolute_url())
    assert held == [("prepare",)]
    expect(page.get_by_test_id("batch-status")).to_have_text(label(lang, "Being prepared"))
    expect(page.get_by_test_id("preparing")).to_be_visible()

    # A worker prepares the batch: the page shows each department's queued checks.
    batches.batch_prepare(batch_id=batch.pk)
    expect(page.get_by_test_id("preparing")).to_have_count(0)
    expect(page.get_by_test_id("batch-status")).to_have_text(
        label(lang, "Being sent to the departments")
    )
    expect(page.get_by_test_id("household-count")).to_have_text("3")
    expect(page.get_by_test_id("skipped-count")).to_have_text("1")
    for unit in (police, taxation):
        expect(_cells(_row(page, unit))).to_have_text(["3", "3", "0", "0", "0"])

    # The police's worker answers from the snapshot: the police's row follows.
    batches.batch_process_unit(batch_id=batch.pk, unit_id=police.pk)
    expect(_cells(_row(page, police))).to_have_text(["3", "0", "0", "3", "0"])
    expect(_cells(_row(page, taxation))).to_have_text(["3", "3", "0", "0", "0"])
    expect(page.get_by_test_id("overall")).to_contain_text("50")  # 3 of 6 answered

    # The clerk cancels: the tax office's checks still queued are withdrawn.
    follow(page, "[data-testid=cancel-batch]")
    with page.expect_navigation():
        page.get_by_test_id("confirm-cancel").click()
    expect(page.get_by_test_id("batch-status")).to_have_text(
        label(lang, VerificationBatch.Status.CANCELLED.label)
    )
    expect(page.get_by_test_id("cancel-batch")).to_have_count(0)
    expect(_cells(_row(page, taxation))).to_have_text(["3", "0", "0", "0", "3"])
    expect(_cells(_row(page, police))).to_have_text(["3", "0", "0", "3", "0"])
    assert set(DepartmentCheck.objects.filter(unit=taxation).values_list("status", flat=True)) == {
        DepartmentCheck.Status.CANCELLED
    }
    # A worker that comes late finds nothing left to do.
    assert batches.batch_process_unit(batch_id=batch.pk, unit_id=taxation.pk) == 0


def test_a_batch_sent_to_every_department_is_not_shown_complete(page, lang, cohort, held):
    """Issue 12, item 3: once every department has its checks the batch says so, not
    that it is complete, while a liaison still has checks to answer; it says complete
    when every household's verification is, in the list and on its page."""
    police, taxation, clerk = cohort["police"], cohort["taxation"], cohort["clerk"]
    batch = batches.batch_submit(actor=clerk, office=cohort["group"], town=TOWN)
    batches.batch_prepare(batch_id=batch.pk)
    for unit in (police, taxation):
        batches.batch_process_unit(batch_id=batch.pk, unit_id=unit.pk)
    batch.refresh_from_db()
    assert batch.status == VerificationBatch.Status.COMPLETED  # every department has its share

    sign_in(page, "clerk", lang)
    page.goto("/verification/batches/")
    row = page.get_by_test_id("batch-row").filter(has_text=f"#{batch.pk}")
    sent = label(lang, "Sent to every department")
    expect(row.get_by_test_id("batch-status")).to_have_text(sent)
    expect(row.get_by_test_id("completed")).to_have_text("0/3")
    follow(page, f"[data-testid=batch-row] a[href='{batch.get_absolute_url()}']")
    expect(page.get_by_test_id("batch-status")).to_have_text(sent)
    expect(page.get_by_test_id("inbox-note")).to_be_visible()
    # The police answered from the snapshot; the tax office's three wait in the inbox.
    expect(_cells(_row(page, taxation))).to_have_text(["3", "0", "3", "0", "0"])

    # The tax office's liaison answers them: every household's verification completes.
    tax_liaison = LiaisonFactory(unit=taxation, user=UserFactory(username="tax-liaison")).user
    for check in DepartmentCheck.objects.filter(unit=taxation).select_related("request"):
        findings = [
            FindingData(member.pk, item.pk, "no_record")
            for member in check.request.members.all()
            for item in check.items.all()
        ]
        services.check_answer(actor=tax_liaison, check=check, findings=findings)
    page.reload()
    complete = label(lang, "Verification complete")
    expect(page.get_by_test_id("batch-status")).to_have_text(complete)
    expect(page.get_by_test_id("complete-note")).to_be_visible()
    page.goto("/verification/batches/")
    expect(row.get_by_test_id("batch-status")).to_have_text(complete)
    expect(row.get_by_test_id("completed")).to_have_text("3/3")


def test_a_batch_submitted_with_the_broker_down_says_so_and_goes_out_later(page, lang, cohort):
    """Issue 12, item 7, for a batch: the queue cannot be reached when the clerk submits.
    The clerk is told the batch is saved and will be sent, not that the departments are
    being asked; the page says the work waits to be sent, and follows it, without a
    reload, once the stall sweep has sent it."""
    sign_in(page, "clerk", lang)
    page.goto("/verification/batches/new/")
    page.locator("select[name=town]").select_option(TOWN)
    expect(page.get_by_test_id("matching")).to_contain_text("4")
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        with broker_down(), page.expect_navigation():
            page.get_by_test_id("submit-batch").click()
    finally:
        app.conf.task_always_eager = eager
    saved = label(
        lang,
        "Batch saved. The queue cannot be reached right now: the batch will be "
        "prepared and sent to the departments as soon as it can be.",
    )
    expect(page.locator("main .alert-warning[role=alert]")).to_have_text(saved)
    expect(page.get_by_test_id("waiting-to-be-sent")).to_be_visible()
    expect(page.get_by_test_id("batch-status")).to_have_text(label(lang, "Being prepared"))
    batch = VerificationBatch.objects.get()
    assert batch.household_count == 0

    # The queue is back: the next stall sweep sends the batch (its workers run in process
    # here); the page, polling, shows every department with its checks.
    BatchTask.objects.update(created_at=timezone.now() - timedelta(minutes=1))
    assert batches.batch_resend_stalled(cutoff=timezone.now() - timedelta(minutes=5)) == 1
    expect(page.get_by_test_id("waiting-to-be-sent")).to_have_count(0)
    expect(page.get_by_test_id("batch-status")).to_have_text(
        label(lang, "Sent to every department")
    )
    expect(page.get_by_test_id("household-count")).to_have_text("3")
