from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Indicator


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    """The indicators each group's units are scored on, and their weights."""

    list_display = ("group", "kind", "weight", "active")
    list_filter = ("group", "active")
