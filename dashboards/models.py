"""Weekly summaries behind the verification dashboard.

Answer times are counted in working days on the Chinese calendar, which SQL cannot do by
itself; and a dashboard over 700,000 checks must still render at once. So a task
(``dashboards.tasks.summaries_refresh_task``) folds the checks into one row per department
and week, with the answer times as a histogram of whole working days: sums of rows give
exact counts, and the histogram gives the median and the 90th percentile of any period.
The rows are derived data, rebuilt whole on every refresh: no history.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models import LeadingGroup, MemberUnit


class CheckWeek(models.Model):
    """One department's checks of one week (the Monday its request was filed)."""

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("department"), on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        LeadingGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="+"
    )
    week = models.DateField(_("week"))
    received = models.PositiveIntegerField(_("checks received"), default=0)
    answered = models.PositiveIntegerField(_("answered"), default=0)
    answered_on_time = models.PositiveIntegerField(_("answered on time"), default=0)
    answered_automatically = models.PositiveIntegerField(_("answered by a connector"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)
    # {"working days taken": number of checks answered in that many}, keys as strings.
    answer_days = models.JSONField(_("answer times in working days"), default=dict)

    class Meta:
        verbose_name = _("department's week of checks")
        verbose_name_plural = _("departments' weeks of checks")
        constraints = [
            models.UniqueConstraint(fields=["unit", "week"], name="one_check_week_per_unit"),
        ]
        indexes = [models.Index(fields=["group", "week"], name="checkweek_group_week")]

    def __str__(self):
        return f"{self.unit_id} {self.week}"


class RequestWeek(models.Model):
    """One office's requests of one week (the Monday they were submitted): how many were
    completed, and how many of those within the statutory limit (every department's
    deadline)."""

    group = models.ForeignKey(
        LeadingGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="+"
    )
    week = models.DateField(_("week"))
    submitted = models.PositiveIntegerField(_("submitted"), default=0)
    completed = models.PositiveIntegerField(_("completed"), default=0)
    completed_on_time = models.PositiveIntegerField(_("completed within the limit"), default=0)

    class Meta:
        verbose_name = _("office's week of requests")
        verbose_name_plural = _("offices' weeks of requests")
        constraints = [
            models.UniqueConstraint(fields=["group", "week"], name="one_request_week_per_group"),
        ]

    def __str__(self):
        return f"{self.group_id} {self.week}"


class SummaryRefresh(models.Model):
    """When the summaries were last rebuilt, and how long it took."""

    finished_at = models.DateTimeField(_("finished"))
    seconds = models.FloatField(_("seconds taken"))
    checks = models.PositiveIntegerField(_("checks folded"))

    class Meta:
        verbose_name = _("summary refresh")
        verbose_name_plural = _("summary refreshes")
        get_latest_by = "finished_at"

    def __str__(self):
        return f"{self.finished_at:%Y-%m-%d %H:%M} ({self.seconds:.1f} s)"
