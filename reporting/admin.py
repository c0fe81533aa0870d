"""Reporting in the admin site: the system administrator defines the figures each unit
reports per programme (what is counted, in what, with which limits). Rounds and reports
move only through the office's and the units' pages (the services)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import FigureDefinition


@admin.register(FigureDefinition)
class FigureDefinitionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "program", "group", "kind", "decimal_places", "order", "active"]
    list_filter = ["group", "kind", "active"]
    list_select_related = ["program", "group"]
    search_fields = ["name", "program__name"]
    autocomplete_fields = ["program"]
    filter_horizontal = ["units"]
