"""What a dashboard shows: one group, a period (whole weeks for verification), optionally
one unit. Read from the query string; anything invalid falls back to the defaults, with
the form's message shown."""

import datetime
from dataclasses import dataclass

from django import forms
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance.forms import BootstrapMixin, DateInput
from members.models import LeadingGroup, MemberUnit

from .models import CheckWeek


@dataclass(frozen=True)
class Scope:
    group: LeadingGroup
    start: datetime.date
    end: datetime.date
    unit: MemberUnit | None = None

    def span(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The period as aware datetimes: from the start day's first moment to the end
        day's last."""
        start = timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))
        end = timezone.make_aware(datetime.datetime.combine(self.end, datetime.time.max))
        return start, end


class FilterForm(BootstrapMixin, forms.Form):
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=LeadingGroup.objects.order_by("order", "pk"), required=False
    )
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=MemberUnit.objects.none(), required=False
    )

    def __init__(self, *args, with_unit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].empty_label = None
        if with_unit:
            group = self._group_asked()
            units = MemberUnit.objects.filter(group=group) if group else MemberUnit.objects.none()
            self.fields["unit"].queryset = units.order_by("order", "pk")
            self.fields["unit"].empty_label = _("All units")
        else:
            del self.fields["unit"]

    def _group_asked(self) -> LeadingGroup | None:
        """The group chosen, else the one with the most checks (where the work is), else
        the first."""
        groups = self.fields["group"].queryset
        pk = self.data.get("group")
        found = groups.filter(pk=pk).first() if str(pk or "").isdigit() else None
        if found is None:
            busiest = (
                CheckWeek.objects.values("group")
                .annotate(checks=Sum("received"))
                .order_by("-checks", "group")
                .values_list("group", flat=True)
                .first()
            )
            found = groups.filter(pk=busiest).first() if busiest else None
        return found or groups.first()

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end of the period comes after its start."))
        return data

    def scope_group(self) -> LeadingGroup | None:
        return self._group_asked()

    def scope(self) -> Scope | None:
        """The scope asked for, the defaults filling the gaps; None when no group exists."""
        data = self.cleaned_data if self.is_valid() else {}
        group = data.get("group") or self._group_asked()
        if group is None:
            return None
        # The calendar year by default: the plan of meetings, the quarters and the
        # statutory figures are all counted by year.
        year = timezone.localdate().year
        end = data.get("end") or datetime.date(year, 12, 31)
        start = data.get("start") or datetime.date(end.year, 1, 1)
        return Scope(group=group, start=start, end=end, unit=data.get("unit"))
