"""The monitoring's pages. The office reads the list of warnings (the hardest-hit
households first), assigns each to the town or unit that visits, opens a household's
hardship score point by point and asks for an evaluation now; the unit's liaison reads the
warnings given to the unit and records each visit's outcome. Objects come from the
gateway (``monitoring.permissions``: outsiders get 404); every change goes through
``monitoring.services``, whose ``MonitoringError`` is shown on the page and changes
nothing."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import permissions, selectors, services
from .forms import AssignForm, NeededForm, NotNeededForm, WarningFilterForm
from .models import Grade

PAGE_SIZE = 50


def warning_list(request):
    permissions.require_office(request.user)
    form = WarningFilterForm(request.GET or None, rules=selectors.office_rules())
    warnings = selectors.office_warnings(**form.chosen())
    page = Paginator(warnings, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "last_run": selectors.last_run(),
        "grades": Grade,
    }
    return render(request, "monitoring/warning_list.html", context)


def visit_list(request):
    unit = permissions.get_unit_for_liaison(request.user)
    done = request.GET.get("done") == "1"
    visits = selectors.unit_visits(unit, open_only=not done)
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"unit": unit, "page": page, "done": done, "query": "done=1" if done else ""}
    return render(request, "monitoring/visit_list.html", context)


def _render_warning(request, warning, *, forms=None, status=200):
    office = permissions.is_office(request.user)
    visits = warning.status == warning.Status.ASSIGNED and permissions.visits(request.user, warning)
    units = selectors.household_units(warning.household) if office else None
    forms = forms or {}
    assign = forms.get("assign") or AssignForm(
        units=units,
        initial={
            "unit": warning.assigned_unit_id
            or getattr(selectors.suggested_unit(warning.household, units or []), "pk", None)
        },
    )
    context = {
        "warning": warning,
        "office": office,
        "visits": visits,
        "source": selectors.sources([warning]).get((warning.source_type_id, warning.source_id))
        if office
        else None,
        "assign_form": assign if office and warning.is_open else None,
        "needed_form": forms.get("needed") or NeededForm(office=warning.household.office),
        "not_needed_form": forms.get("not_needed") or NotNeededForm(),
        "history": warning.history.select_related("history_user").order_by("-history_date")[:30],
    }
    return render(request, "monitoring/warning_detail.html", context, status=status)


def warning_detail(request, pk):
    return _render_warning(request, permissions.get_warning_for_user(request.user, pk))


@require_POST
def warning_assign(request, pk):
    permissions.require_office(request.user)
    warning = permissions.get_warning_for_user(request.user, pk)
    form = AssignForm(request.POST, units=selectors.household_units(warning.household))
    if form.is_valid():
        try:
            services.warning_assign(
                actor=request.user, warning=warning, unit=form.cleaned_data["unit"]
            )
        except services.MonitoringError as error:
            form.add_error("unit" if error.field == "unit" else None, error.message)
        else:
            messages.success(
                request,
                _("The warning was given to %(unit)s.") % {"unit": form.cleaned_data["unit"]},
            )
            return redirect("monitoring:warning_detail", pk=warning.pk)
    return _render_warning(request, warning, forms={"assign": form}, status=400)


@require_POST
def warning_needed(request, pk):
    warning = permissions.get_warning_to_visit(request.user, pk)
    form = NeededForm(request.POST, office=warning.household.office)
    if form.is_valid():
        data = form.cleaned_data
        try:
            application = services.warning_needed(
                actor=request.user,
                warning=warning,
                found=services.VisitFindings(
                    hardship=data["hardship"],
                    requested=data["requested"],
                    programs=list(data["programs"]),
                    phone=data["phone"],
                    urgent=data["urgent"],
                ),
            )
        except services.MonitoringError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("Application %(number)s was received; the office refers it.")
                % {"number": application.number},
            )
            return redirect("monitoring:warning_detail", pk=warning.pk)
    return _render_warning(request, warning, forms={"needed": form}, status=400)


@require_POST
def warning_not_needed(request, pk):
    warning = permissions.get_warning_to_visit(request.user, pk)
    form = NotNeededForm(request.POST)
    if form.is_valid():
        try:
            services.warning_not_needed(
                actor=request.user, warning=warning, reason=form.cleaned_data["reason"]
            )
        except services.MonitoringError as error:
            form.add_error("reason" if error.field == "reason" else None, error.message)
        else:
            messages.success(request, _("The visit was recorded: no help needed."))
            return redirect("monitoring:warning_detail", pk=warning.pk)
    return _render_warning(request, warning, forms={"not_needed": form}, status=400)


def household_score(request, pk):
    household = permissions.get_household_for_office(request.user, pk)
    score = selectors.household_score(household)
    return render(request, "monitoring/household_score.html", {"score": score})


@require_POST
def evaluate(request):
    permissions.require_office(request.user)
    try:
        sent = services.evaluation_request(actor=request.user)
    except services.MonitoringError as error:
        messages.error(request, error.message)
    else:
        if sent:
            messages.info(request, _("The rules are being evaluated; reload the list shortly."))
        else:
            messages.warning(
                request, _("The evaluation could not be started now; the schedule runs it soon.")
            )
    return redirect("monitoring:warning_list")
