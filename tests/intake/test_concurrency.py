"""Two units closing the last two referrals of an application at the same moment: the
application closes exactly once (one history row, one timeline line, one notice to the
clerk). Decided under row locks (the application's first), which only a real concurrent
database tests, so this runs on PostgreSQL only."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from assistance.models import Notification
from intake import services
from intake.models import Application, Referral
from intake.services import Outcome
from tests.factories import LiaisonFactory, MemberUnitFactory, UserFactory
from tests.intake.conftest import receive, refer

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrent closes need row locks: run with DATABASE_URL set to PostgreSQL "
            "(SQLite serialises every write, so there is no race to test)"
        )


def _close_together(closes):
    """Run each (liaison, referral) close in its own thread, all released at once."""
    barrier = threading.Barrier(len(closes))
    errors = []

    def run(liaison, referral):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=10)
            services.referral_close(
                actor=liaison,
                referral=referral,
                result=Outcome(Referral.Outcome.GRANTED, amount=Decimal("500")),
            )
        except Exception as exc:  # reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=close) for close in closes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a close never finished"
    return errors


def test_the_last_two_closes_at_once_close_the_application_exactly_once(
    clerk, group, unit, other_unit, liaison, other_liaison
):
    third = MemberUnitFactory(group=group, name="区住房城乡建设委", code="test-housing")
    third_liaison = LiaisonFactory(unit=third, user=UserFactory(username="housing-liaison")).user
    liaison_of = {unit: liaison, other_unit: other_liaison, third: third_liaison}

    for _ in range(ROUNDS):
        application = receive(clerk, group, applicant_id_number="", urgent=True)
        referrals = refer(clerk, application, unit, [other_unit, third])
        for referral in referrals:
            services.referral_sign(actor=liaison_of[referral.unit], referral=referral)
        first, *last_two = referrals
        services.referral_close(
            actor=liaison_of[first.unit],
            referral=first,
            result=Outcome(Referral.Outcome.PASSED_ON, passed_to="街道"),
        )

        errors = _close_together([(liaison_of[r.unit], r) for r in last_two])

        assert errors == []
        application.refresh_from_db()
        assert application.status == Application.Status.CLOSED
        assert set(application.referrals.values_list("status", flat=True)) == {"closed"}
        assert application.history.filter(status=Application.Status.CLOSED).count() == 1
        assert application.events.filter(kind="closed", referral__isnull=True).count() == 1
        # The clerk is told once that every referral is closed (nothing else here tells them).
        told = Notification.objects.filter(user=clerk, message__contains=application.number)
        assert told.count() == 1
