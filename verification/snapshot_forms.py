from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance.forms import DateInput

from .connectors import SnapshotInvalid, snapshot_file_check


class SnapshotForm(forms.Form):
    """An upload of a department's registry extract. The rows are checked by the import
    itself, which names every bad line."""

    taken_on = forms.DateField(
        label=_("Extract date"),
        # ISO date whatever the page's language: what a date input understands.
        widget=DateInput(attrs={"class": "form-control"}),
        help_text=_("The day the registry was read."),
    )
    file = forms.FileField(
        label=_("Registry extract (CSV or XLSX)"),
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx", "class": "form-control"}),
        help_text=_(
            "First row: the column names ID number and item (the item's code or name), "
            "and optionally details and amount."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["taken_on"] = timezone.localdate()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            snapshot_file_check(upload)
        except SnapshotInvalid as refused:
            raise ValidationError([message for _line, message in refused.errors]) from None
        return upload
