"""Intake in the admin site. The administrator keeps each programme's deadlines (its
routing). Applications hold personal data and move only through the office's pages (the
services), so they are here for the superuser to inspect, read-only, with their history;
no role's group holds their permissions."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assistance.admin_viewonly import ViewOnlyMixin

from .models import Application, ApplicationEvent, ProgramRouting, Referral


@admin.register(ProgramRouting)
class ProgramRoutingAdmin(SimpleHistoryAdmin):
    list_display = ["program", "deadline_working_days", "urgent_hours"]
    list_select_related = ["program"]
    search_fields = ["program__name"]
    autocomplete_fields = ["program"]


class ReferralInline(admin.TabularInline):
    model = Referral
    fields = ["unit", "role", "ask", "status", "deadline", "overdue", "outcome", "closed_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = ApplicationEvent
    fields = ["at", "kind", "referral", "actor", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(ViewOnlyMixin, SimpleHistoryAdmin):
    list_display = ["number", "received_at", "channel", "urgent", "status", "office"]
    list_filter = ["status", "channel", "urgent", "office"]
    search_fields = ["number"]
    date_hierarchy = "received_at"
    list_select_related = ["office"]
    exclude = ["applicant_id_number"]
    inlines = [ReferralInline, EventInline]
    actions = None
