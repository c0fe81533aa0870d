"""Intake's services: every state change and its refusal, duplicates, deadlines."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from assistance.workdays import WorkdayCalendar
from intake import receiving, services
from intake.models import Application, ApplicationEvent, ProgramRouting, Referral
from intake.services import IntakeError, Outcome
from tests.factories import LiaisonFactory, MemberUnitFactory, UserFactory
from tests.intake.conftest import BORN, ID_NUMBER, OTHER_ID_NUMBER, application_data, receive, refer
from tests.meetings.factories import meeting_schedule
from tests.verification.factories import (
    VerificationItemFactory,
    authorize_all,
    register_family,
)
from verification import services as verification_services

pytestmark = pytest.mark.django_db

GRANTED = Outcome(Referral.Outcome.GRANTED, amount=Decimal("3000.00"))


def kinds(application):
    return list(application.events.order_by("at", "pk").values_list("kind", flat=True))


@pytest.fixture
def third(group):
    unit = MemberUnitFactory(group=group, name="区住房城乡建设委", code="test-housing")
    user = LiaisonFactory(unit=unit, user=UserFactory(username="housing-liaison")).user
    return unit, user


# --- Receiving --------------------------------------------------------------------------------


def test_receive_numbers_the_application_and_records_it(clerk, group, program):
    first = receive(clerk, group, [program])
    second = receive(clerk, group, [program], applicant_id_number=OTHER_ID_NUMBER)
    year = timezone.localdate().year
    assert first.number == f"SQ{year}000001" and second.number == f"SQ{year}000002"
    assert first.status == Application.Status.RECEIVED and first.received_by == clerk
    assert first.applicant_birth_date == BORN
    assert list(first.programs.all()) == [program]
    assert kinds(first) == ["received"]
    assert first.history.first().history_user == clerk


def test_only_the_office_receives(liaison, auditor, group):
    for user in (liaison, auditor):
        with pytest.raises(IntakeError):
            receive(user, group)
    assert not Application.objects.exists()


def test_an_id_number_is_required_unless_urgent(clerk, group):
    with pytest.raises(IntakeError):
        receive(clerk, group, applicant_id_number="")
    urgent = receive(clerk, group, applicant_id_number="", urgent=True)
    assert urgent.applicant_id_number == "" and urgent.applicant_birth_date is None


def test_a_wrong_id_number_is_refused(clerk, group):
    with pytest.raises(IntakeError):
        receive(clerk, group, applicant_id_number="110105198001010010")
    assert not Application.objects.exists()


def test_refuse_records_the_reason(clerk, group):
    with pytest.raises(IntakeError):
        services.application_refuse(actor=clerk, data=application_data(group), reason=" ")
    refused = services.application_refuse(
        actor=clerk, data=application_data(group), reason="不属于救助范围。"
    )
    assert refused.status == Application.Status.REFUSED
    assert refused.refusal_reason == "不属于救助范围。" and kinds(refused) == ["refused"]
    with pytest.raises(IntakeError):
        services.referrals_share(
            actor=clerk, application=refused, lead=refused.office.units.first(), ask="decision"
        )


# --- Duplicates -------------------------------------------------------------------------------


def test_duplicates_by_normalised_id_number(clerk, group, application):
    found = services.possible_duplicates(id_number=ID_NUMBER.lower().replace("x", "Ｘ"))
    assert found.applications == [application]
    assert not services.possible_duplicates(id_number=OTHER_ID_NUMBER)


def test_duplicates_by_name_and_birth_date_without_a_number(clerk, group, application):
    found = services.possible_duplicates(name="张三", birth_date=BORN)
    assert found.applications == [application]
    assert not services.possible_duplicates(name="张三", birth_date=datetime.date(1990, 1, 1))
    assert not services.possible_duplicates(name="李四", birth_date=BORN)


def test_answered_applications_are_no_duplicates(clerk, group, referred, liaison, other_liaison):
    application, lead, assist = referred
    for user, referral in ((liaison, lead), (other_liaison, assist)):
        services.referral_sign(actor=user, referral=referral)
        services.referral_close(actor=user, referral=referral, result=GRANTED)
    services.application_answer(actor=clerk, application=application, text="已给予临时救助。")
    assert not services.possible_duplicates(id_number=ID_NUMBER)


def test_duplicates_in_the_register(clerk, group):
    household = register_family(actor=clerk, office=group)
    member = household.members.order_by("pk").first()
    assert services.possible_duplicates(id_number=member.id_number).households == [household]
    born = datetime.date(
        int(member.id_number[6:10]), int(member.id_number[10:12]), int(member.id_number[12:14])
    )
    found = services.possible_duplicates(name=member.name, birth_date=born)
    assert found.households == [household]


# --- Referring and deadlines ------------------------------------------------------------------


def test_suggested_units_come_from_the_programmes(application, unit, other_unit):
    assert services.suggested_units(application) == {"lead": [unit], "assisting": [other_unit]}


def test_share_refers_to_the_lead_and_assisting_units(clerk, referred, unit, other_unit):
    application, lead, assist = referred
    application.refresh_from_db()
    assert application.status == Application.Status.REFERRED
    assert (lead.unit, lead.role, lead.status) == (unit, "lead", "pending")
    assert (assist.unit, assist.role) == (other_unit, "assist")
    assert kinds(application)[:3] == ["received", "referred", "referred"]
    with pytest.raises(IntakeError):
        refer(clerk, application, unit)
    third_unit = MemberUnitFactory(group=application.office, code="test-third")
    with pytest.raises(IntakeError):  # more units come by re-routing, not a second share
        refer(clerk, application, third_unit)
    assert application.referrals.count() == 2


def test_only_the_office_refers(liaison, application, unit):
    with pytest.raises(IntakeError):
        refer(liaison, application, unit)
    assert not Referral.objects.exists()


def test_the_lead_is_not_also_assisting(clerk, application, unit):
    referrals = refer(clerk, application, unit, [unit])
    assert [r.role for r in referrals] == ["lead"]


def test_one_active_referral_per_unit_in_the_database(referred, unit):
    application, lead, _ = referred
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(
            application=application, unit=unit, role="assist", ask="service", deadline=lead.deadline
        )


def test_deadline_in_working_days_from_the_routing(referred):
    application, lead, _ = referred
    start = timezone.localdate(lead.created_at)
    due = WorkdayCalendar().add_working_days(start, 5).date
    assert timezone.localtime(lead.deadline).date() == due


def test_deadline_takes_the_longest_programme_and_defaults_to_ten(clerk, group, unit, program):
    plain = receive(clerk, group, [], applicant_id_number=OTHER_ID_NUMBER)
    (referral,) = refer(clerk, plain, unit)
    due = WorkdayCalendar().add_working_days(timezone.localdate(referral.created_at), 10).date
    assert timezone.localtime(referral.deadline).date() == due
    ProgramRouting.objects.filter(program=program).update(deadline_working_days=15)
    assert (
        timezone.localtime(services.referral_deadline(plain, start=referral.created_at)).date()
        == due
    )  # no programme requested: still the default
    plain.programs.add(program)
    longer = WorkdayCalendar().add_working_days(timezone.localdate(referral.created_at), 15).date
    assert timezone.localtime(services.referral_deadline(plain)).date() == longer


def test_urgent_deadline_in_hours_on_the_clock(clerk, group, unit, program):
    urgent = receive(clerk, group, [program], urgent=True)
    (referral,) = refer(clerk, urgent, unit)
    assert referral.deadline - referral.created_at == datetime.timedelta(hours=12)
    bare = receive(clerk, group, [], urgent=True, applicant_id_number="")
    assert services.referral_deadline(bare, start=referral.created_at) - referral.created_at == (
        datetime.timedelta(hours=24)
    )


# --- The unit's work --------------------------------------------------------------------------


def test_sign_by_the_units_liaison_only(referred, liaison, other_liaison, clerk):
    application, lead, _ = referred
    for user in (other_liaison, clerk):
        with pytest.raises(IntakeError):
            services.referral_sign(actor=user, referral=lead)
    services.referral_sign(actor=liaison, referral=lead)
    lead.refresh_from_db()
    application.refresh_from_db()
    assert lead.status == "in_progress" and lead.signed_by == liaison
    assert application.status == Application.Status.IN_PROGRESS
    with pytest.raises(IntakeError):
        services.referral_sign(actor=liaison, referral=lead)


def test_progress_only_after_signing(referred, liaison):
    application, lead, _ = referred
    with pytest.raises(IntakeError):
        services.referral_progress(actor=liaison, referral=lead, text="已入户调查。")
    services.referral_sign(actor=liaison, referral=lead)
    with pytest.raises(IntakeError):
        services.referral_progress(actor=liaison, referral=lead, text="  ")
    event = services.referral_progress(actor=liaison, referral=lead, text="已入户调查。")
    assert event.kind == "progress" and event.actor == liaison and event.referral == lead


def test_return_and_reroute(clerk, referred, liaison, third):
    application, lead, _ = referred
    third_unit, third_liaison = third
    with pytest.raises(IntakeError):
        services.referral_return(actor=liaison, referral=lead, reason="")
    with pytest.raises(IntakeError):  # only a returned referral is re-routed
        services.referral_reroute(actor=clerk, referral=lead, unit=third_unit)
    services.referral_return(actor=liaison, referral=lead, reason="不属于本单位职责。")
    lead.refresh_from_db()
    assert lead.status == "returned" and lead.return_reason == "不属于本单位职责。"
    with pytest.raises(IntakeError):
        services.referral_sign(actor=liaison, referral=lead)
    with pytest.raises(IntakeError):
        services.referral_reroute(actor=liaison, referral=lead, unit=third_unit)
    with pytest.raises(IntakeError):
        services.referral_reroute(actor=clerk, referral=lead, unit=lead.unit)
    new = services.referral_reroute(actor=clerk, referral=lead, unit=third_unit)
    assert (new.unit, new.role, new.status) == (third_unit, "lead", "pending")
    assert new.created_at > lead.created_at and new.deadline >= lead.deadline
    with pytest.raises(IntakeError):
        services.referral_reroute(actor=clerk, referral=lead, unit=third_unit)
    assert kinds(application)[-3:] == ["returned", "rerouted", "referred"]
    # A returned referral no longer counts against its unit: it may be referred again.
    Referral.objects.filter(pk=new.pk).update(status="returned")
    again = services.referral_reroute(actor=clerk, referral=new, unit=lead.unit)
    assert again.unit == lead.unit and again.status == "pending"


def test_help_first_only_urgent_and_lead(
    clerk, group, unit, other_unit, program, liaison, other_liaison, referred
):
    _, lead, _ = referred
    services.referral_sign(actor=liaison, referral=lead)
    with pytest.raises(IntakeError):  # not urgent
        services.referral_help_first(actor=liaison, referral=lead, note="先行发放救助金。")
    urgent = receive(clerk, group, [program], urgent=True, applicant_id_number="")
    urgent_lead, urgent_assist = refer(clerk, urgent, unit, [other_unit])
    with pytest.raises(IntakeError):  # assisting unit
        services.referral_help_first(actor=other_liaison, referral=urgent_assist, note="送餐。")
    with pytest.raises(IntakeError):  # no note
        services.referral_help_first(actor=liaison, referral=urgent_lead, note="")
    services.referral_help_first(actor=liaison, referral=urgent_lead, note="先行发放救助金。")
    urgent_lead.refresh_from_db()
    assert urgent_lead.help_first and urgent_lead.help_first_at
    with pytest.raises(IntakeError):  # once
        services.referral_help_first(actor=liaison, referral=urgent_lead, note="再次。")
    assert "help_first" in kinds(urgent)


def test_close_checks_the_outcome(referred, liaison):
    _, lead, _ = referred
    with pytest.raises(IntakeError):  # not signed for
        services.referral_close(actor=liaison, referral=lead, result=GRANTED)
    services.referral_sign(actor=liaison, referral=lead)
    for bad in (
        Outcome("maybe"),
        Outcome(Referral.Outcome.GRANTED),
        Outcome(Referral.Outcome.GRANTED, amount=Decimal("-1")),
        Outcome(Referral.Outcome.REFUSED),
        Outcome(Referral.Outcome.PASSED_ON),
    ):
        with pytest.raises(IntakeError):
            services.referral_close(actor=liaison, referral=lead, result=bad)
    lead.refresh_from_db()
    assert lead.status == "in_progress" and not lead.outcome


def test_the_last_referral_closes_the_application_then_it_is_answered(
    clerk, referred, liaison, other_liaison
):
    application, lead, assist = referred
    services.referral_sign(actor=liaison, referral=lead)
    services.referral_sign(actor=other_liaison, referral=assist)
    services.referral_close(actor=liaison, referral=lead, result=GRANTED)
    application.refresh_from_db()
    assert application.status == Application.Status.IN_PROGRESS
    with pytest.raises(IntakeError):
        services.application_answer(actor=clerk, application=application, text="已救助。")
    refused = Outcome(Referral.Outcome.REFUSED, reason="不符合条件。")
    services.referral_close(actor=other_liaison, referral=assist, result=refused)
    application.refresh_from_db()
    assert application.status == Application.Status.CLOSED
    assert application.events.filter(kind="closed", referral__isnull=True).count() == 1
    with pytest.raises(IntakeError):
        services.referral_close(actor=other_liaison, referral=assist, result=refused)
    with pytest.raises(IntakeError):
        services.application_answer(actor=liaison, application=application, text="已救助。")
    with pytest.raises(IntakeError):
        services.application_answer(actor=clerk, application=application, text="")
    services.application_answer(actor=clerk, application=application, text="已给予临时救助。")
    application.refresh_from_db()
    assert application.status == Application.Status.ANSWERED
    assert application.answered_by == clerk and application.answered_at
    with pytest.raises(IntakeError):
        services.application_answer(actor=clerk, application=application, text="再次。")
    assert kinds(application)[-1] == ApplicationEvent.Kind.ANSWERED


def test_to_agenda(clerk, convener, group, referred, unit, other_unit, liaison):
    application, _, _ = referred
    meeting = meeting_schedule(
        clerk=clerk, group=group, convener=convener, invited_units=[unit, other_unit]
    )
    with pytest.raises(IntakeError):
        services.application_to_agenda(actor=liaison, application=application, meeting=meeting)
    item = services.application_to_agenda(actor=clerk, application=application, meeting=meeting)
    application.refresh_from_db()
    assert application.agenda_item == item and item.unit == unit and item.meeting == meeting
    assert kinds(application)[-1] == "on_agenda"
    with pytest.raises(IntakeError):
        services.application_to_agenda(actor=clerk, application=application, meeting=meeting)


def test_to_agenda_needs_a_lead_unit(clerk, convener, group, application, unit):
    meeting = meeting_schedule(clerk=clerk, group=group, convener=convener, invited_units=[unit])
    with pytest.raises(IntakeError):
        services.application_to_agenda(actor=clerk, application=application, meeting=meeting)


def test_link_a_verification_request_of_the_household(clerk, group, program, unit, liaison):
    VerificationItemFactory(unit=unit)
    household = register_family(actor=clerk, office=group)
    authorize_all(actor=clerk, household=household)
    request = verification_services.request_submit(actor=clerk, household=household)
    stranger = receive(clerk, group, [program], applicant_id_number=OTHER_ID_NUMBER)
    (other,) = refer(clerk, stranger, unit)
    with pytest.raises(IntakeError):  # not this applicant's household
        services.referral_link_verification(actor=clerk, referral=other, request=request)
    head = household.members.get(relation="applicant")
    application = receive(
        clerk,
        group,
        [program],
        household=household,
        applicant_name=head.name,
        applicant_id_number=head.id_number,
    )
    (referral,) = refer(clerk, application, unit)
    with pytest.raises(IntakeError):
        services.referral_link_verification(actor=liaison, referral=referral, request=request)
    services.referral_link_verification(actor=clerk, referral=referral, request=request)
    referral.refresh_from_db()
    assert referral.verification_request == request


def test_a_number_drawn_twice_at_once_is_drawn_again(clerk, group, application, monkeypatch):
    """Numbers run across offices: when another clerk's commit took the number first, the
    unique constraint refuses it and the next one is drawn."""
    real = receiving._next_number
    drawn = iter([application.number])
    monkeypatch.setattr(receiving, "_next_number", lambda year: next(drawn, None) or real(year))
    second = receive(clerk, group, applicant_id_number=OTHER_ID_NUMBER)
    assert second.number != application.number and second.pk
    assert second.history.count() == 1
