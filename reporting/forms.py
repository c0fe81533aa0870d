"""Forms of reporting: opening a round, a unit's values, the XLSX upload and the office's
comment. Values are read by ``figures.parse_value``, as the services and the upload read
them."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance.forms import BootstrapMixin
from assistance.uploads import XLSX, accept_attribute
from members.models import LeadingGroup

from .figures import InvalidValue, format_value, parse_value
from .models import ReportingRound


class RoundForm(BootstrapMixin, forms.Form):
    group = forms.ModelChoiceField(label=_("Group"), queryset=LeadingGroup.objects.all())
    period_kind = forms.ChoiceField(
        label=_("Period"), choices=ReportingRound.PeriodKind.choices, initial="quarter"
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    number = forms.IntegerField(
        label=_("Quarter or month"),
        min_value=1,
        max_value=12,
        help_text=_("The quarter (1–4) or the month (1–12)."),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=100,
        required=False,
        help_text=_("Left empty, it is made from the period."),
    )
    working_days = forms.IntegerField(
        label=_("Working days to report"), min_value=1, max_value=60, initial=10
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


def field_name(definition) -> str:
    return f"figure_{definition.pk}"


class ReportForm(BootstrapMixin, forms.Form):
    """One text field per figure, in the order of the report's figures; blank allowed (a
    draft), checked by the figure's rules."""

    def __init__(self, *args, definitions, values=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = definitions
        values = values or {}
        for definition in definitions:
            self.fields[field_name(definition)] = forms.CharField(
                label=definition.name,
                required=False,
                initial=format_value(definition, values.get(definition.pk)),
                help_text=definition.measure,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control"}),
            )

    def clean(self):
        cleaned = super().clean()
        for definition in self.definitions:
            name = field_name(definition)
            try:
                parse_value(definition, cleaned.get(name))
            except InvalidValue as error:
                self.add_error(name, error.message)
        return cleaned

    def values(self) -> dict:
        """The raw values by figure id, for the services."""
        return {d.pk: self.cleaned_data.get(field_name(d)) for d in self.definitions}

    def rows(self):
        """(definition, bound field) pairs grouped in the template by programme."""
        return [(d, self[field_name(d)]) for d in self.definitions]


class UploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label=_("Filled template (XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": accept_attribute([XLSX])}),
    )


class ReviewForm(BootstrapMixin, forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
