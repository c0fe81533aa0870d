"""An application's files and its applicant's full ID number, through the client.

The office adds files, checked by their content (a too large or wrongly named file is
refused with a message in the user's language, and nothing is saved); the office and the
referral's liaisons download them, each download in the access log; auditors, other units
and outsiders get 404. Only the office reveals the full ID number, by POST, with one
access-log line."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assistance.idnumbers import mask_id_number
from assistance.models import AccessLog
from intake import services
from intake.models import ApplicationAttachment
from tests.intake.conftest import ID_NUMBER, refer

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def upload(client, user, application, name="证明.pdf", content=PDF):
    client.force_login(user)
    return client.post(
        reverse("intake:attach", kwargs={"pk": application.pk}),
        {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        follow=True,
    )


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Uploading --------------------------------------------------------------------------------


def test_the_office_adds_a_file_and_the_page_lists_it(client, clerk, application):
    response = upload(client, clerk, application)
    assert response.status_code == 200
    (attachment,) = ApplicationAttachment.objects.filter(application=application)
    assert attachment.name == "证明.pdf"
    assert attachment.uploaded_by == clerk
    assert reverse("intake:attachment_download", kwargs={"pk": attachment.pk}) in (
        response.content.decode()
    )


def test_an_oversized_file_is_refused_with_a_message(client, clerk, application, settings):
    settings.INTAKE_ATTACHMENT_MAX_BYTES = 20
    response = upload(client, clerk, application)
    assert not ApplicationAttachment.objects.exists()
    (message,) = page_messages(response)
    assert "证明.pdf" in message and "最大允许" in message


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("证明.pdf", b"MZ\x90\x00 not a document at all", "的内容不是"),
        ("证明.png", PDF, "扩展名改为 .pdf"),
    ],
)
def test_a_file_of_the_wrong_kind_is_refused(client, clerk, application, name, content, words):
    response = upload(client, clerk, application, name=name, content=content)
    assert not ApplicationAttachment.objects.exists()
    (message,) = page_messages(response)
    assert words in message


@pytest.mark.parametrize("persona", ["auditor", "liaison", "outsider"])
def test_only_the_office_adds_files(client, request, application, unit, clerk, persona):
    refer(clerk, application, unit)
    response = upload(client, request.getfixturevalue(persona), application)
    assert response.status_code == 404
    assert not ApplicationAttachment.objects.exists()


# --- Downloading ------------------------------------------------------------------------------


@pytest.fixture
def attachment(clerk, application, unit, other_unit):
    refer(clerk, application, unit)
    (saved,) = services.application_attach(
        actor=clerk,
        application=application,
        files=[SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")],
    )
    return saved


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("clerk", 200),
        ("director", 200),
        ("liaison", 200),
        ("other_liaison", 404),
        ("auditor", 404),
        ("outsider", 404),
    ],
)
def test_who_downloads_a_file(client, request, attachment, persona, status):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    before = AccessLog.objects.count()
    response = client.get(reverse("intake:attachment_download", kwargs={"pk": attachment.pk}))
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF
        assert AccessLog.objects.count() == before + 1
        assert AccessLog.objects.latest("pk").user == user
    else:
        assert AccessLog.objects.count() == before


def test_auditors_see_no_file_list(client, auditor, attachment):
    client.force_login(auditor)
    response = client.get(
        reverse("intake:application_detail", kwargs={"pk": attachment.application.pk})
    )
    assert response.status_code == 200
    assert "证明.pdf" not in response.content.decode()


# --- The full ID number -----------------------------------------------------------------------


def test_the_page_shows_the_number_masked(client, clerk, application):
    client.force_login(clerk)
    response = client.get(reverse("intake:application_detail", kwargs={"pk": application.pk}))
    content = response.content.decode()
    assert mask_id_number(ID_NUMBER) in content
    assert ID_NUMBER not in content
    assert reverse("intake:reveal_id", kwargs={"pk": application.pk}) in content
    assert not AccessLog.objects.exists()


def test_the_office_reveals_the_full_number_once(client, clerk, application):
    client.force_login(clerk)
    response = client.post(reverse("intake:reveal_id", kwargs={"pk": application.pk}))
    assert response.status_code == 200
    assert ID_NUMBER in response.content.decode()
    (entry,) = AccessLog.objects.all()
    assert entry.user == clerk
    # Back on the page, the number is masked again.
    page = client.get(reverse("intake:application_detail", kwargs={"pk": application.pk}))
    assert ID_NUMBER not in page.content.decode()


def test_reveal_is_post_only(client, clerk, application):
    client.force_login(clerk)
    response = client.get(reverse("intake:reveal_id", kwargs={"pk": application.pk}))
    assert response.status_code == 405
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("persona", ["auditor", "liaison", "other_liaison", "outsider"])
def test_others_cannot_reveal_the_number(client, request, application, clerk, unit, persona):
    refer(clerk, application, unit)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse("intake:reveal_id", kwargs={"pk": application.pk}))
    assert response.status_code == 404
    assert ID_NUMBER not in response.content.decode()
    assert not AccessLog.objects.exists()
