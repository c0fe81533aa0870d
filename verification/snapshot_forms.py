from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance.forms import DateInput


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
        if upload.size > settings.SNAPSHOT_MAX_BYTES:
            raise ValidationError(
                _("The file is %(size)s; at most %(limit)s is accepted: split it."),
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.SNAPSHOT_MAX_BYTES),
                },
            )
        if not (upload.name or "").lower().endswith((".csv", ".xlsx")):
            raise ValidationError(_("Upload a .csv or .xlsx file."))
        return upload
