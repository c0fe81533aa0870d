"""Forms of the intake pages. They check what a person typed; the services decide whether
the step is allowed and raise ``IntakeError`` when it is not."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance import uploads
from assistance.forms import BootstrapMixin, DateInput
from assistance.idnumbers import validate_id_number
from meetings.forms import MultipleFileField
from meetings.models import Meeting
from members.models import AssistanceProgram, LeadingGroup, MemberUnit
from verification.models import AssistanceType, HouseholdMember, VerificationRequest

from .models import Application, Referral
from .services import Outcome


class ApplicationFilterForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + list(Application.Status.choices),
    )
    urgent = forms.BooleanField(label=_("Urgent only"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class ApplicationForm(BootstrapMixin, forms.Form):
    """What the office takes down when it receives an application (受理)."""

    office = forms.ModelChoiceField(
        label=_("Coordination body"),
        queryset=LeadingGroup.objects.order_by("order", "pk"),
        empty_label=None,
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Application.Channel.choices)
    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=100)
    applicant_id_number = forms.CharField(
        label=_("Applicant's ID number"),
        max_length=18,
        required=False,
        help_text=_("May be left blank only for an urgent case whose person is not identified."),
    )
    applicant_birth_date = forms.DateField(
        label=_("Applicant's date of birth"), required=False, widget=DateInput()
    )
    phone = forms.CharField(label=_("Telephone"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    town = forms.CharField(label=_("Town or subdistrict"), max_length=100, required=False)
    hardship = forms.CharField(label=_("Hardship"), widget=forms.Textarea(attrs={"rows": 3}))
    requested = forms.CharField(
        label=_("Help requested"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    programs = forms.ModelMultipleChoiceField(
        label=_("Assistance programmes"),
        queryset=AssistanceProgram.objects.order_by("pk"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    urgent = forms.BooleanField(label=_("Urgent hardship"), required=False)
    refusal_reason = forms.CharField(
        label=_("Reason for not accepting"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when the application is not accepted."),
    )

    # Where the applicant's household stands: "" not linked (yet), "new" registered now
    # with the members below, or the pk of a household of the register that the duplicate
    # check found (the service checks that the applicant is one of its members).
    household = forms.CharField(required=False, widget=forms.HiddenInput)
    assistance_type = forms.ChoiceField(
        label=_("The new household applies for"),
        choices=[("", _("Choose…"))] + list(AssistanceType.choices),
        required=False,
    )
    files = MultipleFileField(label=_("Papers handed in"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].validators = [attachment_validator]
        self.fields["files"].help_text = attachment_validator.help_text()
        self.fields["files"].widget.attrs["accept"] = attachment_validator.accept()
        offices = list(self.fields["office"].queryset[:2])
        if len(offices) == 1:
            self.fields["office"].initial = offices[0]
            self.fields["office"].widget = forms.HiddenInput()

    def clean_applicant_id_number(self):
        value = self.cleaned_data["applicant_id_number"].strip()
        if value:
            validate_id_number(value)
        return value

    def clean_household(self):
        value = self.cleaned_data["household"].strip()
        if value in ("", "new") or value.isdigit():
            return value
        raise forms.ValidationError(_("Choose a household of the register or a new one."))

    def registers_household(self) -> bool:
        return self.cleaned_data.get("household") == "new"

    def clean(self):
        data = super().clean()
        if data.get("household") == "new" and not data.get("assistance_type"):
            self.add_error("assistance_type", _("Say what the new household applies for."))
        if not data.get("applicant_id_number") and not data.get("urgent"):
            self.add_error(
                "applicant_id_number",
                _("The ID number is required unless the case is urgent."),
            )
        return data

    def refusing(self) -> bool:
        return self.data.get("step") == "refuse"

    def clean_refusal_reason(self):
        value = self.cleaned_data["refusal_reason"].strip()
        if self.refusing() and not value:
            raise forms.ValidationError(_("Give the reason for not accepting."))
        return value


class MemberRowForm(BootstrapMixin, forms.Form):
    """Another member of a household registered at intake (the applicant is the first)."""

    name = forms.CharField(label=_("Name"), max_length=60)
    relation = forms.ChoiceField(
        label=_("Relation to the applicant"),
        # The blank choice keeps an unused row unchanged, so the formset skips it.
        choices=[("", "—")] + [c for c in HouseholdMember.Relation.choices if c[0] != "applicant"],
    )
    id_number = forms.CharField(label=_("ID number"), max_length=18)

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip()
        validate_id_number(value)
        return value


# Blank rows are ignored; six are enough for nearly every household at a window, and a
# larger one is completed on the household's page in the register.
MemberRows = forms.formset_factory(MemberRowForm, extra=6, max_num=6, absolute_max=12)


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class TextForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(TextForm):
    text = forms.CharField(
        label=_("Answer to the applicant"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ProgressForm(TextForm):
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 3}))


class HelpFirstForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label=_("Help given first"), widget=forms.Textarea(attrs={"rows": 2}))


def _units(office: LeadingGroup):
    return MemberUnit.objects.filter(group=office, active=True).order_by("order", "pk")


class ShareForm(BootstrapMixin, forms.Form):
    """Refer an application: one lead unit, others assisting."""

    lead = forms.ModelChoiceField(label=_("Lead unit"), queryset=MemberUnit.objects.none())
    assisting = forms.ModelMultipleChoiceField(
        label=_("Assisting units"),
        queryset=MemberUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    ask = forms.ChoiceField(label=_("What is asked"), choices=Referral.Ask.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, office: LeadingGroup, suggested=(), **kwargs):
        super().__init__(*args, **kwargs)
        units = _units(office)
        self.fields["lead"].queryset = units
        self.fields["assisting"].queryset = units
        suggested = list(suggested)
        if suggested:
            self.fields["lead"].initial = suggested[0].pk
            self.fields["assisting"].initial = [unit.pk for unit in suggested[1:]]

    def clean(self):
        data = super().clean()
        lead, assisting = data.get("lead"), data.get("assisting") or []
        if lead and lead in assisting:
            self.add_error("assisting", _("The lead unit cannot also assist."))
        return data


class RerouteForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=MemberUnit.objects.none())

    def __init__(self, *args, office: LeadingGroup, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(office)


class LinkVerificationForm(BootstrapMixin, forms.Form):
    """A verification request of the applicant's household, linked to a referral."""

    request = forms.ModelChoiceField(
        label=_("Verification request"), queryset=VerificationRequest.objects.none()
    )

    def __init__(self, *args, requests=None, **kwargs):
        super().__init__(*args, **kwargs)
        if requests is not None:
            self.fields["request"].queryset = requests
        self.fields["request"].label_from_instance = lambda r: (
            _("No. %(number)s of %(date)s (%(status)s)")
            % {
                "number": r.pk,
                "date": timezone.localdate(r.submitted_at).isoformat(),
                "status": r.get_status_display(),
            }
        )


class AgendaForm(BootstrapMixin, forms.Form):
    meeting = forms.ModelChoiceField(label=_("Meeting"), queryset=Meeting.objects.none())

    def __init__(self, *args, office: LeadingGroup, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(
            group=office, status=Meeting.Status.PLANNED
        ).order_by("starts_at", "pk")


class CloseForm(BootstrapMixin, forms.Form):
    """The unit's outcome (办结): granted, refused or passed on."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=Referral.Outcome.choices)
    outcome_program = forms.ModelChoiceField(
        label=_("Programme"), queryset=AssistanceProgram.objects.order_by("pk"), required=False
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    service = forms.CharField(
        label=_("Service provided"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    passed_to = forms.CharField(label=_("Passed on to"), required=False, max_length=200)

    @staticmethod
    def outcome_of(data: dict) -> Outcome:
        """The outcome for ``referral_close`` from the form's cleaned data (the page's and
        the API's alike)."""
        return Outcome(
            outcome=data["outcome"],
            program=data["outcome_program"],
            amount=data["amount"],
            service=data["service"].strip(),
            reason=data["reason"].strip(),
            passed_to=data["passed_to"].strip(),
        )


# What an application may carry, judged from the bytes (``assistance.uploads``).
ATTACHMENT_KINDS = (uploads.PDF, uploads.DOCX, uploads.XLSX, uploads.JPEG, uploads.PNG)
attachment_validator = uploads.UploadValidator(
    kinds=ATTACHMENT_KINDS, max_bytes_setting="INTAKE_ATTACHMENT_MAX_BYTES"
)


class AttachmentForm(BootstrapMixin, forms.Form):
    """One file handed in with an application, checked by its content."""

    file = forms.FileField(label=_("File"), validators=[attachment_validator])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = attachment_validator.help_text()
        self.fields["file"].widget.attrs["accept"] = attachment_validator.accept()
