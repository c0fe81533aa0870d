"""The working-day calendar administrators maintain. It lives in the shell because a change
to it reaches into verification: open checks' deadlines are counted again, and the list
warns of years that open checks' deadlines fall in but are not yet entered."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from assistance.models import CalendarDay, CalendarYear
from assistance.outbox import send_after_commit
from verification.sweeps import provisional_deadline_years

# The admin site carries the product's name, not "Django administration" (Django 管理):
# the titles are lazy translations, so each reader sees them in their own language.
admin.site.site_header = _("Basic Living Security Coordination Office")
admin.site.site_title = _("Basic Living Security Coordination Office")
admin.site.index_title = _("Administration")


class RecountDeadlinesMixin:
    """After a change to the calendar, provisional deadlines are counted again (in a task,
    once the change is committed), and the list warns of years still missing."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._recount(request)

    @staticmethod
    def _recount(request):
        # The administrator's change starts the recount: it is recorded as theirs.
        send_after_commit(
            "verification.tasks.deadlines_recount_task",
            what="deadline recount after a calendar change",
            actor_id=request.user.pk,
        )

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._recount(request)

    def changelist_view(self, request, extra_context=None):
        for year, count in provisional_deadline_years().items():
            messages.warning(
                request,
                ngettext(
                    "%(count)d open check has a provisional deadline in %(year)d: enter that "
                    "year's holidays and make-up working days, then mark the year complete.",
                    "%(count)d open checks have provisional deadlines in %(year)d: enter that "
                    "year's holidays and make-up working days, then mark the year complete.",
                    count,
                )
                % {"count": count, "year": year},
            )
        return super().changelist_view(request, extra_context)


@admin.register(CalendarYear)
class CalendarYearAdmin(RecountDeadlinesMixin, SimpleHistoryAdmin):
    list_display = ["year", "complete", "note"]
    list_filter = ["complete"]
    search_fields = ["year", "note"]


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).dates("date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(RecountDeadlinesMixin, SimpleHistoryAdmin):
    list_display = ["date", "name", "is_workday"]
    list_filter = [YearFilter, "is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"
