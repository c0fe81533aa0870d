"""Forms of the meeting and agenda pages. They check what a person typed or uploaded; who
may do what, and when, is the services' to decide."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance import uploads
from assistance.forms import BootstrapMixin
from assistance.idnumbers import mask_id_number
from members.models import LeadingGroup, MemberUnit
from verification.selectors import households_of

from . import selectors, services
from .models import AgendaItem, Attendance, Meeting

# What an agenda item may carry, judged from the bytes (``assistance.uploads``).
ATTACHMENT_KINDS = (uploads.PDF, uploads.DOCX, uploads.XLSX, uploads.JPEG, uploads.PNG)
attachment_validator = uploads.UploadValidator(
    kinds=ATTACHMENT_KINDS, max_bytes_setting="MEETING_ATTACHMENT_MAX_BYTES"
)
# Files one submission of an item may add.
MAX_ATTACHMENTS_PER_UPLOAD = 10

# The database constraint's message, so the form and the database say the same thing.
NAME_WHO_ATTENDED = next(
    c.violation_error_message
    for c in Attendance._meta.constraints
    if c.name == "attendance_names_who_came"
)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


# --- The meeting list ---------------------------------------------------------------------


class MeetingFilterForm(forms.Form):
    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=selectors.groups(),
        required=False,
        empty_label=_("All groups"),
    )
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, choices=[])
    kind = forms.ChoiceField(
        label=_("Kind of meeting"),
        required=False,
        choices=[("", _("Any kind of meeting")), *Meeting.Kind.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Meeting.Status.choices],
    )

    def __init__(self, *args, years=(), show_group=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("Any year"))] + [(y, str(y)) for y in years]
        if not show_group:
            del self.fields["group"]


# --- Planning and scheduling --------------------------------------------------------------


class PlanForm(BootstrapMixin, forms.Form):
    """The year's meetings from the group's rule."""

    group = forms.ModelChoiceField(label=_("Group"), queryset=selectors.groups(), empty_label=None)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("Where the meetings are usually held; each can be changed later."),
    )
    convener = UserChoiceField(label=_("Convener"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["convener"].queryset = selectors.conveners()
        today = timezone.localdate()
        # From November on, the office is planning the next year.
        self.fields["year"].initial = today.year + 1 if today.month >= 11 else today.year


class MeetingForm(BootstrapMixin, forms.Form):
    """A meeting's time, place, convener and invited units (of ``group``)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeLocalInput())
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    convener = UserChoiceField(label=_("Convener"), queryset=None, required=False)
    invited_units = forms.ModelMultipleChoiceField(
        label=_("Invited units"),
        queryset=MemberUnit.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
    )

    def __init__(self, *args, group: LeadingGroup, meeting: Meeting | None = None, **kwargs):
        self.group = group
        if meeting is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": meeting.title,
                    "starts_at": timezone.localtime(meeting.starts_at),
                    "place": meeting.place,
                    "convener": meeting.convener_id,
                    "invited_units": list(meeting.invited_units.values_list("pk", flat=True)),
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["convener"].queryset = selectors.conveners()
        units = group.units.filter(active=True).order_by("order", "pk")
        if meeting is not None:
            # A unit deactivated since it was invited stays choosable (and ticked).
            units = group.units.filter(pk__in=meeting.invited_units.all()) | units
        self.fields["invited_units"].queryset = units.order_by("order", "pk").distinct()
        if meeting is None and "invited_units" not in self.initial:
            self.initial["invited_units"] = list(
                group.units.filter(active=True, is_member=True).values_list("pk", flat=True)
            )

    def clean_starts_at(self):
        value = self.cleaned_data["starts_at"]
        if value.year < 2000 or value.year > 2100:
            raise ValidationError(_("Give a date between 2000 and 2100."))
        return value


class MeetingCreateForm(MeetingForm):
    """A single meeting: also its group and kind (which do not change afterwards)."""

    # Chosen above the form (which then lists the group's units) and carried in it.
    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=selectors.groups(),
        widget=forms.HiddenInput,
    )
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=Meeting.Kind.choices)
    field_order = ["group", "kind", "title", "starts_at", "place", "convener", "invited_units"]

    def __init__(self, *args, group: LeadingGroup, **kwargs):
        super().__init__(*args, group=group, **kwargs)
        self.fields["group"].initial = group.pk
        self.fields["kind"].initial = Meeting.Kind.REGULAR
        if not self.is_bound and "starts_at" not in self.initial:
            week = timezone.localdate() + datetime.timedelta(days=7)
            self.initial["starts_at"] = datetime.datetime.combine(week, datetime.time(9, 30))

    def clean(self):
        data = super().clean()
        group = data.get("group")
        if group is not None and group.pk != self.group.pk:
            # The units listed are those of the group the page was built for.
            self.add_error(None, _("Load the units of the group you chose, then save."))
        return data


# --- Agenda items -------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked on its own and every refusal is
    reported, naming its file."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_ATTACHMENTS_PER_UPLOAD:
            raise ValidationError(
                _("Attach at most %(count)d files at a time."),
                code="too_many",
                params={"count": MAX_ATTACHMENTS_PER_UPLOAD},
            )
        cleaned, errors = [], []
        for upload in files:
            try:
                cleaned.append(super().clean(upload, initial))
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return cleaned


class HouseholdChoiceField(forms.ModelChoiceField):
    """A household shown as its town and its applicant's masked ID number, never more."""

    def label_from_instance(self, obj):
        return f"{obj.town} · {mask_id_number(obj.applicant_id_number or '')}"


class AgendaItemForm(BootstrapMixin, forms.Form):
    """An agenda item. The office picks the unit (on a new item) and, for a case
    consultation, the household; a liaison gets neither field: their unit is their own and
    they do not browse households."""

    unit = forms.ModelChoiceField(label=_("Submitted by unit"), queryset=MemberUnit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    background = forms.CharField(
        label=_("Background"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000
    )
    proposal = forms.CharField(
        label=_("Proposal"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000
    )
    decision_requested = forms.CharField(
        label=_("Decision requested"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("What the meeting is asked to decide."),
    )
    household = HouseholdChoiceField(
        label=_("Household concerned"),
        queryset=None,  # the meeting's group's households (households_of), set in __init__
        required=False,
        empty_label=_("None"),
        help_text=_("Shown by town and the applicant's masked ID number."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        validators=[attachment_validator],
    )
    remove_attachments = forms.ModelMultipleChoiceField(
        label=_("Remove attachments"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(
        self,
        *args,
        meeting: Meeting,
        office: bool,
        item: AgendaItem | None = None,
        **kwargs,
    ):
        self.meeting, self.item = meeting, item
        if item is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": item.title,
                    "background": item.background,
                    "proposal": item.proposal,
                    "decision_requested": item.decision_requested,
                    "household": item.household_id,
                },
            )
        super().__init__(*args, **kwargs)
        if office and item is None:
            self.fields["unit"].queryset = meeting.invited_units.order_by("order", "pk")
        else:
            del self.fields["unit"]
        if office and meeting.kind == Meeting.Kind.CASE:
            self.fields["household"].queryset = households_of(meeting.group)
        else:
            del self.fields["household"]
        if item is not None and item.attachments.exists():
            self.fields["remove_attachments"].queryset = item.attachments.order_by("pk")
        else:
            del self.fields["remove_attachments"]
        field = self.fields["attachments"]
        field.help_text = attachment_validator.help_text()
        field.widget.attrs["accept"] = attachment_validator.accept()

    def item_data(self) -> services.ItemData:
        data = self.cleaned_data
        if "household" in self.fields:
            household_id = data["household"].pk if data["household"] else None
        else:
            # A liaison's edit keeps the household the office chose.
            household_id = self.item.household_id if self.item else None
        return services.ItemData(
            title=data["title"].strip(),
            background=data["background"].strip(),
            proposal=data["proposal"].strip(),
            decision_requested=data["decision_requested"].strip(),
            household_id=household_id,
        )


class ReviewForm(BootstrapMixin, forms.Form):
    """The office director's verdict on a submitted item."""

    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=[
            (services.Review.ACCEPT, _("Accept")),
            (services.Review.RETURN, _("Return for revision")),
            (services.Review.REJECT, _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comments"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text=_("Required when you return or reject the item."),
    )

    def __init__(self, *args, item: AgendaItem, **kwargs):
        kwargs.setdefault("prefix", f"review-{item.pk}")
        super().__init__(*args, **kwargs)
        self.item = item
        self.fields["verdict"].widget.attrs["class"] = "form-check-input"


# --- Attendance ---------------------------------------------------------------------------


class AttendanceForm(BootstrapMixin, forms.Form):
    unit = forms.IntegerField(widget=forms.HiddenInput)
    presence = forms.ChoiceField(
        label=_("Presence"), choices=Attendance.Presence.choices, widget=forms.RadioSelect
    )
    attendee_name = forms.CharField(label=_("Attendee"), max_length=60, required=False)
    attendee_title = forms.CharField(label=_("Attendee's title"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presence"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        presence = data.get("presence")
        absent = presence in (None, "", Attendance.Presence.ABSENT)
        if not absent and not data.get("attendee_name", "").strip():
            self.add_error("attendee_name", NAME_WHO_ATTENDED)
        return data

    def attendance_data(self) -> services.AttendanceData:
        data = self.cleaned_data
        return services.AttendanceData(
            unit_id=data["unit"],
            presence=data["presence"],
            attendee_name=data["attendee_name"],
            attendee_title=data["attendee_title"],
        )


AttendanceFormSet = forms.formset_factory(AttendanceForm, extra=0, max_num=500)


def attendance_formset(meeting: Meeting, units, data=None):
    """One row per invited unit, filled with what was recorded (present by default). Each
    form carries ``unit_obj`` for the template."""
    recorded = {a.unit_id: a for a in meeting.attendance.all()}
    initial = []
    for unit in units:
        attendance = recorded.get(unit.pk)
        initial.append(
            {
                "unit": unit.pk,
                "presence": attendance.presence if attendance else Attendance.Presence.PRESENT,
                "attendee_name": attendance.attendee_name if attendance else "",
                "attendee_title": attendance.attendee_title if attendance else "",
            }
        )
    formset = AttendanceFormSet(data, initial=initial, prefix="attendance")
    names = {unit.pk: unit for unit in units}
    for form in formset.forms:
        value = str(form["unit"].value() or "")
        form.unit_obj = names.get(int(value)) if value.isdigit() else None
    return formset


class CalendarYearForm(forms.Form):
    """The calendar page's year (this year when not given)."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)

    def year_or(self, default: int) -> int:
        return self.cleaned_data.get("year") or default
