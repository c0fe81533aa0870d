"""The register's services and the liaison-appointment task."""

import pytest
from django.core.exceptions import ValidationError

from assistance.roles import Role
from members.models import Liaison, MemberUnit
from members.services import liaison_appoint, liaison_notify_appointed, unit_set_active
from members.tasks import liaison_notify_appointed as notify_task
from tests.factories import MemberUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_deactivating_a_unit_records_who_did_it(administrator, unit):
    assert unit_set_active(actor=administrator, unit=unit, active=False) is True
    unit.refresh_from_db()
    assert unit.active is False
    record = unit.history.first()
    assert record.history_user == administrator
    assert record.active is False


def test_deactivating_twice_changes_nothing(administrator, unit):
    unit_set_active(actor=administrator, unit=unit, active=False)
    versions = unit.history.count()
    assert unit_set_active(actor=administrator, unit=unit, active=False) is False
    assert unit.history.count() == versions


def test_appointing_a_liaison_gives_the_role_and_tells_them_once(
    administrator, unit, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(username="wang", email="wang@example.invalid")
    with django_capture_on_commit_callbacks(execute=True):
        liaison = liaison_appoint(actor=administrator, user=person, unit=unit, title="科员")
    assert person.groups.filter(name=Role.UNIT_LIAISON).exists()
    assert liaison.history.first().history_user == administrator
    assert len(mailoutbox) == 1
    assert unit.name in mailoutbox[0].subject
    liaison.refresh_from_db()
    assert liaison.notified_at is not None
    # A redelivered task finds the appointment already told and sends nothing more.
    notify_task.apply(args=[liaison.pk])
    assert len(mailoutbox) == 1
    assert liaison_notify_appointed(liaison_id=liaison.pk) is False


def test_reappointing_to_another_unit_moves_the_liaison(administrator, liaison, other_unit):
    moved = liaison_appoint(actor=administrator, user=liaison, unit=other_unit)
    assert Liaison.objects.filter(user=liaison).count() == 1
    assert moved.unit == other_unit
    assert moved.notified_at is None


def test_unit_code_must_suit_a_queue_name(group):
    unit = MemberUnit(group=group, name="区某局", code="区某局 bad", kind="government")
    with pytest.raises(ValidationError) as excinfo:
        unit.full_clean()
    assert "code" in excinfo.value.message_dict


def test_unit_names_are_unique_within_a_group(group, unit):
    twin = MemberUnit(group=group, name=unit.name, code="twin", kind="government")
    with pytest.raises(ValidationError):
        twin.full_clean()
    MemberUnitFactory(name=unit.name, code="elsewhere")  # another group may reuse the name
