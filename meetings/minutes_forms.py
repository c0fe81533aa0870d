"""Forms of the minutes, decision and follow-up pages. They check what a person typed; the
rules (who may do what, in which state) are the services'."""

from django import forms
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance.forms import BootstrapMixin

from .forms import MultipleFileField, attachment_validator
from .models import Decision, OnBehalf
from .services import DecisionData, OnBehalfData

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
    def for_minutes(cls, data=None, *, minutes=None, topics=()):
        """The form of ``minutes``, or for a first draft the text started from the approved
        agenda (``topics``: its items, with their presenting units)."""
        initial = {}
        if minutes is not None:
            initial = {"document_number": minutes.document_number, "text": minutes.text}
        elif topics:
            lines = [_("The meeting heard and discussed the following items:")]
            lines += [
                _("%(number)d. %(title)s (presented by %(unit)s)")
                % {"number": number, "title": item.title, "unit": item.unit.name}
                for number, item in enumerate(topics, start=1)
            ]
            initial = {"text": "\n".join(str(line) for line in lines)}
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

    agenda_item = forms.TypedChoiceField(
        label=_("Agenda item decided"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("The item this decision settles, e.g. a case put on the agenda."),
    )

    def __init__(self, *args, units=(), items=(), topic="", **kwargs):
        super().__init__(*args, **kwargs)
        # The agenda item a suggested row is for (shown with the row).
        self.topic = topic
        choices = list(units)
        self.fields["lead_unit"].choices = [("", "—"), *choices]
        self.fields["cooperating_units"].choices = choices
        self.fields["agenda_item"].choices = [("", "—"), *items]

    def decision_data(self) -> DecisionData:
        data = self.cleaned_data
        return DecisionData(
            text=data["text"].strip(),
            lead_unit_id=data["lead_unit"],
            cooperating_unit_ids=[
                pk for pk in data["cooperating_units"] if pk != data["lead_unit"]
            ],
            working_days=data["working_days"],
            agenda_item_id=data.get("agenda_item"),
        )


class BaseDecisionFormSet(forms.BaseFormSet):
    """The decisions' rows. ``suggested`` rows (one per approved agenda item: its topic and
    presenting unit as the lead unit) come after the decisions on file as *extra* rows: a
    suggested row left without a text is not a decision and is skipped."""

    suggested: list[dict] = []

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        extra_index = index - len(self.initial or ())
        if 0 <= extra_index < len(self.suggested):
            row = self.suggested[extra_index]
            kwargs["initial"] = {"lead_unit": row["lead_unit"], "agenda_item": row["agenda_item"]}
            kwargs["topic"] = row["topic"]
        return kwargs

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


def with_another_row(data, prefix: str = "decisions"):
    """The posted ``data`` asking for one more (empty) decision row, up to the limit: the
    “add a row” button works without JavaScript and without saving."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(data.get(key, 0))
    except ValueError:
        total = 0
    if total < MAX_DECISIONS:
        data[key] = str(total + 1)
        # The new row shows its defaults as an unbound row would (a bound row shows only
        # what was sent), so that saving it untouched leaves it out.
        for name, field in DecisionForm.base_fields.items():
            if field.initial is not None:
                data[f"{prefix}-{total}-{name}"] = str(field.initial)
    return data


def hold_errors(*forms_and_formsets) -> None:
    """Show what was typed without judging it yet (after “add a row”, nothing was saved):
    the forms count as checked, with no errors."""
    for item in forms_and_formsets:
        if isinstance(item, forms.BaseFormSet):
            item._errors, item._non_form_errors = [], item.error_class()
            hold_errors(*item.forms)
        else:
            item._errors = ErrorDict()


def decision_formset(data=None, *, units, decisions=(), topics=(), items=()):
    """The decisions of the minutes: the current ones prefilled (each can be removed),
    and empty rows for new ones; for a first draft, a row per approved agenda item
    (``topics``) with its presenting unit as the lead unit. Each row may name the agenda
    item (of ``items``, the approved agenda) it settles."""
    initial = [
        {
            "text": d.text,
            "lead_unit": d.lead_unit_id,
            "cooperating_units": [u.pk for u in d.cooperating_units.all()],
            "working_days": d.working_days,
            "agenda_item": d.agenda_item_id,
        }
        for d in decisions
    ]
    suggested = (
        []
        if initial
        else [{"lead_unit": t.unit_id, "topic": t.title, "agenda_item": t.pk} for t in topics]
    )
    formset_class = forms.formset_factory(
        DecisionForm,
        formset=BaseDecisionFormSet,
        extra=1 if initial else max(len(suggested), 3),
        can_delete=True,
        max_num=MAX_DECISIONS,
        validate_max=True,
    )
    formset_class.suggested = suggested
    return formset_class(
        data,
        initial=initial,
        prefix="decisions",
        form_kwargs={"units": list(units), "items": [(item.pk, item.title) for item in items]},
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


class OnBehalfForm(RadioMixin, BootstrapMixin, forms.Form):
    """The office records a unit's answer given outside the application: consent (or
    comments) to circulated minutes, or receipt of issued ones (``receipt=True``: no
    answer to give). The units offered are those still waiting for an answer."""

    CONSENT = RespondForm.CONSENT
    COMMENT = RespondForm.COMMENT

    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    answer = forms.ChoiceField(
        label=_("The unit's answer"),
        choices=[(CONSENT, _("Consents")), (COMMENT, _("Has comments"))],
        widget=forms.RadioSelect,
        initial=CONSENT,
    )
    comment = forms.CharField(
        label=_("The unit's comments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    via = forms.ChoiceField(label=_("How the answer came"), choices=OnBehalf.Channel.choices)
    given_by = forms.CharField(
        label=_("Given by"),
        max_length=100,
        help_text=_("Who answered for the unit, with their post, e.g. “张明（办公室主任）”."),
    )
    given_on = forms.DateField(
        label=_("On"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, units=(), receipt: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *units]
        self.fields["given_on"].initial = timezone.localdate
        if receipt:
            del self.fields["answer"]
            del self.fields["comment"]

    def clean_given_on(self):
        day = self.cleaned_data["given_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Give the day the unit answered: today or earlier."))
        return day

    def on_behalf_data(self) -> OnBehalfData:
        data = self.cleaned_data
        return OnBehalfData(via=data["via"], given_by=data["given_by"], given_on=data["given_on"])


class CloseForm(BootstrapMixin, forms.Form):
    """Closing a decision: a reason is required when the lead unit has not reported it
    done (the service says so as well)."""

    reason = forms.CharField(
        label=_("Why close the decision without a report of completion"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Kept on the decision and in its history."),
    )

    def __init__(self, *args, needs_reason: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_reason:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]


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
