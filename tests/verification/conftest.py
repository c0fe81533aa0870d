"""Fixtures for verification: scans written to a temporary folder, a settable "today",
a small catalogue of items for the two test units, and a registered family."""

import datetime

import pytest

from tests.verification.factories import VerificationItemFactory, authorize_all, register_family


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Authorisation scans are files: keep them out of the project's media folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def today(monkeypatch):
    """Set the office's "today" (``timezone.localdate``) for services, models and the
    working-day count: ``today(datetime.date(2026, 2, 13))``."""
    from django.utils import timezone

    def set_today(day: datetime.date):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        return day

    return set_today


@pytest.fixture
def items(unit, other_unit):
    """What the two test units check: the police two items, the tax office one."""
    return {
        "registration": VerificationItemFactory(
            unit=unit, code="test-registration", name="户籍", bears_on_eligibility=False, order=1
        ),
        "vehicles": VerificationItemFactory(unit=unit, code="test-vehicles", name="车辆", order=2),
        "tax": VerificationItemFactory(
            unit=other_unit, code="test-tax-paid", name="纳税", has_amount=True, order=1
        ),
    }


@pytest.fixture
def household(clerk, group):
    """A family of three (a child of 10 among them) with no authorisations yet."""
    return register_family(actor=clerk, office=group)


@pytest.fixture
def authorized_household(clerk, household):
    authorize_all(actor=clerk, household=household)
    return household
