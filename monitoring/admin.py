"""The monitoring in the admin site. The system administrator configures each office's
warning rules (what raises them, their grade, the working days of the on-the-spot check,
the reason they give) and the hardship score's indicators with their weights. Warnings,
evaluations and score points are listed read-only for the superuser (they change only
through the office's pages and the evaluation); no role's group holds their permissions."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from assistance.admin_viewonly import ViewOnlyMixin

from .forms import WarningRuleAdminForm
from .models import EarlyWarning, EvaluationRun, ScoreIndicator, WarningRule


@admin.register(WarningRule)
class WarningRuleAdmin(SimpleHistoryAdmin):
    form = WarningRuleAdminForm
    list_display = ["name", "office", "kind", "grade", "deadline_days", "period", "active"]
    list_filter = ["active", "office", "kind", "grade"]
    list_select_related = ["office"]
    search_fields = ["name", "reason_template"]
    fieldsets = [
        (None, {"fields": ["office", "name", "kind", "grade", "deadline_days", "period"]}),
        (None, {"fields": ["reason_template", "active", "order"]}),
        (
            _("Parameters: blank takes the default of the rule's kind"),
            {
                "fields": [
                    "within_days",
                    "min_amount",
                    "min_age",
                    "share_of_standard",
                    "household_types",
                ]
            },
        ),
    ]


@admin.register(ScoreIndicator)
class ScoreIndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["kind", "office", "weight", "min_age", "active"]
    list_filter = ["active", "office"]
    list_select_related = ["office"]
    fields = ["office", "kind", "weight", "min_age", "active"]


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = [
        "started_at",
        "trigger",
        "started_by",
        "raised",
        "resolved",
        "scored",
        "finished_at",
    ]
    list_filter = ["trigger"]
    list_select_related = ["started_by"]
    actions = None


@admin.register(EarlyWarning)
class EarlyWarningAdmin(ViewOnlyMixin, SimpleHistoryAdmin):
    list_display = [
        "rule",
        "grade",
        "status",
        "household_id",
        "deadline",
        "assigned_unit",
        "raised_at",
    ]
    list_filter = ["status", "grade", "rule__office"]
    list_select_related = ["rule", "assigned_unit"]
    # The member and the evidence name a person: the household's number only.
    exclude = ["member", "household", "evidence_text", "evidence_amount"]
    readonly_fields = ["household_id"]
    actions = None
