"""The register's forms: the change log's filters."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from assistance.forms import BootstrapMixin, DateInput

from . import changelog


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


class ChangeLogFilterForm(BootstrapMixin, forms.Form):
    """Who changed it, which kind of record, which object, between which days (Beijing
    time), and words in its name."""

    filter_form = True

    q = forms.CharField(label=_("Search"), required=False, max_length=60)
    user = PersonChoiceField(
        label=_("Changed by"), queryset=None, required=False, empty_label=_("All users")
    )
    kind = forms.ChoiceField(label=_("Record"), required=False)
    object = forms.IntegerField(label=_("Object number"), required=False, min_value=1)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = changelog.authors()
        self.fields["kind"].choices = [("", _("All records")), *changelog.kinds()]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise ValidationError(_("The first day comes after the last."))
        return data

    def filters(self) -> changelog.Filters:
        data = self.cleaned_data
        return changelog.Filters(
            user_id=data["user"].pk if data.get("user") else None,
            kind=data.get("kind") or "",
            object_id=data.get("object"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            q=data.get("q") or "",
        )
