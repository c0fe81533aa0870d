"""A drop-down's empty choice has words, never "---------": 全部 / All in a list's
filters, 请选择… / Choose… where a choice is required, 无 / None where it may be left
empty."""

import pytest
from django import forms
from django.utils import translation

from assistance.forms import BootstrapMixin
from intake.forms import CloseForm, RerouteForm, ShareForm
from meetings import selectors as meeting_selectors
from meetings.forms import MeetingCreateForm, MeetingForm, PlanForm
from meetings.minutes_forms import FollowupFilterForm
from members.forms import ChangeLogFilterForm
from verification.forms import RevealForm

pytestmark = pytest.mark.django_db


def _html(form) -> str:
    return "".join(str(form[name]) for name in form.fields)


def _forms(group):
    return {
        "followup filters": FollowupFilterForm(
            groups=meeting_selectors.groups(), units=meeting_selectors.followup_units()
        ),
        "change log filters": ChangeLogFilterForm(),
        "plan": PlanForm(),
        "meeting": MeetingForm(group=group),
        "new meeting": MeetingCreateForm(group=group),
        "reveal": RevealForm(),
        "share": ShareForm(office=group),
        "reroute": RerouteForm(office=group),
        "close": CloseForm(),
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_drop_down_shows_dashes(group, unit, language):
    with translation.override(language):
        for name, form in _forms(group).items():
            html = _html(form)
            assert "---------" not in html, name
            assert ">—<" not in html, name


def test_the_words_of_the_empty_choice(group, unit):
    with translation.override("zh-hans"):
        found = _forms(group)
        assert '<option value="" selected>全部协调机构</option>' in _html(found["followup filters"])
        assert '<option value="" selected>全部单位</option>' in _html(found["followup filters"])
        assert '<option value="" selected>请选择…</option>' in _html(found["reveal"])
        assert '<option value="" selected>请选择…</option>' in _html(found["share"])
        assert '<option value="" selected>无</option>' in str(found["meeting"]["convener"])
    with translation.override("en"):
        assert '<option value="" selected>Choose…</option>' in _html(RevealForm())
        assert '<option value="" selected>None</option>' in str(
            MeetingForm(group=group)["convener"]
        )


def test_a_filter_form_says_all():
    class Filters(BootstrapMixin, forms.Form):
        filter_form = True
        kind = forms.ChoiceField(required=False, choices=[("", "---------"), ("a", "A")])

    with translation.override("zh-hans"):
        assert '<option value="" selected>全部</option>' in str(Filters()["kind"])
    with translation.override("en"):
        assert '<option value="" selected>All</option>' in str(Filters()["kind"])
