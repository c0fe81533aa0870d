"""The quarterly bulletin's page (printable, the charts drawn in the browser as on the
dashboards) and its Word file (the charts drawn on the server)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control

from assistance.periods import last_quarter
from assistance.replica import replica_reads
from assistance.wordexport import DOCX_CONTENT_TYPE
from performance.forms import QuarterForm

from .. import permissions
from ..filters import FilterForm
from .content import quarter_bulletin
from .export import bulletin_docx


class BulletinForm(QuarterForm):
    def chosen(self):
        """(group, year, quarter): what was asked, the defaults filling the gaps (the
        busiest group, the last quarter)."""
        data = self.cleaned_data if self.is_valid() else {}
        group = data.get("group") or FilterForm({}).scope_group()
        year, quarter = last_quarter(timezone.localdate())
        return group, data.get("year") or year, data.get("quarter") or quarter


def _bulletin(request):
    permissions.require_reader(request.user)
    form = BulletinForm(request.GET or None)
    group, year, quarter = form.chosen()
    return form, (quarter_bulletin(group, year, quarter) if group else None)


@replica_reads
def bulletin(request):
    form, content = _bulletin(request)
    specs = [s.chart.spec() for s in content.sections if s.chart] if content else []
    context = {"form": form, "bulletin": content, "specs": specs, "query": request.GET.urlencode()}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "dashboards/bulletin.html", context, status=status)


@replica_reads
def bulletin_download(request):
    form, content = _bulletin(request)
    if content is None:
        return bulletin(request)
    response = HttpResponse(bulletin_docx(content), content_type=DOCX_CONTENT_TYPE)
    name = f"bulletin-{content.group.code}-{content.year}Q{content.quarter}.docx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    patch_cache_control(response, private=True)
    return response
