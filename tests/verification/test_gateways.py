"""The gateways of ``verification.permissions`` called directly: each hands its object to
the people it belongs to and raises 404 for everyone else, and each reveal of personal
data in full writes the access log as it hands the data over (and nothing when it
refuses)."""

import pytest
from django.http import Http404

from assistance.models import AccessLog
from tests.verification.factories import register_family
from tests.verification.helpers import submit
from verification import permissions
from verification.models import Household, VerificationBatch

pytestmark = pytest.mark.django_db

PATH = "/somewhere/"


@pytest.fixture
def check(clerk, authorized_household, items, unit, django_capture_on_commit_callbacks):
    request = submit(
        django_capture_on_commit_callbacks, actor=clerk, household=authorized_household
    )
    return request.checks.get(unit=unit)


@pytest.fixture
def batch(clerk, group):
    return VerificationBatch.objects.create(office=group, created_by=clerk)


def test_the_office_gets_each_object_and_everyone_else_404(
    clerk, director, liaison, outsider, household, batch
):
    member = household.members.first()
    for user in (clerk, director):
        assert permissions.get_household_for_user(user, household.pk) == household
        assert permissions.get_member_for_user(user, household.pk, member.pk) == member
        assert permissions.get_batch_for_user(user, batch.pk) == batch
    for user in (liaison, outsider):
        with pytest.raises(Http404):
            permissions.get_household_for_user(user, household.pk)
        with pytest.raises(Http404):
            permissions.get_member_for_user(user, household.pk, member.pk)
        with pytest.raises(Http404):
            permissions.get_batch_for_user(user, batch.pk)
    with pytest.raises(Http404):
        permissions.get_batch_for_user(clerk, batch.pk + 1)


def test_a_member_is_found_through_its_own_household_only(clerk, group, household):
    other = register_family(actor=clerk, office=group)
    member = household.members.first()
    with pytest.raises(Http404):
        permissions.get_member_for_user(clerk, other.pk, member.pk)


def test_the_liaisons_unit(liaison, unit, clerk, outsider):
    assert permissions.get_unit_for_liaison(liaison) == unit
    for user in (clerk, outsider):
        with pytest.raises(Http404):
            permissions.get_unit_for_liaison(user)


def test_only_the_office_replies_to_a_check(check, clerk, liaison, other_liaison):
    assert permissions.get_check_for_user(clerk, check.pk, perm="reply") == check
    for user in (liaison, other_liaison):
        with pytest.raises(Http404):
            permissions.get_check_for_user(user, check.pk, perm="reply")
    # The unit's liaison views and answers it; the office only views it.
    assert permissions.get_check_for_user(liaison, check.pk, perm="answer") == check
    with pytest.raises(Http404):
        permissions.get_check_for_user(clerk, check.pk, perm="answer")


def test_revealing_members_ids_logs_each_and_refuses_outsiders(clerk, liaison, household):
    members = list(household.members.order_by("pk"))
    with pytest.raises(Http404):
        permissions.reveal_member_ids(liaison, members, purpose="registration", path=PATH)
    assert not AccessLog.objects.exists()
    label = permissions.reveal_member_ids(clerk, members, purpose="registration", path=PATH)
    assert label == AccessLog.Purpose.REGISTRATION.label
    assert [log.subject for log in AccessLog.objects.order_by("pk")] == members


def test_a_search_by_id_logs_what_it_finds(clerk, liaison, group, household):
    number = household.members.first().id_number
    households = Household.objects.all()
    with pytest.raises(Http404):
        permissions.search_households_by_id(liaison, households, number, path=PATH)
    assert not AccessLog.objects.exists()
    found = permissions.search_households_by_id(clerk, households, number, path=PATH)
    assert list(found) == [household]
    log = AccessLog.objects.get()
    assert (log.subject, log.action) == (household, AccessLog.Action.SEARCH)
    assert number not in log.object_repr


def test_the_check_page_shows_full_ids_to_the_units_liaisons_only(check, clerk, liaison):
    members = list(check.request.members.order_by("pk"))
    office = permissions.open_check(clerk, check, members, path=PATH)
    assert (office.answers, office.full_ids, office.office) == (False, False, True)
    assert not AccessLog.objects.exists()
    department = permissions.open_check(liaison, check, members, path=PATH)
    assert (department.answers, department.full_ids, department.office) == (True, True, False)
    log = AccessLog.objects.get()
    assert (log.user, log.subject, log.purpose) == (
        liaison,
        check.request.household,
        AccessLog.Purpose.VERIFICATION,
    )


@pytest.mark.parametrize(
    ("export", "action"),
    [
        ("", AccessLog.Action.VIEW),
        ("docx", AccessLog.Action.EXPORT),
        ("xlsx", AccessLog.Action.EXPORT),
    ],
)
def test_a_report_is_read_through_the_log(check, clerk, liaison, export, action):
    with pytest.raises(Http404):
        permissions.read_report(liaison, check.request_id, path=PATH, export=export)
    assert not AccessLog.objects.exists()
    report = permissions.read_report(clerk, check.request_id, path=PATH, export=export)
    assert report.request.pk == check.request_id
    log = AccessLog.objects.get()
    assert (log.subject, log.action, log.path) == (check.request, action, PATH)


def test_a_batchs_changes_are_read_through_the_log(clerk, liaison, batch):
    with pytest.raises(Http404):
        permissions.read_batch_changes(liaison, batch.pk, path=PATH)
    assert not AccessLog.objects.exists()
    found, changes = permissions.read_batch_changes(clerk, batch.pk, path=PATH)
    assert found == batch
    assert len(changes) == 0
    assert AccessLog.objects.get().subject == batch
