"""Administrators configure what each department checks. Households, members,
authorisations, requests, checks and findings are confidential and stay out of the admin
site: they are seen only in the office's and the departments' own pages, where every read
of personal data is decided per object and logged."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import VerificationItem


@admin.register(VerificationItem)
class VerificationItemAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "code",
        "unit",
        "bears_on_eligibility",
        "has_amount",
        "order",
        "active",
    ]
    list_filter = ["unit__group", "unit", "active", "bears_on_eligibility"]
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
        "order",
        "active",
    ]
