"""Forms of the ledger's pages. They check what a person typed; the services decide
whether the change is allowed and raise ``LedgerError`` when it is not."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance.forms import BootstrapMixin, DateInput
from assistance.idnumbers import normalize_id_number, validate_id_number
from members.models import AssistanceProgram
from verification.snapshot_forms import SnapshotForm

from .models import LedgerEntry
from .services import EntryData


class IdNumberField(forms.CharField):
    """A full resident ID number (full-width digits and a lower-case x accepted)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=20, **kwargs)

    def clean(self, value):
        value = normalize_id_number(super().clean(value))
        if value:
            validate_id_number(value)
        return value


class EntryForm(BootstrapMixin, forms.Form):
    """An entry as its unit's liaison enters or corrects it."""

    program = forms.ModelChoiceField(
        label=_("Programme"), queryset=AssistanceProgram.objects.none()
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=12, decimal_places=2, min_value=0.01, required=False
    )
    amount_per = forms.ChoiceField(
        label=_("Amount paid"), choices=LedgerEntry.AmountPer.choices, initial="month"
    )
    service = forms.CharField(label=_("Service"), max_length=300, required=False)
    period_from = forms.DateField(label=_("From"), widget=DateInput())
    period_to = forms.DateField(
        label=_("Until"), required=False, widget=DateInput(), help_text=_("Blank: open.")
    )
    document_number = forms.CharField(label=_("Decision document"), max_length=100, required=False)

    def __init__(self, *args, programs=None, **kwargs):
        # ``programs``: the unit's group's (``selectors.unit_programs``).
        super().__init__(*args, **kwargs)
        if programs is not None:
            self.fields["program"].queryset = programs

    def clean(self):
        data = super().clean()
        nothing = data.get("amount") is None and not (data.get("service") or "").strip()
        if nothing and not self.errors:
            raise ValidationError(_("Give an amount, a service or both."))
        begins, ends = data.get("period_from"), data.get("period_to")
        if begins and ends and ends < begins:
            self.add_error("period_to", _("The period cannot end before it starts."))
        return data

    def entry_data(self) -> EntryData:
        data = self.cleaned_data
        return EntryData(
            program=data["program"],
            period_from=data["period_from"],
            period_to=data.get("period_to"),
            amount=data.get("amount"),
            amount_per=data["amount_per"],
            service=data.get("service", ""),
            document_number=data.get("document_number", ""),
        )

    @classmethod
    def initial_of(cls, entry: LedgerEntry) -> dict:
        return {
            "program": entry.program_id,
            "amount": entry.amount,
            "amount_per": entry.amount_per,
            "service": entry.service,
            "period_from": entry.period_from,
            "period_to": entry.period_to,
            "document_number": entry.document_number,
        }


class NewEntryForm(EntryForm):
    """A new entry names the person by their full ID number (the look-up is logged)."""

    id_number = IdNumberField(
        label=_("ID number of the person assisted"),
        help_text=_("A member of a household registered with your group's office."),
    )
    whole_household = forms.BooleanField(
        label=_("The assistance goes to the household as a whole"), required=False
    )

    field_order = ["id_number", "whole_household"]


class EndForm(BootstrapMixin, forms.Form):
    period_to = forms.DateField(label=_("Last day"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=300)


class EntryFilterForm(BootstrapMixin, forms.Form):
    filter_form = True

    program = forms.ModelChoiceField(
        label=_("Programme"), queryset=AssistanceProgram.objects.none(), required=False
    )
    running = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("yes", _("Running today")), ("no", _("Ended"))],
    )

    def __init__(self, *args, programs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programs is not None:
            self.fields["program"].queryset = programs

    def chosen(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        running = {"yes": True, "no": False}.get(data.get("running") or "")
        return {"program": data.get("program"), "running": running}


class MonthField(forms.DateField):
    """A month (2026-03), as the month input sends it; the first day of it."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if isinstance(day, datetime.date) else day


class ImportForm(BootstrapMixin, forms.Form):
    month = MonthField(label=_("Month"))
    file = forms.FileField(
        label=_("Ledger file (CSV or XLSX)"),
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
        help_text=_("In the template's shape: one row per person and programme of the month."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["month"] = timezone.localdate().replace(day=1)

    # The registry snapshots' own check (size, type, first bytes), refusing at once.
    clean_file = SnapshotForm.clean_file


class FindForm(BootstrapMixin, forms.Form):
    id_number = IdNumberField(label=_("ID number"))
