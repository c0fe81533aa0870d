"""Issue 12, item 5: an authorisation recorded twice for the same member and period is
refused (service, database constraint, page), and one whose period overlaps another on
file is recorded with a warning, in English and in Chinese."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from tests.verification.factories import scan_file
from verification import register
from verification.models import Authorization

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _record(clerk, member, signed_on, valid_until):
    return register.authorization_record(
        actor=clerk,
        member=member,
        signed_on=signed_on,
        valid_until=valid_until,
        signer="self",
        scan=scan_file(),
    )


def _post(client, household, member, signed_on, valid_until, language="en"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("verification:authorization_create", args=[household.pk, member.pk])
    return client.post(
        url,
        {
            "signed_on": signed_on.isoformat(),
            "valid_until": valid_until.isoformat(),
            "signer": "self",
            "guardian_name": "",
            "scan": SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_service_refuses_an_exact_duplicate(clerk, household):
    member = household.members.get(relation="applicant")
    today = timezone.localdate()
    until = today + datetime.timedelta(days=365)
    _record(clerk, member, today, until)
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        _record(clerk, member, today, until)
    assert "already has an authorisation for exactly this period" in str(refused.value)
    assert member.authorizations.count() == 1


def test_database_refuses_an_exact_duplicate(clerk, household):
    member = household.members.get(relation="applicant")
    first = _record(clerk, member, timezone.localdate(), timezone.localdate())
    with pytest.raises(IntegrityError), transaction.atomic():
        Authorization.objects.create(
            member=member,
            signed_on=first.signed_on,
            valid_until=first.valid_until,
            signer="self",
            scan=first.scan.name,
            recorded_by=clerk,
        )


def test_overlap_is_recorded_and_named(clerk, household):
    member = household.members.get(relation="applicant")
    today = timezone.localdate()
    earlier = _record(clerk, member, today - datetime.timedelta(days=30), today)
    later = _record(clerk, member, today, today + datetime.timedelta(days=365))
    assert later.overlaps == [earlier]
    # Another member's authorisation for the same period is no duplicate.
    spouse = household.members.get(relation="spouse")
    assert _record(clerk, spouse, today, today + datetime.timedelta(days=365)).overlaps == []


@pytest.mark.parametrize(
    ("language", "refused"),
    [
        ("en", "already has an authorisation for exactly this period"),
        ("zh-hans", "已有期限完全相同的授权书"),
    ],
)
def test_page_refuses_a_duplicate_and_changes_nothing(
    client, clerk, household, settings, language, refused
):
    client.force_login(clerk)
    member = household.members.get(relation="applicant")
    today = timezone.localdate()
    until = today + datetime.timedelta(days=365)
    assert _post(client, household, member, today, until, language).status_code == 302
    stored = sorted((settings.MEDIA_ROOT / "authorizations").rglob("*.pdf"))
    response = _post(client, household, member, today, until, language)
    assert response.status_code == 200
    assert refused in response.content.decode()
    assert member.authorizations.count() == 1
    # The refused scan was not kept either.
    assert sorted((settings.MEDIA_ROOT / "authorizations").rglob("*.pdf")) == stored


@pytest.mark.parametrize(
    ("language", "warning"),
    [("en", "Its period overlaps another authorisation"), ("zh-hans", "期限与其已有的授权书")],
)
def test_page_warns_of_an_overlap_and_records_it(client, clerk, household, language, warning):
    client.force_login(clerk)
    member = household.members.get(relation="applicant")
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    _post(client, household, member, today, today + 100 * day, language)
    response = _post(client, household, member, today, today + 365 * day, language)
    assert response.status_code == 302
    shown = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert any(tag == "warning" and warning in text for tag, text in shown)
    assert member.authorizations.count() == 2
