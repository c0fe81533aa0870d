"""Form helpers shared by every app: Bootstrap classes on widgets, the words of a select's
empty choice, date inputs, and putting a service's validation errors on a form."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.utils.text import capfirst
from django.utils.translation import pgettext_lazy

# Django's and the catalogue's placeholders for "nothing chosen", which read as nothing.
BLANK_LABELS = {"---------", "—", ""}
ALL_LABEL = pgettext_lazy("empty choice", "All")
CHOOSE_LABEL = pgettext_lazy("empty choice", "Choose…")
NONE_LABEL = pgettext_lazy("empty choice", "None")


def label_empty_choice(field: forms.Field, *, filters: bool) -> None:
    """Give a drop-down's empty choice words instead of "---------": "All" (全部) in a
    filter, "Choose…" (请选择…) when a choice is required, "None" (无) when it may be left
    empty. A label the form set itself is kept."""
    if not isinstance(field.widget, forms.Select) or isinstance(
        field.widget, forms.SelectMultiple | forms.RadioSelect
    ):
        return
    label = ALL_LABEL if filters else CHOOSE_LABEL if field.required else NONE_LABEL
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label is not None and str(field.empty_label) in BLANK_LABELS:
            field.empty_label = label
    elif isinstance(field, forms.ChoiceField):
        choices = list(field.choices)
        if choices and choices[0][0] == "" and str(choices[0][1]) in BLANK_LABELS:
            field.choices = [("", label), *choices[1:]]


class BootstrapMixin:
    """Give every widget the Bootstrap class its kind needs, so templates stay plain, and
    every drop-down's empty choice its words (``label_empty_choice``; ``filter_form = True``
    on a list's filter form)."""

    filter_form = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def __getitem__(self, name):
        # At rendering, after the form's own __init__ has set its choices.
        field = self.fields.get(name)
        if field is not None:
            label_empty_choice(field, filters=self.filter_form)
        return super().__getitem__(name)

    def add_error(self, field, error):
        super().add_error(field, error)
        # Mark the fields in error so Bootstrap shows them red (also for errors a service
        # raised after the form was cleaned).
        for name in self._errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                    widget.attrs["aria-invalid"] = "true"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a ``ValidationError`` raised by a service's ``full_clean`` on the form: on the
    field it names when the form has that field, otherwise above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def bad_request(form: forms.BaseForm) -> HttpResponseBadRequest:
    """A 400 naming what was wrong with ``form``, as plain text in the user's language: for
    a download (an export) that has no page to show the form on."""
    lines = [str(message) for errors in form.errors.values() for message in errors]
    return HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")


class NotificationPreferenceForm(BootstrapMixin, forms.Form):
    """How the user wants to be told (``NotificationPreference``)."""

    def __init__(self, *args, **kwargs):
        from .models import NotificationPreference

        super().__init__(*args, **kwargs)
        field = NotificationPreference._meta.get_field
        self.fields["email"] = forms.ChoiceField(
            label=capfirst(field("email").verbose_name),
            choices=NotificationPreference.Email.choices,
            widget=forms.RadioSelect,
        )
        self.fields["language"] = forms.ChoiceField(
            label=capfirst(field("language").verbose_name), choices=field("language").choices
        )
