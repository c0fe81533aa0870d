"""The monitoring's forms: the office's filters and assignment, the visit's outcome, and
the admin's form of a warning rule (its parameters by kind)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from assistance.forms import BootstrapMixin
from members.models import AssistanceProgram, MemberUnit
from verification.models import AssistanceType

from .models import EarlyWarning, Grade, WarningRule

STATUSES = [("open", _("Open")), ("", _("All")), *EarlyWarning.Status.choices]


class WarningFilterForm(BootstrapMixin, forms.Form):
    filter_form = True

    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, required=False, initial="open")
    grade = forms.TypedChoiceField(
        label=_("Grade"),
        choices=[("", "")] + list(Grade.choices),
        coerce=int,
        empty_value=None,
        required=False,
    )
    rule = forms.ModelChoiceField(
        label=_("Rule"), queryset=WarningRule.objects.none(), required=False
    )
    town = forms.CharField(label=_("Town or subdistrict"), max_length=60, required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, rules=None, **kwargs):
        super().__init__(*args, **kwargs)
        if rules is not None:
            self.fields["rule"].queryset = rules

    def chosen(self) -> dict:
        """The filters to apply: the defaults (open warnings) when the form is invalid."""
        if not self.is_bound or not self.is_valid():
            return {"status": "open"}
        data = self.cleaned_data
        return {
            "status": data["status"],
            "grade": data["grade"],
            "rule": data["rule"],
            "town": data["town"].strip(),
            "overdue": data["overdue"],
        }


class AssignForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Town or unit that visits"), queryset=MemberUnit.objects.none()
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units


class NotNeededForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why no help is needed"), widget=forms.Textarea(attrs={"rows": 3})
    )


class NeededForm(BootstrapMixin, forms.Form):
    """What the visit found, for the application it becomes."""

    hardship = forms.CharField(
        label=_("The household's hardship"), widget=forms.Textarea(attrs={"rows": 3})
    )
    requested = forms.CharField(
        label=_("Help requested"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    programs = forms.ModelMultipleChoiceField(
        label=_("Assistance programmes"),
        queryset=AssistanceProgram.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    phone = forms.CharField(label=_("Telephone"), max_length=40, required=False)
    urgent = forms.BooleanField(label=_("Urgent hardship"), required=False)

    def __init__(self, *args, office=None, **kwargs):
        super().__init__(*args, **kwargs)
        if office is not None:
            self.fields["programs"].queryset = AssistanceProgram.objects.filter(
                group=office
            ).order_by("order", "pk")


class WarningRuleAdminForm(forms.ModelForm):
    """The admin's form: the households' types as boxes to tick; a blank parameter takes
    its kind's default (listed under the form)."""

    household_types = forms.MultipleChoiceField(
        label=_("households that apply for"),
        choices=AssistanceType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a child starting school; none ticked: 低收入, 低保 and 特困."),
    )

    class Meta:
        model = WarningRule
        fields = [
            "office",
            "name",
            "kind",
            "grade",
            "deadline_days",
            "period",
            "reason_template",
            "active",
            "order",
            "within_days",
            "min_amount",
            "min_age",
            "share_of_standard",
            "household_types",
        ]
