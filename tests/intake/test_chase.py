"""催办 of a referral: the office presses the unit's liaisons about a referral still with
them, once a day; the application's timeline records it."""

import pytest
from django.urls import reverse
from django.utils import translation

from assistance.models import Chase, Notification
from intake import services
from intake.models import ApplicationEvent, Referral

pytestmark = pytest.mark.django_db


def test_the_office_chases_a_referral_once_a_day(
    client, clerk, director, liaison, referred, django_capture_on_commit_callbacks
):
    application, lead, _assist = referred
    Notification.objects.all().delete()
    client.force_login(clerk)
    detail = reverse("intake:referral_detail", kwargs={"pk": lead.pk})
    url = reverse("intake:referral_chase", kwargs={"pk": lead.pk})
    assert url in client.get(detail).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, headers={"accept-language": "zh-hans"}, follow=True)
    assert "通知了 1 名联络员" in response.content.decode()
    assert 'data-testid="chased-today"' in response.content.decode()
    told = Notification.objects.get(user=liaison)
    with translation.override("en"):
        assert told.text.startswith(f"The office chases application {application.number}")
    event = application.events.get(kind=ApplicationEvent.Kind.CHASED)
    assert (event.actor, event.referral) == (clerk, lead)
    client.force_login(director)
    response = client.post(url, headers={"accept-language": "zh-hans"}, follow=True)
    assert "今天已催办过" in response.content.decode()
    assert Chase.objects.count() == 1
    assert application.events.filter(kind=ApplicationEvent.Kind.CHASED).count() == 1


def test_a_returned_referral_is_not_chased(clerk, liaison, referred):
    _application, lead, _assist = referred
    services.referral_return(actor=liaison, referral=lead, reason="不属于本单位职责")
    lead.refresh_from_db()
    assert lead.status == Referral.Status.RETURNED
    with translation.override("en"), pytest.raises(services.IntakeError) as refused:
        services.referral_chase(actor=clerk, referral=lead)
    assert "Only a referral still with the unit" in refused.value.message
    assert not Chase.objects.exists()


def test_a_liaison_cannot_chase(client, liaison, referred):
    _application, lead, _assist = referred
    with pytest.raises(services.IntakeError):
        services.referral_chase(actor=liaison, referral=lead)
    client.force_login(liaison)
    response = client.post(reverse("intake:referral_chase", kwargs={"pk": lead.pk}))
    assert response.status_code == 404
    assert not Chase.objects.exists()
