"""Pages of reporting: the rounds (the office opens one), a round's reports with late and
missing ones marked, its aggregated table (and as XLSX), and a unit's report, which its
liaison fills in the form or by uploading the XLSX template, saves and submits, and which
the office accepts or sends back.

Objects come from the gateway (``reporting.permissions``: outsiders get 404); every
change goes through ``reporting.services``, whose ``ReportingError`` is shown on the page
and changes nothing."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assistance.replica import replica_reads
from assistance.spreadsheets import XLSX_CONTENT_TYPE, xlsx_bytes

from . import permissions, selectors, services, spreadsheet
from .forms import ReportForm, ReviewForm, RoundForm, UploadForm, field_name
from .models import UnitReport

PAGE_SIZE = 50


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Rounds ----------------------------------------------------------------------------------


def round_list(request):
    permissions.require_round_list(request.user)
    user = request.user
    context = {"can_open": permissions.can_open_round(user), "reads_all": False}
    if permissions.reads_all(user):
        rounds = selectors.round_rows(permissions.rounds_for(user))
        context["reads_all"] = True
        context["page"] = Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        reports = selectors.liaison_reports(permissions.reports_for(user))
        context["page"] = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reporting/round_list.html", context)


def round_create(request):
    permissions.require_office(request.user)
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = services.round_open(
                actor=request.user,
                group=data["group"],
                period_kind=data["period_kind"],
                year=data["year"],
                number=data["number"],
                working_days=data["working_days"],
                title=data["title"],
            )
        except services.ReportingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The round is open; the units have been told."))
            return redirect("reporting:round_detail", pk=round_.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "reporting/round_form.html", {"form": form}, status=status)


def round_detail(request, pk):
    round_ = permissions.get_round_for_reader(request.user, pk)
    reports = selectors.round_reports(round_)
    context = {
        "round": round_,
        "reports": reports,
        "late_count": sum(r.late for r in reports),
        "missing_count": sum(r.missing for r in reports),
        "reported_count": sum(r.status in UnitReport.REPORTED for r in reports),
    }
    return render(request, "reporting/round_detail.html", context)


@replica_reads
def round_table(request, pk):
    round_ = permissions.get_round_for_reader(request.user, pk)
    table = selectors.round_table(round_)
    return render(request, "reporting/round_table.html", {"round": round_, "table": table})


def _numbers(values) -> list:
    return [None if v is None else float(v) for v in values]


@replica_reads
def round_table_xlsx(request, pk):
    round_ = permissions.get_round_for_reader(request.user, pk)
    table = selectors.round_table(round_)
    previous = table.previous.title if table.previous else _("Previous round")
    last_year = table.last_year.title if table.last_year else _("Same period last year")
    rows = [[_("Programme"), _("Figure"), _("Unit"), round_.title, previous, last_year]]
    for block in table.blocks:
        definition = block.definition
        for row in block.rows:
            rows.append(
                [definition.program.name, definition.name, row.unit_name]
                + _numbers((row.current, row.previous, row.last_year))
            )
        rows.append(
            [definition.program.name, definition.name, _("Total")]
            + _numbers((block.total, block.previous_total, block.last_year_total))
        )
    return _xlsx_response(xlsx_bytes(rows, title=round_.title), f"round-{round_.pk}.xlsx")


# --- A unit's report -------------------------------------------------------------------------


def _report_context(request, report: UnitReport, **extra) -> dict:
    definitions = services.report_definitions(report)
    values = selectors.report_values(report)
    context = {
        "report": report,
        "round": report.round,
        "rows": [(d, values.get(d.pk)) for d in definitions],
        "can_edit": permissions.can_edit(request.user, report) and report.editable,
        "can_review": permissions.can_review(request.user, report)
        and report.status == UnitReport.Status.SUBMITTED,
    }
    if context["can_review"]:
        context.setdefault("review_form", ReviewForm())
    context.update(extra)
    return context


def report_detail(request, pk):
    report = permissions.get_report_for_user(request.user, pk)
    return render(request, "reporting/report_detail.html", _report_context(request, report))


def _render_edit(request, report, form, upload_form=None, upload_errors=(), status=200):
    context = {
        "report": report,
        "round": report.round,
        "form": form,
        "upload_form": upload_form or UploadForm(),
        "upload_errors": list(upload_errors),
    }
    return render(request, "reporting/report_form.html", context, status=status)


def report_edit(request, pk):
    report = permissions.get_report_to_edit(request.user, pk)
    if not report.editable:
        messages.info(request, _("This report is no longer open for changes."))
        return redirect("reporting:report_detail", pk=report.pk)
    definitions = services.report_definitions(report)
    values = selectors.report_values(report)
    if request.method != "POST":
        form = ReportForm(definitions=definitions, values=values)
        return _render_edit(request, report, form)
    form = ReportForm(request.POST, definitions=definitions, values=values)
    if form.is_valid():
        submit = "submit" in request.POST
        try:
            if submit:
                services.report_submit(actor=request.user, report=report, values=form.values())
            else:
                services.report_save(actor=request.user, report=report, values=form.values())
        except services.ReportingError as error:
            form.add_error(None, error.message)
            for definition in definitions:
                if definition.pk in error.field_errors:
                    form.add_error(field_name(definition), error.field_errors[definition.pk])
        else:
            if submit:
                messages.success(request, _("The report is submitted to the office."))
                return redirect("reporting:report_detail", pk=report.pk)
            messages.success(request, _("The draft is saved."))
            return redirect("reporting:report_edit", pk=report.pk)
    return _render_edit(request, report, form, status=400)


def report_template(request, pk):
    report = permissions.get_report_to_edit(request.user, pk)
    content = spreadsheet.template_xlsx(
        report, services.report_definitions(report), selectors.report_values(report)
    )
    return _xlsx_response(content, f"report-{report.round_id}-{report.unit.code}.xlsx")


@require_POST
def report_upload(request, pk):
    """Read the filled template into the draft: refused whole, every bad cell listed."""
    report = permissions.get_report_to_edit(request.user, pk)
    definitions = services.report_definitions(report)
    values = selectors.report_values(report)
    upload_form = UploadForm(request.POST, request.FILES)
    errors = []
    if not report.editable:
        errors = [_("This report is no longer open for changes.")]
    elif upload_form.is_valid():
        read = spreadsheet.read_upload(upload_form.cleaned_data["file"], definitions)
        errors = read.errors
        if not errors:
            try:
                services.report_save(actor=request.user, report=report, values=read.values)
            except services.ReportingError as error:
                errors = [error.message, *error.field_errors.values()]
            else:
                messages.success(
                    request, _("The values were read from the file: check them and submit.")
                )
                return redirect("reporting:report_edit", pk=report.pk)
    form = ReportForm(definitions=definitions, values=values)
    return _render_edit(request, report, form, upload_form, errors, status=400)


@require_POST
def report_accept(request, pk):
    report = permissions.get_report_to_review(request.user, pk)
    form = ReviewForm(request.POST)
    form.is_valid()
    try:
        services.report_accept(
            actor=request.user, report=report, comment=form.cleaned_data.get("comment", "")
        )
    except services.ReportingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The report is accepted."))
    return redirect("reporting:report_detail", pk=report.pk)


@require_POST
def report_return(request, pk):
    report = permissions.get_report_to_review(request.user, pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.report_return(
                actor=request.user, report=report, comment=form.cleaned_data["comment"]
            )
        except services.ReportingError as error:
            form.add_error("comment", error.message)
        else:
            messages.success(request, _("The report is sent back to the unit."))
            return redirect("reporting:report_detail", pk=report.pk)
    context = _report_context(request, report, review_form=form)
    return render(request, "reporting/report_detail.html", context, status=400)
