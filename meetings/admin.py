"""Meetings in the admin site, for administrators: find, inspect (with history) and correct
a meeting's facts. Its status and agenda move only through the office's pages (the
services), so here they are read-only; a meeting that was held is never deleted."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from members.admin import UnitsWithTheirGroup

from .models import Meeting


@admin.register(Meeting)
class MeetingAdmin(UnitsWithTheirGroup, SimpleHistoryAdmin):
    list_display = ["title", "starts_at", "kind", "group", "status", "place", "convener"]
    list_filter = ["status", "kind", "group"]
    search_fields = ["title", "place", "group__name", "invited_units__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["group", "convener"]
    autocomplete_fields = ["invited_units"]
    readonly_fields = ["group", "status", "agenda_approved_at", "agenda_published_at"]
    fieldsets = [
        (None, {"fields": ["group", "kind", "title", "status"]}),
        (_("When and where"), {"fields": ["starts_at", "place", "convener"]}),
        (_("Invited units"), {"fields": ["invited_units"]}),
        (_("Agenda"), {"fields": ["agenda_approved_at", "agenda_published_at"]}),
    ]
    # A bulk delete would bypass the per-meeting check below.
    actions = None

    def has_add_permission(self, request):
        # Meetings are scheduled on the office's pages, by the office, through the service.
        return False

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == Meeting.Status.HELD:
            return False
        return super().has_delete_permission(request, obj)
