"""Form helpers shared by every app: Bootstrap classes on widgets, date inputs, and
putting a service's validation errors on a form."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst


class BootstrapMixin:
    """Give every widget the Bootstrap class its kind needs, so templates stay plain."""

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
