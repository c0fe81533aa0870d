"""Issue 12: the verification report gets the formal parts of an official document. The
report of a completed request receives a reference number (文号) the first time it is
issued (the page or the Word export), once, from its office's series of the year
(潢救核〔2026〕1号, 2号…); a report not final has none. The page and the Word document end
with the 经办人 / 审核人 / 单位（盖章）block. In English and in Chinese."""

import datetime
import io

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from docx import Document

from members.models import LeadingGroup
from tests.factories import LeadingGroupFactory
from tests.verification.factories import authorize_all, register_family
from tests.verification.helpers import submit
from verification import services
from verification.models import Household, ReportNumberSeries, ReportReference, VerificationRequest
from verification.report_numbers import default_prefix, report_reference_issue

pytestmark = pytest.mark.django_db


def _answer_all(request, liaisons):
    for check in request.checks.select_related("unit"):
        services.check_answer(
            actor=liaisons[check.unit_id],
            check=check,
            findings=[
                services.FindingData(member_id=m.pk, item_id=i.pk, result="no_record")
                for m in request.members.all()
                for i in check.items.all()
            ],
        )
    request.refresh_from_db()
    assert request.status == VerificationRequest.Status.COMPLETED
    return request


@pytest.fixture
def file_request(
    clerk,
    group,
    unit,
    other_unit,
    items,
    liaison,
    other_liaison,
    django_capture_on_commit_callbacks,
):
    liaisons = {unit.pk: liaison, other_unit.pk: other_liaison}

    def make(*, complete=True):
        household = register_family(actor=clerk, office=group)
        authorize_all(actor=clerk, household=household)
        request = submit(django_capture_on_commit_callbacks, actor=clerk, household=household)
        return _answer_all(request, liaisons) if complete else request

    return make


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    return "\n".join(p.text for p in document.paragraphs)


@pytest.mark.parametrize(
    ("region", "prefix"),
    [
        ("潢川县", "潢救核"),
        ("北京市门头沟区", "门救核"),
        ("云南省德宏州", "德救核"),
        ("", "测救核"),
    ],
)
def test_default_prefix_from_the_region(region, prefix):
    office = LeadingGroup(name="测试区领导小组", region=region)
    assert default_prefix(office) == prefix


def test_numbers_follow_per_office_and_year_and_are_given_once(
    clerk, director, group, file_request
):
    group.region = "潢川县"
    group.save()
    first, second = file_request(), file_request()
    one = report_reference_issue(actor=clerk, request=first)
    assert one.text == f"潢救核〔{timezone.localdate().year}〕1号"
    assert (one.issued_by, one.office) == (clerk, group)
    # Issued again (by anyone), the same number.
    assert report_reference_issue(actor=director, request=first) == one
    two = report_reference_issue(actor=director, request=second)
    assert two.number == 2
    # Another office counts from 1; a prefix changed in the admin applies to new numbers.
    series = ReportNumberSeries.objects.get(office=group)
    series.prefix = "潢民核"
    series.save()
    assert report_reference_issue(actor=clerk, request=file_request()).text.startswith("潢民核〔")
    # (The household is moved to another office's register: its departments are the
    # test group's, the office whose report it is, the other's.)
    other_office = LeadingGroupFactory(region="北京市西城区")
    moved = file_request()
    Household.objects.filter(pk=moved.household_id).update(office=other_office)
    moved.refresh_from_db()
    other = report_reference_issue(actor=clerk, request=moved)
    assert (other.prefix, other.number) == ("西救核", 1)
    assert ReportReference.objects.filter(office=group).count() == 3


def test_a_new_year_starts_at_one_with_the_years_prefix(clerk, group, file_request):
    last_year = timezone.localdate().year - 1
    ReportNumberSeries.objects.create(office=group, year=last_year, prefix="潢救核", last_number=57)
    reference = report_reference_issue(actor=clerk, request=file_request())
    assert (reference.prefix, reference.number) == ("潢救核", 1)


def test_a_report_not_final_has_no_number(clerk, file_request):
    pending = file_request(complete=False)
    assert report_reference_issue(actor=clerk, request=pending) is None
    assert not ReportReference.objects.exists()


def test_the_database_refuses_a_number_twice(clerk, group, file_request):
    first = report_reference_issue(actor=clerk, request=file_request())
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportReference.objects.create(
            request=file_request(),
            office=group,
            year=first.year,
            number=first.number,
            prefix=first.prefix,
            issued_by=clerk,
        )


@pytest.mark.parametrize(
    ("language", "reference", "signatures"),
    [
        ("en", "Reference number: ", ["Prepared by:", "Reviewed by:", "(seal)", "Date:"]),
        ("zh-hans", "文号：", ["经办人：", "审核人：", "（盖章）", "日期："]),
    ],
)
def test_page_and_word_export_carry_the_number_and_the_signatures(
    client, clerk, group, file_request, language, reference, signatures
):
    group.region = "潢川县"
    group.save()
    request = file_request()
    client.force_login(clerk)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    year = timezone.localdate().year
    page = client.get(reverse("verification:request_report", args=[request.pk])).content.decode()
    text = f"潢救核〔{year}〕1号"
    header = page.split('data-testid="report-reference"')[1].split("</p>")[0]
    assert reference in header and text in header
    block = page.split('data-testid="report-signatures"')[1].split("</section>")[0]
    assert all(s in block for s in signatures)
    assert (clerk.get_full_name() or clerk.get_username()) in block
    assert group.name in block
    assert timezone.localdate().isoformat() in block
    # The Word export, later, carries the same number: it was given once.
    response = client.get(reverse("verification:request_report_docx", args=[request.pk]))
    words = _docx_text(response.content)
    assert f"{reference}{text}" in words or f"{reference.strip()} {text}" in words
    assert all(s in words for s in signatures)
    assert ReportReference.objects.get().number == 1


@pytest.mark.parametrize(
    ("language", "note"),
    [("en", "No reference number yet"), ("zh-hans", "尚未编号")],
)
def test_a_pending_report_says_it_has_no_number_yet(client, clerk, file_request, language, note):
    request = file_request(complete=False)
    client.force_login(clerk)
    page = client.get(
        reverse("verification:request_report", args=[request.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert note in page
    assert 'data-testid="report-signatures"' in page
    assert not ReportReference.objects.exists()


def test_issue_date_is_the_offices_day(clerk, file_request):
    reference = report_reference_issue(actor=clerk, request=file_request())
    assert timezone.localtime(reference.issued_at).date() == timezone.localdate()
    assert reference.issued_at <= timezone.now() + datetime.timedelta(seconds=1)
