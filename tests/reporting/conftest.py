import pytest

from reporting.models import UnitReport

from .helpers import define_figures, open_round


@pytest.fixture
def figures(group, unit, other_unit):
    return define_figures(group, [unit, other_unit])


@pytest.fixture
def round_(clerk, group, figures, liaison, other_liaison):
    return open_round(clerk, group)


@pytest.fixture
def report(round_, unit):
    return UnitReport.objects.get(round=round_, unit=unit)


@pytest.fixture
def other_report(round_, other_unit):
    return UnitReport.objects.get(round=round_, unit=other_unit)
