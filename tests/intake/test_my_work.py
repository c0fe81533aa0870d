"""The "my work" home for intake: the clerk's applications to answer and overdue referrals,
the liaison's referrals to sign for or work on."""

import pytest
from django.urls import reverse

from intake.models import Application, Referral

pytestmark = pytest.mark.django_db


def _work(client, user) -> dict:
    client.force_login(user)
    response = client.get(reverse("home"), headers={"accept-language": "zh-hans"})
    assert response.status_code == 200
    return {w.key: (w.count, w.url) for w in response.context["work"]}


def test_the_clerk_sees_applications_to_answer_and_overdue_referrals(client, clerk, referred):
    application, lead, _assist = referred
    work = _work(client, clerk)
    assert work["applications"][0] == 0 and work["referrals-overdue"][0] == 0
    Referral.objects.filter(pk=lead.pk).update(overdue=True)
    Application.objects.filter(pk=application.pk).update(status=Application.Status.CLOSED)
    work = _work(client, clerk)
    assert work["applications"] == (1, reverse("intake:application_list") + "?status=closed")
    assert work["referrals-overdue"] == (1, reverse("intake:application_list") + "?overdue=on")
    listed = client.get(work["applications"][1])
    assert application.number in listed.content.decode()


def test_the_liaison_sees_the_referrals_of_their_unit(client, liaison, other_liaison, referred):
    _application, lead, _assist = referred
    assert _work(client, liaison)["referrals"] == (1, reverse("intake:inbox"))
    assert _work(client, other_liaison)["referrals"][0] == 1  # the assisting unit's
    Referral.objects.filter(pk=lead.pk).update(status=Referral.Status.CLOSED)
    assert _work(client, liaison)["referrals"][0] == 0
