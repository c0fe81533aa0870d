"""The monitoring's demo loads with the demo data, once: Xicheng's rules raise warnings of
each grade, the red one of the death is given to 天桥街道办事处 (whose demo liaison sees it),
and the households have traceable scores."""

import pytest
from django.core.management import call_command

from monitoring import selectors
from monitoring.models import EarlyWarning, Grade, RuleKind, ScoreContribution

pytestmark = pytest.mark.django_db


def test_the_demo_monitoring(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    warnings = EarlyWarning.objects.filter(rule__office__code="xicheng")
    assert set(warnings.values_list("grade", flat=True)) == {Grade.RED, Grade.ORANGE, Grade.YELLOW}
    kinds = set(warnings.values_list("rule__kind", flat=True))
    assert kinds >= {
        RuleKind.DEATH,
        RuleKind.HOSPITAL_COSTS,
        RuleKind.DISABILITY_NEW,
        RuleKind.UNEMPLOYED,
        RuleKind.SCHOOL_START,
        RuleKind.ELDERLY_ALONE,
    }
    death = warnings.get(rule__kind=RuleKind.DEATH)
    assert death.status == EarlyWarning.Status.ASSIGNED
    assert death.assigned_unit.liaisons.get().user.username == "liaison-xc-tq"
    assert "吴某兰" in death.reason()
    assert ScoreContribution.objects.filter(household__office__code="xicheng").exists()
    first = selectors.office_warnings().first()
    assert first.household.hardship_score.points > 0
    count = warnings.count()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    assert warnings.count() == count
