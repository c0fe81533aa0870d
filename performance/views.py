"""The units' scores: the quarter's table for the office (recomputed by a worker when
asked), and one unit's page with the records behind each indicator and the adjustments;
a liaison is taken to their own unit's page and gets 404 for any other."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assistance.periods import quarter_of
from members.models import LeadingGroup

from . import permissions, selectors, services
from .forms import AdjustmentForm, QuarterForm


def _quarter(request) -> tuple[QuarterForm, int, int]:
    form = QuarterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    return form, data.get("year") or today.year, data.get("quarter") or quarter_of(today)


def scores(request):
    if not permissions.reads_all(request.user):
        return redirect("performance:unit", pk=permissions.own_unit(request.user).pk)
    form, year, quarter = _quarter(request)
    group = (form.cleaned_data.get("group") if form.is_valid() else None) or (
        LeadingGroup.objects.order_by("order", "pk").first()
    )
    context = {
        "form": form,
        "group": group,
        "year": year,
        "quarter": quarter,
        "rows": selectors.quarter_scores(group, year, quarter) if group else [],
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "performance/scores.html", context, status=status)


@require_POST
def compute(request):
    """Have the quarter's scores recomputed by a worker."""
    permissions.require_reader(request.user)
    form = QuarterForm(request.POST)
    if not form.is_valid() or not form.cleaned_data.get("group"):
        messages.error(request, _("Choose the group, the year and the quarter."))
        return redirect("performance:scores")
    data = form.cleaned_data
    year, quarter = data.get("year"), data.get("quarter")
    if not year or not quarter:
        messages.error(request, _("Choose the group, the year and the quarter."))
        return redirect("performance:scores")
    services.scores_request(group=data["group"], year=year, quarter=quarter)
    messages.success(request, _("The scores are being computed; reload the page in a moment."))
    query = f"?group={data['group'].pk}&year={year}&quarter={quarter}"
    return redirect(f"{request.path.rsplit('compute/', 1)[0]}{query}")


def _unit_page(request, unit, form=None, status=200):
    quarter_form, year, quarter = _quarter(request)
    context = {
        "unit": unit,
        "form": quarter_form,
        "year": year,
        "quarter": quarter,
        "can_adjust": permissions.can_adjust(request.user),
        "adjustment_form": form or AdjustmentForm(),
        **selectors.unit_quarter(unit, year, quarter),
    }
    return render(request, "performance/unit.html", context, status=status)


def unit(request, pk):
    return _unit_page(request, permissions.get_unit_for_user(request.user, pk))


@require_POST
def adjust(request, pk):
    unit = permissions.get_unit_for_user(request.user, pk)
    if not permissions.can_adjust(request.user):
        raise Http404
    form = AdjustmentForm(request.POST)
    if form.is_valid():
        _year_form, year, quarter = _quarter(request)
        try:
            services.adjustment_record(
                actor=request.user,
                unit=unit,
                year=year,
                quarter=quarter,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
            )
        except services.PerformanceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The adjustment was recorded."))
            return redirect(f"{request.path.rsplit('adjust/', 1)[0]}?{request.GET.urlencode()}")
    return _unit_page(request, unit, form=form, status=400)
