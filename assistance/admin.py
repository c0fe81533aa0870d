"""The working-day calendar administrators maintain, and the access log, which the admin
shows and nobody, not even a superuser, adds to, edits or deletes. Notifications are
each user's own and stay out of the admin."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from .models import AccessLog, CalendarDay, CalendarYear
from .outbox import send_after_commit


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
        from verification.sweeps import provisional_deadline_years

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


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """The list only: there is no page to add, change or delete an entry, and no action."""

    list_display = ["at", "user", "action", "purpose", "object_repr", "path"]
    list_display_links = None
    list_filter = ["action", "purpose", "at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "object_repr", "path"]
    date_hierarchy = "at"
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # The list is the whole record; a page per entry would only be another door to it.
        return obj is None and super().has_view_permission(request)


# Accounts and roles: Django's pages replaced by the security administrator's.
from . import auth_admin  # noqa: E402, F401
