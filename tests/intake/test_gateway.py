"""intake.permissions: the office and auditors see every application, a liaison only those
referred to their unit (through their referrals), everyone else 404; full ID numbers only
for the office, with a line in the access log."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import RequestFactory
from django.utils import translation

from assistance.models import AccessLog
from intake import permissions, selectors, services
from tests.intake.conftest import ID_NUMBER, OTHER_ID_NUMBER, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def lone(clerk, group):
    """An application referred to nobody yet."""
    return receive(clerk, group, applicant_id_number=OTHER_ID_NUMBER)


def test_office_and_auditors_see_every_application(clerk, director, auditor, referred, lone):
    application, lead, _ = referred
    for user in (clerk, director, auditor):
        assert set(permissions.applications_for(user)) == {application, lone}
        assert permissions.get_application_for_user(user, lone.pk) == lone
        assert permissions.get_referral_for_user(user, lead.pk) == lead


def test_a_liaison_sees_only_what_went_to_their_unit(
    liaison, other_liaison, referred, lone, unit, group, clerk
):
    application, lead, assist = referred
    assert list(permissions.applications_for(liaison)) == [application]
    assert permissions.get_application_for_user(liaison, application.pk) == application
    with pytest.raises(Http404):
        permissions.get_application_for_user(liaison, lone.pk)
    assert list(permissions.referrals_for_liaison(liaison)) == [lead]
    assert permissions.get_referral_for_user(liaison, lead.pk) == lead
    with pytest.raises(Http404):
        permissions.get_referral_for_user(liaison, assist.pk)
    assert list(permissions.referrals_for_liaison(other_liaison)) == [assist]


def test_an_inactive_liaison_sees_nothing(liaison, referred):
    application, lead, _ = referred
    liaison.liaison.active = False
    liaison.liaison.save()
    assert not permissions.applications_for(liaison).exists()
    with pytest.raises(Http404):
        permissions.get_referral_for_user(liaison, lead.pk)


def test_outsiders_and_anonymous_get_404(outsider, convener, administrator, referred):
    application, lead, _ = referred
    for user in (outsider, convener, administrator, AnonymousUser()):
        assert not permissions.applications_for(user).exists()
        assert not permissions.referrals_for(user).exists()
        with pytest.raises(Http404):
            permissions.get_application_for_user(user, application.pk)
        with pytest.raises(Http404):
            permissions.get_referral_for_user(user, lead.pk)
    with pytest.raises(Http404):
        permissions.get_application_for_user(outsider, 999999)


def test_attachments_through_the_gateway(clerk, liaison, outsider, lone, referred):
    application, _, _ = referred
    pdf = SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n", content_type="application/pdf")
    (attachment,) = services.application_attach(actor=clerk, application=lone, files=[pdf])
    assert permissions.get_attachment_for_user(clerk, attachment.pk) == attachment
    for user in (liaison, outsider):
        with pytest.raises(Http404):
            permissions.get_attachment_for_user(user, attachment.pk)
    request = RequestFactory().get("/")
    request.user = clerk
    response = permissions.attachment_response(request, attachment)
    assert response.status_code == 200
    assert AccessLog.objects.filter(user=clerk, object_id=lone.pk).exists()


def test_id_numbers_masked_and_revealed_with_a_log(clerk, liaison, auditor, referred):
    application, _, _ = referred
    shown = permissions.shown_id_number(liaison, application)
    assert shown != ID_NUMBER and shown[:3] == ID_NUMBER[:3]
    for user in (liaison, auditor):
        with pytest.raises(Http404):
            permissions.reveal_id_number(user, application)
    assert not AccessLog.objects.exists()
    assert permissions.reveal_id_number(clerk, application, path="/x/") == ID_NUMBER
    log = AccessLog.objects.get()
    assert log.user == clerk and log.object_id == application.pk
    assert ID_NUMBER not in log.object_repr
    # The purpose and the description are keys: the auditor reads them in their language.
    assert log.purpose == AccessLog.Purpose.INTAKE_IDENTIFY
    with translation.override("en"):
        assert log.get_purpose_display() == "Intake: identifying the applicant"
        assert log.text == f"ID number of the applicant of {application.number}"
    with translation.override("zh-hans"):
        assert "Intake" not in log.get_purpose_display()
        assert application.number in log.text and "applicant" not in log.text


def test_rows_in_a_fixed_number_of_queries(
    clerk, group, unit, other_unit, program, django_assert_max_num_queries
):
    for _ in range(6):
        application = receive(clerk, group, [program], applicant_id_number="", urgent=True)
        services.referrals_share(
            actor=clerk, application=application, lead=unit, assisting=[other_unit], ask="service"
        )
    with django_assert_max_num_queries(2):
        rows = list(selectors.application_rows(permissions.applications_for(clerk)))
        assert [r.referral_count for r in rows] == [2] * 6
        assert all(r.programs.all() for r in rows)
    with django_assert_max_num_queries(1):
        rows = list(selectors.referral_rows(permissions.referrals_for(clerk)))
        assert len({(r.application.number, r.unit.name) for r in rows}) == 12
