"""An application filed under a household of the register, or with a new household
registered at the window; the papers handed in with it; and a verification request of the
household linked to a referral. Driven through the services and the client as the clerk
would: a refused step says why and saves nothing."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from intake import services
from intake.base import IntakeError
from intake.models import Application, ApplicationAttachment
from tests.factories import LeadingGroupFactory
from tests.intake.conftest import ID_NUMBER, application_data, receive, refer
from tests.verification.factories import (
    VerificationItemFactory,
    authorize_all,
    make_id_number,
    register_family,
)
from verification import services as verification_services
from verification.models import Household, HouseholdMember

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
SPOUSE_ID = make_id_number(datetime.date(1982, 3, 4), sequence=21)
CHILD_ID = make_id_number(datetime.date(2015, 9, 1), sequence=22)


def _head(household):
    return household.members.get(relation=HouseholdMember.Relation.APPLICANT)


# --- Through the services ---------------------------------------------------------------------


def test_filed_under_a_household_the_applicant_belongs_to(clerk, group, program):
    household = register_family(actor=clerk, office=group)
    head = _head(household)
    application = receive(
        clerk,
        group,
        [program],
        household=household,
        applicant_name=head.name,
        applicant_id_number=head.id_number,
    )
    assert application.household == household


def test_a_household_the_applicant_is_not_in_is_refused(clerk, group, program):
    household = register_family(actor=clerk, office=group)
    with pytest.raises(IntakeError, match="不是该家庭的成员"):
        receive(clerk, group, [program], household=household)  # ID_NUMBER is a stranger's
    assert not Application.objects.exists()


def test_another_offices_household_is_refused(clerk, group, program):
    household = register_family(actor=clerk, office=LeadingGroupFactory())
    head = _head(household)
    with pytest.raises(IntakeError, match="其他办公室"):
        receive(
            clerk,
            group,
            [program],
            household=household,
            applicant_name=head.name,
            applicant_id_number=head.id_number,
        )
    assert not Application.objects.exists()


def _new(*members):
    return services.NewHousehold(assistance_type="temporary", members=list(members))


def test_a_new_household_is_registered_with_the_applicant_first(clerk, group, program):
    spouse = services.MemberData(name="王芳", relation="spouse", id_number=SPOUSE_ID)
    application = receive(
        clerk,
        group,
        [program],
        new_household=_new(spouse),
        address="幸福路3号",
        town="大峪街道",
    )
    household = application.household
    members = list(household.members.order_by("pk").values_list("name", "relation", "id_number"))
    assert members == [("张三", "applicant", ID_NUMBER), ("王芳", "spouse", SPOUSE_ID)]
    assert household.office == group and household.assistance_type == "temporary"
    assert household.history.get().history_user == clerk


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"address": "", "town": "大峪街道"}, "住址和乡镇"),
        (
            {"address": "幸福路3号", "town": "大峪街道", "applicant_id_number": "", "urgent": True},
            "身份证号码",
        ),
    ],
)
def test_a_new_household_needs_its_address_and_the_applicants_number(
    clerk, group, program, overrides, words
):
    with pytest.raises(IntakeError, match=words):
        receive(clerk, group, [program], new_household=_new(), **overrides)
    assert not Household.objects.exists() and not Application.objects.exists()


def test_a_repeated_member_refuses_the_whole_application(clerk, group, program):
    twice = services.MemberData(name="张三", relation="sibling", id_number=ID_NUMBER)
    with pytest.raises(IntakeError, match="已登记为本家庭成员"):
        receive(
            clerk, group, [program], new_household=_new(twice), address="幸福路3号", town="大峪街道"
        )
    assert not Household.objects.exists() and not Application.objects.exists()


def test_a_refused_application_registers_no_household(clerk, group, program):
    data = application_data(group, [program], new_household=_new(), address="幸福路3号", town="镇")
    application = services.application_refuse(actor=clerk, data=data, reason="不属于本地户籍")
    assert application.household is None and not Household.objects.exists()


# --- Through the pages ------------------------------------------------------------------------


def _form(group, program, **overrides):
    data = {
        "office": group.pk,
        "channel": "window",
        "applicant_name": "张三",
        "applicant_id_number": ID_NUMBER,
        "address": "幸福路3号",
        "town": "大峪街道",
        "hardship": "突发重病。",
        "programs": [program.pk],
        "member-TOTAL_FORMS": "6",
        "member-INITIAL_FORMS": "0",
        "member-MIN_NUM_FORMS": "0",
        "member-MAX_NUM_FORMS": "6",
    }
    data.update(overrides)
    return data


def _checked(client, clerk, data):
    client.force_login(clerk)
    response = client.post(reverse("intake:application_create"), {**data, "step": "check"})
    assert response.status_code == 200, response.context["form"].errors
    return {**data, "check_token": response.context["check_token"]}


def test_the_check_offers_the_register_household_and_the_save_files_under_it(
    client, clerk, group, program
):
    household = register_family(actor=clerk, office=group)
    head = _head(household)
    data = _form(group, program, applicant_name=head.name, applicant_id_number=head.id_number)
    client.force_login(clerk)
    response = client.post(reverse("intake:application_create"), {**data, "step": "check"})
    assert f'data-testid="household-{household.pk}"' in response.content.decode()
    data = {**data, "check_token": response.context["check_token"]}
    response = client.post(
        reverse("intake:application_create"), {**data, "step": "save", "household": household.pk}
    )
    assert response.status_code == 302
    assert Application.objects.get().household == household


def test_the_page_registers_a_new_household_with_its_members(client, clerk, group, program):
    data = _checked(client, clerk, _form(group, program))
    rows = {
        "member-0-name": "王芳",
        "member-0-relation": "spouse",
        "member-0-id_number": SPOUSE_ID,
        "member-1-name": "王小宝",
        "member-1-relation": "child",
        "member-1-id_number": CHILD_ID,
    }
    extra = {"household": "new", "assistance_type": "dibao", "step": "save"}
    response = client.post(reverse("intake:application_create"), {**data, **rows, **extra})
    assert response.status_code == 302
    household = Application.objects.get().household
    assert household.members.count() == 3 and household.assistance_type == "dibao"


def test_a_bad_member_row_is_shown_and_nothing_saved(client, clerk, group, program):
    data = _checked(client, clerk, _form(group, program))
    rows = {"member-0-name": "王芳", "member-0-relation": "spouse", "member-0-id_number": "123"}
    extra = {"household": "new", "assistance_type": "dibao", "step": "save"}
    response = client.post(reverse("intake:application_create"), {**data, **rows, **extra})
    assert response.status_code == 400
    assert response.context["rows"].errors[0]["id_number"]
    assert not Application.objects.exists() and not Household.objects.exists()


def test_a_new_household_needs_what_it_applies_for(client, clerk, group, program):
    data = _checked(client, clerk, _form(group, program))
    response = client.post(
        reverse("intake:application_create"), {**data, "household": "new", "step": "save"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["assistance_type"]
    assert not Application.objects.exists()


def test_papers_handed_in_are_saved_with_the_application(client, clerk, group, program):
    data = _checked(client, clerk, _form(group, program))
    papers = [
        SimpleUploadedFile("诊断证明.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("费用清单.pdf", PDF, content_type="application/pdf"),
    ]
    response = client.post(
        reverse("intake:application_create"), {**data, "step": "save", "files": papers}
    )
    assert response.status_code == 302
    names = set(ApplicationAttachment.objects.values_list("name", flat=True))
    assert names == {"诊断证明.pdf", "费用清单.pdf"}


def test_a_paper_of_the_wrong_kind_refuses_the_save(client, clerk, group, program):
    data = _checked(client, clerk, _form(group, program))
    fake = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf")
    response = client.post(
        reverse("intake:application_create"), {**data, "step": "save", "files": [fake]}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["files"]
    assert not Application.objects.exists() and not ApplicationAttachment.objects.exists()


# --- A verification request linked to a referral ----------------------------------------------


@pytest.fixture
def with_request(clerk, group, program, unit):
    VerificationItemFactory(unit=unit)
    household = register_family(actor=clerk, office=group)
    authorize_all(actor=clerk, household=household)
    request = verification_services.request_submit(actor=clerk, household=household)
    head = _head(household)
    application = receive(
        clerk,
        group,
        [program],
        household=household,
        applicant_name=head.name,
        applicant_id_number=head.id_number,
    )
    (referral,) = refer(clerk, application, unit)
    return referral, request


def test_the_office_links_a_request_and_the_unit_sees_it(client, clerk, liaison, with_request):
    referral, request = with_request
    client.force_login(clerk)
    page = client.get(reverse("intake:referral_detail", args=[referral.pk]))
    assert 'data-testid="link-form"' in page.content.decode()
    response = client.post(
        reverse("intake:referral_link_verification", args=[referral.pk]), {"request": request.pk}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.verification_request == request
    client.force_login(liaison)
    page = client.get(reverse("intake:referral_detail", args=[referral.pk]))
    assert 'data-testid="linked-request"' in page.content.decode()
    assert 'data-testid="link-form"' not in page.content.decode()


def test_a_request_of_another_household_cannot_be_linked(client, clerk, group, with_request):
    referral, _request = with_request
    other = register_family(actor=clerk, office=group, town="城子街道")
    authorize_all(actor=clerk, household=other)
    foreign = verification_services.request_submit(actor=clerk, household=other)
    client.force_login(clerk)
    response = client.post(
        reverse("intake:referral_link_verification", args=[referral.pk]), {"request": foreign.pk}
    )
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.verification_request is None
