"""The ledger in the admin site. The system administrator configures the rules between
programmes and the local standard. Entries and imports hold personal data and change only
through the units' and the office's pages (the services): here they are listed read-only,
with their history, for the superuser; no role's group holds their permissions."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from assistance.admin_viewonly import ViewOnlyMixin
from members.admin import UnitsWithTheirGroup

from .models import LedgerEntry, LedgerImport, LocalStandard, ProgramRule


@admin.register(ProgramRule)
class ProgramRuleAdmin(SimpleHistoryAdmin):
    list_display = ["program", "kind", "other", "scope", "active", "note"]
    list_filter = ["active", "kind", "scope", "program__group"]
    list_select_related = ["program", "other"]
    search_fields = ["program__name", "other__name", "note"]
    autocomplete_fields = ["program", "other"]
    fields = ["program", "kind", "other", "scope", "active", "note"]


@admin.register(LocalStandard)
class LocalStandardAdmin(SimpleHistoryAdmin):
    list_display = [
        "office",
        "valid_from",
        "income_per_head_month",
        "property_per_head",
        "document",
    ]
    list_filter = ["office"]
    list_select_related = ["office"]
    date_hierarchy = "valid_from"
    fields = ["office", "valid_from", "income_per_head_month", "property_per_head", "document"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ViewOnlyMixin, UnitsWithTheirGroup, SimpleHistoryAdmin):
    list_display = [
        "program",
        "unit",
        "household_id",
        "amount",
        "amount_per",
        "service",
        "period_from",
        "period_to",
        "source",
    ]
    list_filter = ["source", "program__group", "program"]
    list_select_related = ["program", "unit"]
    date_hierarchy = "period_from"
    search_fields = ["document_number"]
    # The member names a person: the household's and member's numbers only.
    exclude = ["member", "household"]
    readonly_fields = ["household_id", "member_id"]
    actions = None


@admin.register(LedgerImport)
class LedgerImportAdmin(ViewOnlyMixin, SimpleHistoryAdmin):
    list_display = [
        "unit",
        "month",
        "status",
        "row_count",
        "error_count",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["status", "unit__group"]
    list_select_related = ["unit__group", "uploaded_by"]
    search_fields = ["unit__name"]
    actions = None
    # The file holds full ID numbers: its stored name only, downloaded on the unit's page.
    exclude = ["file", "errors"]
    readonly_fields = ["file_name"]

    @admin.display(description=_("file"))
    def file_name(self, obj):
        return obj.file.name
