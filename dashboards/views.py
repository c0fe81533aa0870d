"""The three dashboards. Each page draws its charts from one list of ``Chart`` objects;
``?download=<chart key>&format=csv|xlsx`` (with the page's filters) returns one chart's
numbers as a file instead of the page."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from assistance.replica import replica_reads
from assistance.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE

from . import permissions, selectors
from .filters import FilterForm

DASHBOARDS = {
    "verification": (_("Verification"), selectors.verification_charts, True),
    "intake": (_("Intake and referrals"), selectors.intake_charts, False),
    "meetings": (_("Meetings and decisions"), selectors.meetings_charts, False),
    "ledger": (_("Assistance ledger"), selectors.ledger_charts, False),
}
FORMATS = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}


@replica_reads
def index(request):
    permissions.require_reader(request.user)
    return redirect("dashboards:dashboard", name="verification")


def _download(chart, fmt: str) -> HttpResponse:
    body = chart.csv() if fmt == "csv" else chart.xlsx()
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{chart.filename(fmt)}"'
    return response


@replica_reads
def dashboard(request, name):
    permissions.require_reader(request.user)
    if name not in DASHBOARDS:
        raise Http404
    title, charts_of, with_unit = DASHBOARDS[name]
    form = FilterForm(request.GET or None, with_unit=with_unit)
    scope = form.scope()
    charts = charts_of(scope) if scope else []
    wanted = request.GET.get("download")
    if wanted:
        fmt = request.GET.get("format", "csv")
        chart = next((chart for chart in charts if chart.key == wanted), None)
        if chart is None or fmt not in FORMATS:
            raise Http404
        return _download(chart, fmt)
    query = request.GET.copy()
    for key in ("download", "format"):
        query.pop(key, None)
    context = {
        "name": name,
        "title": title,
        "dashboards": [(key, value[0]) for key, value in DASHBOARDS.items()],
        "form": form,
        "scope": scope,
        "charts": charts,
        "specs": [chart.spec() for chart in charts],
        "query": query.urlencode(),
        "refreshed": selectors.last_refresh() if name == "verification" else None,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "dashboards/dashboard.html", context, status=status)
