"""Forms a unit's liaison fills in on a check: the findings grid (one row per member and
item), its correction with a reason, and a question back to the office.

The forms check what was typed; the rules of the answer itself (every member and item
once, a check answered only once) stay in ``services``."""

from dataclasses import dataclass
from functools import cached_property

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Finding, HouseholdMember, VerificationItem
from .services import FindingData

# Simple history keeps a change reason of at most 100 characters; longer ones are cut.
REASON_MAX_LENGTH = 100


@dataclass
class FindingRow:
    """One row of the grid, with its bound fields for the template."""

    member: HouseholdMember
    item: VerificationItem
    result: forms.BoundField
    details: forms.BoundField
    amount: forms.BoundField | None
    first_of_member: bool

    @property
    def errors(self):
        return [
            *self.result.errors,
            *self.details.errors,
            *(self.amount.errors if self.amount is not None else []),
        ]


class FindingsForm(forms.Form):
    """One result per member and item, with details for every record found and an amount
    where the item has one. ``findings`` prefills the grid (for a correction)."""

    def __init__(self, *args, members, items, findings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        self.items = list(items)
        findings = findings or {}
        self._keys = []
        for member in self.members:
            for item in self.items:
                key = f"{member.pk}_{item.pk}"
                self._keys.append((member, item, key))
                current = findings.get((member.pk, item.pk))
                self.fields[f"result_{key}"] = forms.ChoiceField(
                    label=_("Result"),
                    choices=Finding.Result.choices,
                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                    initial=current.result if current else None,
                    error_messages={"required": _("Choose “no record” or “record found”.")},
                )
                self.fields[f"details_{key}"] = forms.CharField(
                    label=_("Details"),
                    required=False,
                    max_length=500,
                    initial=current.details if current else "",
                    widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
                )
                if item.has_amount:
                    self.fields[f"amount_{key}"] = forms.DecimalField(
                        label=_("Amount (yuan)"),
                        required=False,
                        min_value=0,
                        max_digits=14,
                        decimal_places=2,
                        initial=current.amount if current else None,
                        error_messages={"min_value": _("An amount cannot be negative.")},
                        widget=forms.NumberInput(
                            attrs={"class": "form-control form-control-sm", "step": "0.01"}
                        ),
                    )

    @cached_property
    def rows(self) -> list[FindingRow]:
        rows = []
        previous = None
        for member, item, key in self._keys:
            rows.append(
                FindingRow(
                    member=member,
                    item=item,
                    result=self[f"result_{key}"],
                    details=self[f"details_{key}"],
                    amount=self[f"amount_{key}"] if item.has_amount else None,
                    first_of_member=member is not previous,
                )
            )
            previous = member
        return rows

    @property
    def row_error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    def clean(self):
        cleaned = super().clean()
        for _member, _item, key in self._keys:
            result = cleaned.get(f"result_{key}")
            details = (cleaned.get(f"details_{key}") or "").strip()
            amount = cleaned.get(f"amount_{key}")
            if result == Finding.Result.RECORD_FOUND and not details:
                self.add_error(f"details_{key}", _("Describe the record found."))
            if result == Finding.Result.NO_RECORD and amount is not None:
                self.add_error(f"amount_{key}", _("An amount goes with a record found only."))
        return cleaned

    def full_clean(self):
        super().full_clean()
        # Mark the inputs in error for the eye (red) and for screen readers.
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"

    def findings(self) -> list[FindingData]:
        """The grid as the service takes it (only once the form is valid)."""
        data = self.cleaned_data
        return [
            FindingData(
                member_id=member.pk,
                item_id=item.pk,
                result=data[f"result_{key}"],
                details=data.get(f"details_{key}", "").strip(),
                amount=data.get(f"amount_{key}"),
            )
            for member, item, key in self._keys
        ]


class CorrectionForm(FindingsForm):
    """The answered grid, prefilled, with the reason the history keeps."""

    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("Kept in the history of every finding you change."),
        error_messages={"required": _("Give the reason for the correction.")},
    )


class ReturnForm(forms.Form):
    """A question to the office; the check waits until the office replies."""

    question = forms.CharField(
        label=_("Question to the office"),
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
        help_text=_(
            "For example: a member's ID number does not match your registry. The check "
            "comes back to you with the office's reply."
        ),
        error_messages={"required": _("Write the question for the office.")},
    )
