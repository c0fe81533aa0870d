"""Forms of the office's verification pages. They check what a person typed or uploaded;
the rules of the domain (authorisations, states) are the services'."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assistance import uploads
from assistance.forms import BootstrapMixin, DateInput
from assistance.idnumbers import normalize_id_number, validate_id_number
from assistance.models import AccessLog
from members.models import LeadingGroup, MemberUnit

from .models import (
    AssistanceType,
    Authorization,
    DepartmentCheck,
    HouseholdMember,
    VerificationRequest,
    authorization_date_errors,
)
from .register import MemberData
from .selectors import towns_of

# The message of the database constraint, so the form and the database say the same thing.
DUPLICATE_ID_MESSAGE = next(
    c.violation_error_message
    for c in HouseholdMember._meta.constraints
    if c.name == "member_id_unique_in_household"
)


# --- Households and members -------------------------------------------------------------------


class HouseholdForm(BootstrapMixin, forms.Form):
    office = forms.ModelChoiceField(
        label=_("Coordination body"),
        queryset=LeadingGroup.objects.order_by("order", "pk"),
        empty_label=None,
        help_text=_("The leading group or joint meeting whose office verifies the household."),
    )
    address = forms.CharField(label=_("Address"), max_length=200)
    town = forms.CharField(label=_("Town or subdistrict"), max_length=60)
    assistance_type = forms.ChoiceField(label=_("Applies for"), choices=AssistanceType.choices)
    irregular_income = forms.BooleanField(
        label=_("Irregular income"),
        required=False,
        help_text=_(
            "Households with irregular income are re-checked every 6 months, others yearly."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offices = list(self.fields["office"].queryset[:2])
        # With a single coordination body there is nothing to choose.
        if len(offices) == 1:
            self.fields["office"].initial = offices[0]
            self.fields["office"].widget = forms.HiddenInput()


class HouseholdAddressForm(BootstrapMixin, forms.Form):
    """A household's address and town after registration, with the reason for the change
    (kept in the household's history)."""

    town = forms.CharField(label=_("Town or subdistrict"), max_length=60)
    address = forms.CharField(label=_("Address"), max_length=200)
    reason = forms.CharField(
        label=_("Why it changes"),
        max_length=100,
        help_text=_("E.g. the household moved, or the address was mistyped. Kept in the history."),
    )


class MemberForm(BootstrapMixin, forms.Form):
    """One member. On a new member the ID number is required; when editing it may be left
    blank to keep the number on file, so the form never has to show it in full."""

    name = forms.CharField(label=_("Name"), max_length=60)
    relation = forms.ChoiceField(
        label=_("Relation to the applicant"),
        # A blank first choice, so an unused row of the register form stays unchanged.
        choices=[("", "—"), *HouseholdMember.Relation.choices],
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    has_capacity = forms.BooleanField(
        label=_("Has full civil capacity"),
        required=False,
        initial=True,
        help_text=_("Untick for a person without capacity: a guardian signs for them."),
    )

    def __init__(self, *args, member: HouseholdMember | None = None, **kwargs):
        self.member = member
        if member is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": member.name,
                    "relation": member.relation,
                    "has_capacity": member.has_capacity,
                },
            )
        super().__init__(*args, **kwargs)
        if member is not None:
            field = self.fields["id_number"]
            field.required = False
            field.widget.attrs["placeholder"] = member.masked_id
            field.help_text = _(
                "On file: %(masked)s. Leave blank to keep it; type the full number to correct it."
            ) % {"masked": member.masked_id}

    def clean_id_number(self):
        value = normalize_id_number(self.cleaned_data.get("id_number", ""))
        if not value:
            if self.member is not None:
                return self.member.id_number
            raise ValidationError(self.fields["id_number"].error_messages["required"], "required")
        validate_id_number(value)
        return value

    def member_data(self) -> MemberData:
        data = self.cleaned_data
        return MemberData(
            name=data["name"].strip(),
            relation=data["relation"],
            id_number=data["id_number"],
            has_capacity=data["has_capacity"],
        )


class BaseMemberFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = {}
        for form in self.forms:
            if not form.has_changed() or form in self.deleted_forms:
                continue
            number = form.cleaned_data.get("id_number")
            if number in seen:
                form.add_error("id_number", DUPLICATE_ID_MESSAGE)
            seen[number] = form

    def member_data(self) -> list[MemberData]:
        return [form.member_data() for form in self.forms if form.has_changed()]


MemberFormSet = forms.formset_factory(
    MemberForm,
    formset=BaseMemberFormSet,
    extra=4,
    min_num=1,
    validate_min=True,
    max_num=20,
    validate_max=True,
)


def member_formset(data=None, *, prefix="members"):
    """The members of a new household: the first row is the applicant."""
    return MemberFormSet(data, prefix=prefix, initial=[{"relation": "applicant"}])


class RevealForm(BootstrapMixin, forms.Form):
    purpose = forms.ChoiceField(label=_("Why do you need the full numbers?"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = [("", "—")] + list(AccessLog.Purpose.choices)


# --- Authorisations ---------------------------------------------------------------------------

# What a scan may be, judged from its bytes (see ``assistance.uploads``), with the
# messages that speak of a scan rather than of any file.
SCAN_KINDS = (uploads.PDF, uploads.JPEG, uploads.PNG)
scan_validator = uploads.UploadValidator(
    kinds=SCAN_KINDS,
    max_bytes_setting="AUTHORIZATION_SCAN_MAX_BYTES",
    messages=uploads.UploadMessages(
        too_large=_(
            "The scan is %(size)s; at most %(limit)s is accepted. Scan at a lower resolution."
        ),
        wrong_type=_(
            "The file’s content is not a PDF, JPEG or PNG (whatever its name says). "
            "Upload the scan itself."
        ),
    ),
)


class AuthorizationForm(BootstrapMixin, forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput())
    signer = forms.ChoiceField(
        label=_("Signed by"), choices=Authorization.Signer.choices, widget=forms.RadioSelect
    )
    guardian_name = forms.CharField(
        label=_("Guardian's name"),
        max_length=60,
        required=False,
        help_text=_("Required when a guardian signed (for a minor or a person without capacity)."),
    )
    scan = forms.FileField(
        label=_("Scan of the signed authorisation"),
        help_text=_("PDF, JPEG or PNG."),
        widget=forms.FileInput(attrs={"accept": scan_validator.accept()}),
        validators=[scan_validator],
    )

    def __init__(self, *args, member: HouseholdMember, **kwargs):
        self.member = member
        super().__init__(*args, **kwargs)
        self.fields["signer"].widget.attrs["class"] = "form-check-input"
        self.fields["scan"].help_text = _("PDF, JPEG or PNG, at most %(size)s.") % {
            "size": filesizeformat(settings.AUTHORIZATION_SCAN_MAX_BYTES)
        }
        if not self.is_bound:
            self.initial.setdefault("signed_on", timezone.localdate())
            self.initial.setdefault(
                "signer",
                Authorization.Signer.GUARDIAN
                if member.needs_guardian
                else Authorization.Signer.SELF,
            )

    def clean(self):
        data = super().clean()
        for field, message in authorization_date_errors(
            member=self.member, signed_on=data.get("signed_on"), valid_until=data.get("valid_until")
        ).items():
            self.add_error(field, message)
        signer = data.get("signer")
        if signer == Authorization.Signer.GUARDIAN and not data.get("guardian_name", "").strip():
            self.add_error("guardian_name", gettext("Name the guardian who signed."))
        return data


# --- Requests ---------------------------------------------------------------------------------


class RequestForm(BootstrapMixin, forms.Form):
    """Which departments to ask: every unit that provides an item, all ticked by default."""

    assistance_type = forms.ChoiceField(label=_("Verification for"), choices=AssistanceType.choices)
    units = forms.ModelMultipleChoiceField(
        label=_("Departments to ask"),
        queryset=MemberUnit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one department.")},
    )

    def __init__(self, *args, items, household, **kwargs):
        super().__init__(*args, **kwargs)
        unit_ids = {item.unit_id for item in items}
        self.fields["units"].queryset = MemberUnit.objects.filter(pk__in=unit_ids)
        self.fields["assistance_type"].initial = household.assistance_type
        self.fields["units"].initial = sorted(unit_ids)
        # Grouped for the template: each department with the items it checks.
        groups: dict[int, dict] = {}
        for item in items:
            groups.setdefault(item.unit_id, {"unit": item.unit, "items": []})["items"].append(item)
        self.unit_groups = list(groups.values())

    def chosen_unit_ids(self) -> set[int]:
        if self.is_bound:
            return {int(v) for v in self.data.getlist("units") if str(v).isdigit()}
        return set(self.fields["units"].initial)


class ReplyForm(BootstrapMixin, forms.Form):
    reply = forms.CharField(
        label=_("Reply to the department"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args, check: DepartmentCheck, **kwargs):
        kwargs.setdefault("prefix", f"reply-{check.pk}")
        super().__init__(*args, **kwargs)
        self.check = check


# --- Lists ------------------------------------------------------------------------------------


class HouseholdFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or address"), required=False, max_length=60)
    town = forms.CharField(label=_("Town or subdistrict"), required=False, max_length=60)
    assistance_type = forms.ChoiceField(
        label=_("Applies for"),
        required=False,
        choices=[("", _("Any assistance"))] + list(AssistanceType.choices),
    )


class IdSearchForm(BootstrapMixin, forms.Form):
    """Finding a household by a member's full ID number. Sent by POST so the number stays
    out of addresses, browser history and server logs."""

    id_number = forms.CharField(
        label=_("Full ID number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_id_number(self):
        value = normalize_id_number(self.cleaned_data["id_number"])
        validate_id_number(value)
        return value


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status"))] + list(VerificationRequest.Status.choices),
    )
    town = forms.CharField(label=_("Town or subdistrict"), required=False, max_length=60)
    assistance_type = forms.ChoiceField(
        label=_("For"),
        required=False,
        choices=[("", _("Any assistance"))] + list(AssistanceType.choices),
    )
    overdue = forms.BooleanField(label=_("Only with an overdue check"), required=False)


# --- Batches ----------------------------------------------------------------------------------


class BatchForm(BootstrapMixin, forms.Form):
    office = forms.ModelChoiceField(
        label=_("Coordination body"),
        queryset=LeadingGroup.objects.order_by("order", "pk"),
        empty_label=None,
    )
    assistance_type = forms.ChoiceField(
        label=_("Assistance type"),
        required=False,
        choices=[
            ("", _("All assistance types")),
            *[(v, label) for v, label in AssistanceType.choices if v != AssistanceType.RECHECK],
        ],
    )
    town = forms.ChoiceField(label=_("Town or subdistrict"), required=False)
    due_only = forms.BooleanField(
        label=_("Only households due for re-check"),
        required=False,
        initial=True,
        help_text=_(
            "Due: never verified, or last verified more than a year ago (six months for "
            "households with irregular income). Households with a verification under way "
            "are never included."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["office"]
        offices = list(field.queryset)
        self.single_office = len(offices) == 1
        if offices:
            field.initial = offices[0].pk
        if self.single_office:
            # With a single coordination body there is nothing to choose.
            field.widget = forms.HiddenInput()
        # The towns are those of the chosen office (the first one until one is chosen).
        chosen = offices[0] if offices else None
        if self.is_bound:
            value = str(self.data.get("office", ""))
            chosen = next((o for o in offices if str(o.pk) == value), chosen)
        self.towns = towns_of(chosen)
        self.fields["town"].choices = [
            ("", _("All towns")),
            *[(t, t) for t in self.towns],
        ]

    def initial_data(self) -> dict:
        """The values of an unbound form, as ``cleaned_data`` would hold them."""
        office = self.fields["office"].queryset.filter(pk=self.fields["office"].initial).first()
        return {"office": office, "assistance_type": "", "town": "", "due_only": True}
