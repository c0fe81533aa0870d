"""Forms of the minutes, decision and follow-up pages. They check what a person typed; the
rules (who may do what, in which state) are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from assistance.forms import BootstrapMixin

from .forms import MultipleFileField, attachment_validator
from .models import Decision
from .services import DecisionData

# How many decisions one set of minutes may carry; more is a sign of a pasted document.
MAX_DECISIONS = 50


class MinutesForm(BootstrapMixin, forms.Form):
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=60,
        required=False,
        help_text=_("As it will be printed, e.g. “第3期” or “〔2026〕1号”."),
    )
    text = forms.CharField(
        label=_("Text of the minutes"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "What the meeting heard and discussed. List the decisions below, one per row: "
            "each gets a lead unit and a deadline."
        ),
    )

    @classmethod
    def for_minutes(cls, data=None, *, minutes=None):
        initial = {}
        if minutes is not None:
            initial = {"document_number": minutes.document_number, "text": minutes.text}
        return cls(data, initial=initial)


class DecisionForm(BootstrapMixin, forms.Form):
    """One decision. The unit choices are given once for the whole formset, so a page of
    ten rows reads the units once."""

    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}))
    lead_unit = forms.TypedChoiceField(label=_("Lead unit"), coerce=int)
    cooperating_units = forms.TypedMultipleChoiceField(
        label=_("Cooperating units"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    working_days = forms.IntegerField(
        label=_("Working days to complete"),
        min_value=1,
        max_value=250,
        initial=20,
        help_text=_("Counted from the day the minutes are issued."),
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(units)
        self.fields["lead_unit"].choices = [("", "—"), *choices]
        self.fields["cooperating_units"].choices = choices

    def decision_data(self) -> DecisionData:
        data = self.cleaned_data
        return DecisionData(
            text=data["text"].strip(),
            lead_unit_id=data["lead_unit"],
            cooperating_unit_ids=[
                pk for pk in data["cooperating_units"] if pk != data["lead_unit"]
            ],
            working_days=data["working_days"],
        )


class BaseDecisionFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def decision_data(self) -> list[DecisionData]:
        """The decisions in order: every row on file that was not removed, and every new
        row that was filled in."""
        rows = []
        for index, form in enumerate(self.forms):
            if self.can_delete and self._should_delete_form(form):
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            rows.append(form.decision_data())
        return rows


def decision_formset(data=None, *, units, decisions=()):
    """The decisions of the minutes: the current ones prefilled (each can be removed),
    and empty rows for new ones."""
    initial = [
        {
            "text": d.text,
            "lead_unit": d.lead_unit_id,
            "cooperating_units": [u.pk for u in d.cooperating_units.all()],
            "working_days": d.working_days,
        }
        for d in decisions
    ]
    formset_class = forms.formset_factory(
        DecisionForm,
        formset=BaseDecisionFormSet,
        extra=1 if initial else 3,
        can_delete=True,
        max_num=MAX_DECISIONS,
        validate_max=True,
    )
    return formset_class(
        data, initial=initial, prefix="decisions", form_kwargs={"units": list(units)}
    )


# --- Actions on the minutes ----------------------------------------------------------------


class RadioMixin:
    """Radio buttons look like radio buttons (the Bootstrap mixin styles them as inputs)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect):
                field.widget.attrs["class"] = "form-check-input"


class ReviewForm(RadioMixin, BootstrapMixin, forms.Form):
    APPROVE = "approve"
    RETURN = "return"

    verdict = forms.ChoiceField(
        label=_("Your review"),
        choices=[
            (APPROVE, _("Approve and circulate to the attending units")),
            (RETURN, _("Return to the office with comments")),
        ],
        widget=forms.RadioSelect,
        initial=APPROVE,
    )
    comment = forms.CharField(
        label=_("Comments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you return the minutes."),
    )


class RespondForm(RadioMixin, BootstrapMixin, forms.Form):
    CONSENT = "consent"
    COMMENT = "comment"

    answer = forms.ChoiceField(
        label=_("Your unit's answer"),
        choices=[(CONSENT, _("We consent")), (COMMENT, _("We have comments"))],
        widget=forms.RadioSelect,
        initial=CONSENT,
    )
    comment = forms.CharField(
        label=_("Comments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say what should change; optional when you consent."),
    )


class ReviseForm(BootstrapMixin, forms.Form):
    comment = forms.CharField(
        label=_("Why the minutes are revised"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The minutes go back to draft; once revised they are circulated again."),
    )


class IssueForm(BootstrapMixin, forms.Form):
    reported_to_government = forms.BooleanField(
        label=_("Reported to the government"),
        required=False,
        initial=True,
        help_text=_("The notices ask that the minutes be reported to the government (抄报)."),
    )


# --- Decisions -----------------------------------------------------------------------------


class DecisionUpdateForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 3}))
    reports_done = forms.BooleanField(
        label=_("Report the decision done"),
        required=False,
        help_text=_("The office then checks the work and closes the decision or sends it back."),
    )

    attachments = MultipleFileField(
        label=_("Attachments"), required=False, validators=[attachment_validator]
    )

    def __init__(self, *args, lead: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not lead:
            # Only the lead unit reports a decision done; the service says so as well.
            del self.fields["reports_done"]
        field = self.fields["attachments"]
        field.help_text = attachment_validator.help_text()
        field.widget.attrs["accept"] = attachment_validator.accept()


class SendBackForm(BootstrapMixin, forms.Form):
    comment = forms.CharField(
        label=_("What is still to be done"), widget=forms.Textarea(attrs={"rows": 2})
    )


class FollowupFilterForm(BootstrapMixin, forms.Form):
    """Filters of the follow-up page. The office filters by group and unit; a liaison's
    page is their own unit's, so those two are not offered."""

    filter_form = True

    group = forms.ModelChoiceField(
        label=_("Group"), queryset=None, required=False, empty_label=_("All groups")
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=None, required=False, empty_label=_("All units")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *Decision.Status.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, groups=None, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if groups is None:
            del self.fields["group"]
        else:
            self.fields["group"].queryset = groups
        if units is None:
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = units
            self.fields["unit"].label_from_instance = lambda unit: (
                f"{unit.group.short_name or unit.group.name} · {unit.name}"
            )
