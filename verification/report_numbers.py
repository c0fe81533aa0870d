"""Giving a verification report its reference number (文号): once, when the report of a
completed request is first issued, from its office's series of the year, under a lock."""

import re

from django.db import transaction
from django.utils import timezone

from members.models import LeadingGroup

from .models import ReportNumberSeries, ReportReference, VerificationRequest

# The administrative levels a region's name is cut after: 北京市门头沟区 → 门头沟区.
_UPPER_LEVELS = re.compile(r"^.*(?:自治区|特别行政区|省|市)(?=.)")


def default_prefix(office: LeadingGroup) -> str:
    """The prefix of an office's first series: the first character of its county or
    district and 救核 (救助核对), e.g. 潢川县 → 潢救核. The office changes it in the admin;
    a new year's series carries the previous year's prefix over."""
    region = _UPPER_LEVELS.sub("", (office.region or "").strip()) or office.name
    return f"{region[:1]}救核"


def _series(office: LeadingGroup, year: int) -> ReportNumberSeries:
    """The office's series of ``year``, locked; created (with last year's prefix, or the
    default one) on the year's first report."""
    series = ReportNumberSeries.objects.select_for_update().filter(office=office, year=year).first()
    if series is not None:
        return series
    earlier = ReportNumberSeries.objects.filter(office=office).order_by("-year").first()
    prefix = earlier.prefix if earlier else default_prefix(office)
    # Two first reports of a year at once: one creates the row, the other waits on the
    # unique constraint and then takes the row the first created.
    ReportNumberSeries.objects.get_or_create(office=office, year=year, defaults={"prefix": prefix})
    return ReportNumberSeries.objects.select_for_update().get(office=office, year=year)


@transaction.atomic
def report_reference_issue(*, actor, request: VerificationRequest) -> ReportReference | None:
    """The reference number of the request's report: the one given before, or, for a
    completed request issued for the first time, the next of its office's series of the
    year, given by ``actor`` now. None while the request is not completed (a report not
    final has no number)."""
    existing = ReportReference.objects.filter(request=request).first()
    if existing is not None or request.status != VerificationRequest.Status.COMPLETED:
        return existing
    # Lock the request: issued twice at once, it still gets a single number.
    VerificationRequest.objects.select_for_update().filter(pk=request.pk).first()
    existing = ReportReference.objects.filter(request=request).first()
    if existing is not None:
        return existing
    office = request.household.office
    now = timezone.now()
    series = _series(office, timezone.localtime(now).year)
    series.last_number += 1
    series._history_user = actor
    series.save(update_fields=["last_number"])
    reference = ReportReference(
        request=request,
        office=office,
        year=series.year,
        number=series.last_number,
        prefix=series.prefix,
        issued_at=now,
        issued_by=actor,
    )
    reference.full_clean()
    reference.save()
    return reference
