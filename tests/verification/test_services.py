"""Household verification driven through its services, as the clerk and the liaisons
use it: register a household, record authorisations, file a request, deliver each check
to its department, answer, correct, return and reply, cancel, and sweep overdue checks.

Outside tests marked ``broker``, Celery tasks run in process, so a check sent after commit
is delivered at once (``django_capture_on_commit_callbacks(execute=True)``)."""

import datetime
from decimal import Decimal

import pytest
from celery.app.task import Task
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404
from django.utils import translation

from assistance.models import Notification
from tests.factories import LeadingGroupFactory, MemberUnitFactory
from tests.verification.factories import (
    AuthorizationFactory,
    VerificationItemFactory,
    authorize_all,
    make_id_number,
    scan_file,
)
from verification import register, services, sweeps
from verification.models import (
    Authorization,
    DepartmentCheck,
    Finding,
    Household,
    HouseholdMember,
    VerificationRequest,
)
from verification.permissions import checks_for_liaison, get_check_for_user
from verification.register import MemberData
from verification.services import FindingData
from verification.tasks import check_deliver_task

pytestmark = pytest.mark.django_db

D = datetime.date
Status = DepartmentCheck.Status


def submit(clerk, household, django_capture_on_commit_callbacks, **kwargs):
    """File a request and let the transaction commit (the checks go out and, with tasks
    in process, are delivered)."""
    with django_capture_on_commit_callbacks(execute=True):
        return services.request_submit(actor=clerk, household=household, **kwargs)


def findings_for(check, *, result=Finding.Result.NO_RECORD, details="", amount=None):
    check.refresh_from_db()
    return [
        FindingData(member.pk, item.pk, result, details, amount)
        for member in check.request.household.members.order_by("pk")
        for item in check.items.order_by("pk")
    ]


def answer(liaison, check, **kwargs):
    return services.check_answer(actor=liaison, check=check, findings=findings_for(check, **kwargs))


@pytest.fixture
def sent_tasks(monkeypatch):
    """Every task sent, as (task name, args, queue); the tasks still run."""
    sent = []
    original = Task.apply_async

    def spy(self, args=None, kwargs=None, **options):
        sent.append((self.name, tuple(args or ()), options.get("queue")))
        return original(self, args, kwargs, **options)

    monkeypatch.setattr(Task, "apply_async", spy)
    return sent


# --- Households and members -----------------------------------------------------------------


def test_a_clerk_registers_a_household_with_its_members(clerk, group):
    household = register.household_register(
        actor=clerk,
        office=group,
        address="幸福路1号",
        town="大峪街道",
        assistance_type="dibao",
        members=[
            MemberData("王建国", "applicant", "11010519491231002x"),
            MemberData("李秀英", "spouse", make_id_number(D(1952, 3, 8))),
        ],
    )
    members = list(household.members.order_by("pk"))
    assert [m.name for m in members] == ["王建国", "李秀英"]
    # The lower-case x a clerk typed is stored upper-case, and lists show it masked.
    assert members[0].id_number == "11010519491231002X"
    assert members[0].masked_id == "110105********002X"
    assert household.created_by == clerk
    assert household.history.get().history_user == clerk
    assert members[0].history.get().history_user == clerk


def test_the_same_id_number_twice_in_a_household_is_refused_and_nothing_is_kept(clerk, group):
    number = make_id_number(D(1980, 5, 1))
    # Constraint messages are rendered when raised: raise them in English.
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        register.household_register(
            actor=clerk,
            office=group,
            address="幸福路2号",
            town="大峪街道",
            assistance_type="dibao",
            members=[
                MemberData("张三", "applicant", number),
                MemberData("张三", "sibling", number.lower()),
            ],
        )
    with translation.override("en"):
        assert caught.value.message_dict[NON_FIELD_ERRORS] == [
            "This ID number is already a member of the household."
        ]
    # The household went with its members: a registration is all or nothing.
    assert not Household.objects.exists()
    assert not HouseholdMember.objects.exists()


def test_adding_a_member_already_in_the_household_is_refused(clerk, household):
    existing = household.members.first()
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        register.member_add(
            actor=clerk,
            household=household,
            data=MemberData("重复", "other", existing.id_number),
        )
    with translation.override("en"):
        assert "This ID number is already a member of the household." in caught.value.messages
    assert household.members.count() == 3


def test_an_invalid_id_number_is_refused_on_its_field(clerk, household):
    with pytest.raises(ValidationError) as caught:
        register.member_add(
            actor=clerk,
            household=household,
            data=MemberData("错号", "other", "110105194912310021"),
        )
    assert [e.code for e in caught.value.error_dict["id_number"]] == ["id_checksum"]
    assert household.members.count() == 3


def test_the_same_person_may_belong_to_two_households(clerk, group, household):
    # E.g. a child of divorced parents, registered with each.
    number = household.members.order_by("pk").last().id_number
    other = register.household_register(
        actor=clerk,
        office=group,
        address="光明路9号",
        town="城子街道",
        assistance_type="temporary",
        members=[MemberData("王小明", "child", number)],
    )
    assert HouseholdMember.objects.filter(id_number=number).count() == 2
    assert other.members.get().id_number == number


# --- Authorisations -------------------------------------------------------------------------


def _record(clerk, member, *, signer="self", guardian_name="", signed_on=None, valid_until=None):
    signed_on = signed_on or D.today()
    return register.authorization_record(
        actor=clerk,
        member=member,
        signed_on=signed_on,
        valid_until=valid_until or signed_on + datetime.timedelta(days=365),
        signer=signer,
        guardian_name=guardian_name,
        scan=scan_file(),
    )


def test_a_minor_needs_a_guardian_to_sign(clerk, household):
    child = household.members.get(relation="child")
    assert child.needs_guardian
    with pytest.raises(ValidationError) as caught:
        _record(clerk, child, signer="self")
    assert "signer" in caught.value.message_dict
    assert not child.authorizations.exists()
    authorization = _record(clerk, child, signer="guardian", guardian_name="王建国")
    assert authorization.guardian_name == "王建国"
    assert authorization.recorded_by == clerk
    # The scan is kept under a generated name, never the uploaded one.
    assert "authorization" not in authorization.scan.name.rsplit("/", 1)[-1]


def test_an_adult_without_capacity_needs_a_guardian_and_the_guardian_is_named(clerk, household):
    member = register.member_add(
        actor=clerk,
        household=household,
        data=MemberData("王老三", "sibling", make_id_number(D(1970, 1, 1)), has_capacity=False),
    )
    with pytest.raises(ValidationError):
        _record(clerk, member, signer="self")
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        _record(clerk, member, signer="guardian", guardian_name="")
    with translation.override("en"):
        assert "Name the guardian who signed." in caught.value.messages
    assert _record(clerk, member, signer="guardian", guardian_name="王建国").pk


def test_an_adult_signs_for_themself_and_a_guardian_name_is_not_kept(clerk, household):
    applicant = household.members.get(relation="applicant")
    authorization = _record(clerk, applicant, signer="self", guardian_name="某人")
    assert authorization.guardian_name == ""


def test_an_authorisation_cannot_expire_before_it_is_signed(clerk, household):
    applicant = household.members.get(relation="applicant")
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        _record(clerk, applicant, signed_on=D(2026, 3, 1), valid_until=D(2026, 2, 28))
    with translation.override("en"):
        assert "An authorisation cannot expire before it is signed." in caught.value.messages
    assert not Authorization.objects.exists()


# --- Filing a request -----------------------------------------------------------------------


def test_a_request_is_refused_naming_exactly_the_members_without_authorisation(
    clerk, household, items, today, django_capture_on_commit_callbacks
):
    today(D(2026, 3, 2))
    applicant, spouse, child = household.members.order_by("pk")
    _record(clerk, applicant, signed_on=D(2026, 1, 5))
    # The spouse's authorisation ran out yesterday; the child has none.
    _record(clerk, spouse, signed_on=D(2025, 3, 1), valid_until=D(2026, 3, 1))
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(services.AuthorizationMissing) as caught,
    ):
        services.request_submit(actor=clerk, household=household)
    assert caught.value.members == [spouse, child]
    assert "李秀英" in caught.value.message and "王小明" in caught.value.message
    assert "王建国" not in caught.value.message
    assert callbacks == []
    assert not VerificationRequest.objects.exists()
    assert not DepartmentCheck.objects.exists()


def test_an_authorisation_signed_after_today_does_not_cover_today(clerk, household, items, today):
    # Recorded on the day it was signed; the request is then judged on the day before.
    today(D(2026, 3, 3))
    authorize_all(actor=clerk, household=household, signed_on=D(2026, 3, 3))
    today(D(2026, 3, 2))
    with pytest.raises(services.AuthorizationMissing) as caught:
        services.request_submit(actor=clerk, household=household)
    assert len(caught.value.members) == 3


def test_a_household_without_members_cannot_be_verified(clerk, group, items):
    household = register.household_register(
        actor=clerk, office=group, address="空户", town="大峪街道", assistance_type="dibao"
    )
    with pytest.raises(services.VerificationError):
        services.request_submit(actor=clerk, household=household)
    assert not VerificationRequest.objects.exists()


def test_a_request_of_an_unknown_assistance_type_is_refused_and_nothing_is_kept(
    clerk, items, authorized_household
):
    # The submission validates the request's own fields (not its household and clerk,
    # which it has just locked and been given, nor the one-under-way rule it checked).
    with pytest.raises(ValidationError) as refused:
        services.request_submit(
            actor=clerk, household=authorized_household, assistance_type="no-such-type"
        )
    assert "assistance_type" in refused.value.message_dict
    assert not VerificationRequest.objects.exists()
    assert not DepartmentCheck.objects.exists()


def test_by_default_every_active_unit_of_the_office_with_an_active_item_gets_a_check(
    clerk, group, unit, other_unit, items, authorized_household, django_capture_on_commit_callbacks
):
    inactive = MemberUnitFactory(group=group, code="test-closed", active=False)
    VerificationItemFactory(unit=inactive)
    retired = MemberUnitFactory(group=group, code="test-retired-items")
    VerificationItemFactory(unit=retired, active=False)
    MemberUnitFactory(group=group, code="test-no-items")
    VerificationItemFactory(unit=unit, active=False, code="test-old-item")
    elsewhere = MemberUnitFactory(group=LeadingGroupFactory(), code="other-office-police")
    VerificationItemFactory(unit=elsewhere)

    request = submit(clerk, authorized_household, django_capture_on_commit_callbacks)

    checks = {c.unit: c for c in request.checks.all()}
    assert set(checks) == {unit, other_unit}
    assert set(checks[unit].items.all()) == {items["registration"], items["vehicles"]}
    assert set(checks[other_unit].items.all()) == {items["tax"]}
    assert request.requested_by == clerk
    assert request.assistance_type == authorized_household.assistance_type
    assert request.status == VerificationRequest.Status.SUBMITTED


def test_the_clerk_can_narrow_the_departments(
    clerk, group, unit, other_unit, items, authorized_household, django_capture_on_commit_callbacks
):
    request = submit(
        clerk, authorized_household, django_capture_on_commit_callbacks, units=[other_unit]
    )
    assert [c.unit for c in request.checks.all()] == [other_unit]
    # A unit that checks nothing gives nothing to verify.
    idle = MemberUnitFactory(group=group, code="test-idle")
    with pytest.raises(services.VerificationError):
        services.request_submit(actor=clerk, household=authorized_household, units=[idle])
    assert VerificationRequest.objects.count() == 1


def test_deadlines_count_each_units_working_days(
    clerk, unit, other_unit, items, household, today, django_capture_on_commit_callbacks
):
    # Friday 13 February 2026, the eve of the Spring Festival (15th-23rd), with make-up
    # Saturday 14th.
    today(D(2026, 2, 13))
    authorize_all(actor=clerk, household=household)
    unit.answer_days = 3
    unit.save()
    request = submit(clerk, household, django_capture_on_commit_callbacks)
    deadlines = {c.unit: (c.deadline, c.deadline_provisional) for c in request.checks.all()}
    # 3 days: Sat 14th, Tue 24th, Wed 25th. 5 days (the default): ... Thu 26th, Fri 27th.
    assert deadlines == {unit: (D(2026, 2, 25), False), other_unit: (D(2026, 2, 27), False)}


def test_a_deadline_in_a_year_not_yet_known_is_provisional(
    clerk, unit, items, household, today, django_capture_on_commit_callbacks
):
    today(D(2026, 12, 28))
    authorize_all(actor=clerk, household=household)
    request = submit(clerk, household, django_capture_on_commit_callbacks, units=[unit])
    check = request.checks.get()
    assert (check.deadline, check.deadline_provisional) == (D(2027, 1, 4), True)


def test_checks_go_to_their_departments_queues_only_after_commit(
    clerk,
    unit,
    other_unit,
    items,
    authorized_household,
    sent_tasks,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        request = services.request_submit(actor=clerk, household=authorized_household)
        # Nothing is sent while the transaction may still roll back.
        assert sent_tasks == []
    assert set(request.checks.values_list("status", flat=True)) == {Status.QUEUED}
    for callback in callbacks:
        callback()
    checks = {c.pk: c for c in request.checks.select_related("unit")}
    assert sorted(sent_tasks) == sorted(
        ("verification.tasks.check_deliver_task", (pk,), check.unit.queue_name)
        for pk, check in checks.items()
    )
    assert {queue for _, _, queue in sent_tasks} == {"verify.test-police", "verify.test-tax"}


# --- Delivery -------------------------------------------------------------------------------


def test_delivered_checks_reach_their_own_units_liaisons_without_full_id_numbers(
    clerk,
    liaison,
    other_liaison,
    unit,
    other_unit,
    items,
    authorized_household,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    request = submit(clerk, authorized_household, django_capture_on_commit_callbacks)

    police = request.checks.get(unit=unit)
    tax = request.checks.get(unit=other_unit)
    for check in (police, tax):
        assert check.status == Status.DELIVERED
        assert check.delivered_at is not None
    assert [n.url for n in Notification.objects.filter(user=liaison)] == [police.get_absolute_url()]
    assert [n.url for n in Notification.objects.filter(user=other_liaison)] == [
        tax.get_absolute_url()
    ]
    assert sorted(m.to for m in mailoutbox) == [[liaison.email], [other_liaison.email]]
    texts = [m.subject + m.body for m in mailoutbox]
    texts += list(Notification.objects.values_list("message", flat=True))
    for member in authorized_household.members.all():
        for text in texts:
            assert member.id_number not in text
            assert member.id_number[6:14] not in text  # not even the birth date
    assert all(police.get_absolute_url() in m.body for m in mailoutbox if m.to == [liaison.email])


def test_delivering_a_check_twice_changes_nothing_the_second_time(
    clerk,
    liaison,
    unit,
    items,
    authorized_household,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    # Filed, but the transaction's callbacks (the sending) not run: the check is queued.
    with django_capture_on_commit_callbacks():
        request = services.request_submit(actor=clerk, household=authorized_household)
    check = request.checks.get(unit=unit)
    assert check.status == Status.QUEUED

    with django_capture_on_commit_callbacks(execute=True):
        first = check_deliver_task.apply(args=[check.pk]).get()
    check.refresh_from_db()
    delivered_at = check.delivered_at
    with django_capture_on_commit_callbacks(execute=True):
        second = check_deliver_task.apply(args=[check.pk]).get()
    check.refresh_from_db()

    assert (first, second) == (True, False)
    assert check.status == Status.DELIVERED
    assert check.delivered_at == delivered_at
    assert Notification.objects.filter(user=liaison).count() == 1
    assert len(mailoutbox) == 1
    assert check.history.filter(status=Status.DELIVERED).count() == 1


def test_a_check_that_is_gone_or_cancelled_is_not_delivered(
    clerk, liaison, unit, items, authorized_household, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        request = services.request_submit(actor=clerk, household=authorized_household)
    services.request_cancel(actor=clerk, request=request)
    check = request.checks.get(unit=unit)
    assert services.check_deliver(check_id=check.pk) is False
    assert services.check_deliver(check_id=check.pk + 1000) is False
    check.refresh_from_db()
    assert check.status == Status.CANCELLED
    assert not Notification.objects.filter(user=liaison).exists()


# --- Answering ------------------------------------------------------------------------------


@pytest.fixture
def filed(
    clerk, liaison, other_liaison, items, authorized_household, django_capture_on_commit_callbacks
):
    """A delivered request with a check for the police (``unit``) and one for tax."""
    return submit(clerk, authorized_household, django_capture_on_commit_callbacks)


def test_an_answer_covers_every_member_and_item_once(liaison, unit, filed, items):
    check = filed.checks.get(unit=unit)
    complete = findings_for(check)
    assert len(complete) == 3 * 2

    wrong = {
        "one missing": complete[:-1],
        "one twice": [*complete, complete[0]],
        "another unit's item": [
            *complete[:-1],
            FindingData(complete[-1].member_id, items["tax"].pk, "no_record"),
        ],
        "a member of another household": [
            *complete[:-1],
            FindingData(AuthorizationFactory().member_id, complete[-1].item_id, "no_record"),
        ],
    }
    for case, findings in wrong.items():
        with pytest.raises(services.VerificationError), translation.override("en"):
            services.check_answer(actor=liaison, check=check, findings=findings)
        check.refresh_from_db()
        assert check.status == Status.DELIVERED, case
        assert not check.findings.exists(), case


def test_a_record_found_must_be_described(liaison, unit, filed):
    check = filed.checks.get(unit=unit)
    findings = findings_for(check)
    findings[1] = FindingData(findings[1].member_id, findings[1].item_id, "record_found", "  ")
    with pytest.raises(services.VerificationError) as caught, translation.override("en"):
        services.check_answer(actor=liaison, check=check, findings=findings)
    assert caught.value.message == "Describe every record found."
    findings[2] = FindingData(findings[2].member_id, findings[2].item_id, "maybe")
    with pytest.raises(services.VerificationError):
        services.check_answer(actor=liaison, check=check, findings=findings)
    check.refresh_from_db()
    assert check.status == Status.DELIVERED
    assert not Finding.objects.exists()


def test_a_liaison_answers_and_the_answer_is_kept_with_who_and_when(
    liaison, other_liaison, unit, other_unit, filed, items
):
    tax = filed.checks.get(unit=other_unit)
    findings = findings_for(tax)
    findings[0] = FindingData(
        findings[0].member_id,
        items["tax"].pk,
        "record_found",
        " 2025年个人所得税 ",
        Decimal("1234.50"),
    )
    services.check_answer(actor=other_liaison, check=tax, findings=findings)

    tax.refresh_from_db()
    assert tax.status == Status.ANSWERED
    assert tax.answered_by == other_liaison
    assert tax.answered_at is not None
    assert tax.history.first().history_user == other_liaison
    found = tax.findings.get(result="record_found")
    assert (found.details, found.amount) == ("2025年个人所得税", Decimal("1234.50"))
    assert found.is_highlighted
    assert tax.findings.count() == 3
    assert found.history.get().history_user == other_liaison
    # The police have not answered: the request is still under way.
    filed.refresh_from_db()
    assert filed.status == VerificationRequest.Status.SUBMITTED
    assert filed.completed_at is None


def test_a_check_is_answered_once(liaison, unit, filed):
    check = filed.checks.get(unit=unit)
    answer(liaison, check)
    answered_at = DepartmentCheck.objects.get(pk=check.pk).answered_at
    with pytest.raises(services.WrongState):
        answer(liaison, check, result="record_found", details="变更")
    check.refresh_from_db()
    assert check.answered_at == answered_at
    assert set(check.findings.values_list("result", flat=True)) == {"no_record"}
    assert check.findings.count() == 6


def test_the_request_completes_exactly_when_the_last_check_is_answered(
    clerk, liaison, other_liaison, unit, other_unit, filed
):
    answer(liaison, filed.checks.get(unit=unit))
    filed.refresh_from_db()
    assert filed.status == VerificationRequest.Status.SUBMITTED
    assert not Notification.objects.filter(user=clerk).exists()

    with translation.override("en"):
        answer(other_liaison, filed.checks.get(unit=other_unit))
    filed.refresh_from_db()
    assert filed.status == VerificationRequest.Status.COMPLETED
    assert filed.completed_at is not None
    notice = Notification.objects.get(user=clerk)
    assert notice.message == f"Every department has answered verification request {filed.pk}."
    assert notice.url == filed.get_absolute_url()
    assert filed.history.filter(status="completed").count() == 1


def test_a_correction_keeps_the_earlier_answer_and_the_reason(liaison, unit, filed):
    check = filed.checks.get(unit=unit)
    answer(liaison, check)
    findings = findings_for(check)
    target = findings[3]
    findings[3] = FindingData(target.member_id, target.item_id, "record_found", "小型汽车一辆")

    with pytest.raises(services.VerificationError):
        services.check_correct(actor=liaison, check=check, findings=findings, reason="  ")
    with pytest.raises(services.VerificationError):
        services.check_correct(
            actor=liaison, check=check, findings=findings[:-1], reason="补录车辆"
        )
    services.check_correct(actor=liaison, check=check, findings=findings, reason="补录车辆")

    finding = check.findings.get(member_id=target.member_id, item_id=target.item_id)
    assert (finding.result, finding.details) == ("record_found", "小型汽车一辆")
    history = list(finding.history.order_by("history_date", "history_id"))
    assert [h.result for h in history] == ["no_record", "record_found"]
    assert history[-1].history_change_reason == "补录车辆"
    assert history[-1].history_user == liaison
    # Only the finding that changed has a new history row.
    assert Finding.history.filter(department_check_id=check.pk).count() == 6 + 1


def test_only_an_answered_check_can_be_corrected(liaison, unit, filed):
    check = filed.checks.get(unit=unit)
    with pytest.raises(services.WrongState):
        services.check_correct(
            actor=liaison, check=check, findings=findings_for(check), reason="更正"
        )


# --- Questions, replies, illegal moves ------------------------------------------------------


def test_a_liaison_returns_a_check_with_a_question_and_the_clerk_replies(
    clerk, liaison, unit, filed, mailoutbox, django_capture_on_commit_callbacks
):
    check = filed.checks.get(unit=unit)
    mailoutbox.clear()
    with pytest.raises(services.VerificationError):
        services.check_return(actor=liaison, check=check, question=" ")
    # The clerk is told once the answer is committed.
    with django_capture_on_commit_callbacks(execute=True):
        services.check_return(actor=liaison, check=check, question="王小明的身份证号是否有误？")
    check.refresh_from_db()
    assert (check.status, check.question) == (Status.RETURNED, "王小明的身份证号是否有误？")
    assert Notification.objects.filter(user=clerk, url=filed.get_absolute_url()).count() == 1
    assert [m.to for m in mailoutbox] == [[clerk.email]]

    # A returned check waits for the office: it cannot be answered meanwhile.
    with pytest.raises(services.WrongState):
        answer(liaison, check)

    with pytest.raises(services.VerificationError):
        services.check_reply(actor=clerk, check=check, reply="")
    with django_capture_on_commit_callbacks(execute=True):
        services.check_reply(actor=clerk, check=check, reply="号码无误，请按此核对。")
    check.refresh_from_db()
    assert (check.status, check.reply) == (Status.DELIVERED, "号码无误，请按此核对。")
    assert Notification.objects.filter(user=liaison, url=check.get_absolute_url()).count() == 2
    assert mailoutbox[-1].to == [liaison.email]
    assert check.history.first().history_user == clerk

    answer(liaison, check)
    check.refresh_from_db()
    assert check.status == Status.ANSWERED


def test_illegal_transitions_are_refused(clerk, liaison, unit, other_unit, filed):
    police = filed.checks.get(unit=unit)
    tax = filed.checks.get(unit=other_unit)
    # Reply to a check that asked nothing.
    with pytest.raises(services.WrongState):
        services.check_reply(actor=clerk, check=police, reply="答复")
    services.check_return(actor=liaison, check=police, question="问题")
    with pytest.raises(services.WrongState):
        services.check_return(actor=liaison, check=police, question="再问")
    answer(liaison, tax)
    with pytest.raises(services.WrongState):
        services.check_return(actor=liaison, check=tax, question="问题")
    police.refresh_from_db()
    tax.refresh_from_db()
    assert (police.status, police.question) == (Status.RETURNED, "问题")
    assert tax.status == Status.ANSWERED
    # The one table of transitions agrees.
    assert not tax.can_move_to(Status.DELIVERED)
    assert police.can_move_to(Status.DELIVERED)


def test_cancelling_a_request_closes_its_open_checks(
    clerk, liaison, other_liaison, unit, other_unit, filed
):
    answer(other_liaison, filed.checks.get(unit=other_unit))
    services.request_cancel(actor=clerk, request=filed)
    filed.refresh_from_db()
    assert filed.status == VerificationRequest.Status.CANCELLED
    statuses = dict(filed.checks.values_list("unit__code", "status"))
    assert statuses == {"test-police": Status.CANCELLED, "test-tax": Status.ANSWERED}
    assert filed.history.first().history_user == clerk
    with pytest.raises(services.WrongState):
        services.request_cancel(actor=clerk, request=filed)
    with pytest.raises(services.WrongState):
        answer(liaison, filed.checks.get(unit=unit))


def test_a_completed_request_cannot_be_cancelled(
    liaison, other_liaison, clerk, unit, other_unit, filed
):
    answer(liaison, filed.checks.get(unit=unit))
    answer(other_liaison, filed.checks.get(unit=other_unit))
    with pytest.raises(services.WrongState):
        services.request_cancel(actor=clerk, request=filed)
    filed.refresh_from_db()
    assert filed.status == VerificationRequest.Status.COMPLETED


# --- Overdue --------------------------------------------------------------------------------


def test_overdue_checks_are_marked_and_liaisons_reminded_at_most_once_a_day(
    clerk,
    liaison,
    other_liaison,
    unit,
    other_unit,
    items,
    household,
    today,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    today(D(2026, 3, 2))  # Monday: 5 working days later is Monday 9 March.
    authorize_all(actor=clerk, household=household)
    request = submit(clerk, household, django_capture_on_commit_callbacks)
    assert set(request.checks.values_list("deadline", flat=True)) == {D(2026, 3, 9)}
    answer(other_liaison, request.checks.get(unit=other_unit))
    police = request.checks.get(unit=unit)
    mailoutbox.clear()

    def sweep(day):
        with django_capture_on_commit_callbacks(execute=True):
            return sweeps.checks_mark_overdue(today=day)

    def reminders():
        return Notification.objects.filter(user=liaison).exclude(url=police.get_absolute_url())

    # On the deadline itself the check is not late.
    assert sweep(D(2026, 3, 9)) == sweeps.OverdueSweep(marked=0, reminded=0)
    assert sweep(D(2026, 3, 10)) == sweeps.OverdueSweep(marked=1, reminded=1)
    police.refresh_from_db()
    assert police.overdue and police.reminded_on == D(2026, 3, 10)
    # Again the same day: nothing new, no second reminder.
    assert sweep(D(2026, 3, 10)) == sweeps.OverdueSweep(marked=0, reminded=0)
    assert reminders().count() == 1
    # The next day: one more reminder.
    assert sweep(D(2026, 3, 11)) == sweeps.OverdueSweep(marked=0, reminded=1)
    assert reminders().count() == 2
    assert [m.to for m in mailoutbox] == [[liaison.email], [liaison.email]]
    # The answered check was never late, and its unit was never reminded.
    assert not request.checks.get(unit=other_unit).overdue
    assert (
        not Notification.objects.filter(user=other_liaison)
        .exclude(url__contains="/checks/")
        .exists()
    )
    # Answering clears the flag, and then nobody is reminded.
    answer(liaison, police)
    police.refresh_from_db()
    assert not police.overdue
    assert sweep(D(2026, 3, 12)) == sweeps.OverdueSweep(marked=0, reminded=0)


# --- Who may see and answer a check ---------------------------------------------------------


def test_only_the_checks_unit_may_answer_it_and_the_office_may_view_it(
    clerk, director, liaison, other_liaison, outsider, unit, other_unit, filed
):
    police = filed.checks.get(unit=unit)
    tax = filed.checks.get(unit=other_unit)

    assert list(checks_for_liaison(liaison)) == [police]
    assert list(checks_for_liaison(other_liaison)) == [tax]
    assert get_check_for_user(liaison, police.pk, perm="answer") == police
    assert get_check_for_user(liaison, police.pk, perm="view") == police
    for perm in ("view", "answer"):
        with pytest.raises(Http404):
            get_check_for_user(other_liaison, police.pk, perm=perm)
        with pytest.raises(Http404):
            get_check_for_user(outsider, police.pk, perm=perm)
    for office_user in (clerk, director):
        assert get_check_for_user(office_user, police.pk, perm="view") == police
        with pytest.raises(Http404):
            get_check_for_user(office_user, police.pk, perm="answer")
        assert not checks_for_liaison(office_user).exists()
    # A check that does not exist looks the same as one of another unit.
    with pytest.raises(Http404):
        get_check_for_user(liaison, tax.pk + police.pk + 1000, perm="view")


def test_a_liaison_moved_to_another_unit_loses_the_old_units_checks(
    administrator, liaison, unit, other_unit, filed
):
    from members.services import liaison_appoint

    police = filed.checks.get(unit=unit)
    liaison_appoint(actor=administrator, user=liaison, unit=other_unit)
    liaison = type(liaison).objects.get(pk=liaison.pk)  # fresh permission caches
    with pytest.raises(Http404):
        get_check_for_user(liaison, police.pk, perm="answer")
    assert list(checks_for_liaison(liaison)) == [filed.checks.get(unit=other_unit)]
