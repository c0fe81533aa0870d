"""Administrators configure what each department checks. Households, members,
authorisations, requests, checks and findings are confidential and stay out of the admin
site: they are seen only in the office's and the departments' own pages, where every read
of personal data is decided per object and logged."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from assistance.admin_viewonly import ViewOnlyMixin
from members.admin import UnitsWithTheirGroup

from .models import RegistrySnapshot, ReportNumberSeries, UnitConnector, VerificationItem


@admin.register(VerificationItem)
class VerificationItemAdmin(UnitsWithTheirGroup, SimpleHistoryAdmin):
    list_display = [
        "name",
        "code",
        "unit",
        "bears_on_eligibility",
        "has_amount",
        "meaning",
        "order",
        "active",
    ]
    list_filter = ["unit__group", "unit", "active", "bears_on_eligibility", "meaning"]
    list_editable = ["order"]
    list_select_related = ["unit__group"]
    search_fields = ["name", "code", "description", "unit__name", "unit__short_name"]
    autocomplete_fields = ["unit"]
    fields = [
        "name",
        "code",
        "unit",
        "description",
        "bears_on_eligibility",
        "has_amount",
        "meaning",
        "order",
        "active",
    ]


@admin.register(UnitConnector)
class UnitConnectorAdmin(UnitsWithTheirGroup, SimpleHistoryAdmin):
    """Which departments answer from a registry snapshot, and how fresh it must be."""

    list_display = ["unit", "kind", "max_snapshot_age_days"]
    list_filter = ["kind", "unit__group"]
    list_select_related = ["unit__group"]
    search_fields = ["unit__name", "unit__code"]
    autocomplete_fields = ["unit"]


@admin.register(RegistrySnapshot)
class RegistrySnapshotAdmin(ViewOnlyMixin, SimpleHistoryAdmin):
    """Uploads are the departments' own (through their liaison's page); the admin lists
    them with their history and changes nothing."""

    list_display = [
        "unit",
        "taken_on",
        "status",
        "row_count",
        "error_count",
        "is_current",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["status", "is_current", "unit__group"]
    list_select_related = ["unit__group", "uploaded_by"]
    search_fields = ["unit__name"]
    actions = None
    # The file holds full ID numbers and amounts: the admin's file widget would print a
    # raw link to it, so it shows the stored name only; the file itself is downloaded on
    # the unit's uploads page, behind its gateway and logged.
    exclude = ["file"]
    readonly_fields = ["file_name"]

    @admin.display(description=_("file"))
    def file_name(self, obj):
        return obj.file.name


@admin.register(ReportNumberSeries)
class ReportNumberSeriesAdmin(SimpleHistoryAdmin):
    """The prefix of each office's report reference numbers (文号), per year. The numbers
    themselves are given when reports are issued: the last one is shown, not edited."""

    list_display = ["office", "year", "prefix", "last_number"]
    list_filter = ["office"]
    list_select_related = ["office"]
    readonly_fields = ["last_number"]
    fields = ["office", "year", "prefix", "last_number"]

    def has_delete_permission(self, request, obj=None):
        return False
