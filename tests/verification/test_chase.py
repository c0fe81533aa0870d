"""催办 of a verification check: the office presses the unit's liaisons about a check
waiting for their answer, once a day; the check's history and the request page keep it."""

import pytest
from django.urls import reverse
from django.utils import translation

from assistance.models import Chase, Notification
from verification import services
from verification.models import DepartmentCheck
from verification.services import FindingData

pytestmark = pytest.mark.django_db


@pytest.fixture
def check(clerk, authorized_household, items, unit, liaison, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=clerk, household=authorized_household)
    check = DepartmentCheck.objects.get(request=request, unit=unit)
    assert check.status == DepartmentCheck.Status.DELIVERED
    Notification.objects.all().delete()
    return check


def test_the_office_chases_a_waiting_check_once_a_day(
    client, clerk, director, liaison, check, django_capture_on_commit_callbacks
):
    client.force_login(clerk)
    url = reverse("verification:check_chase", kwargs={"pk": check.pk})
    page = client.get(check.request.get_absolute_url(), headers={"accept-language": "zh-hans"})
    assert url in page.content.decode() and "催办" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, headers={"accept-language": "zh-hans"}, follow=True)
    page = response.content.decode()
    assert "已催办" in page and "通知了 1 名联络员" in page
    # This check shows it was chased today; the other department's can still be chased.
    assert page.count('data-testid="chased-today"') == 1
    assert page.count('data-testid="chase-button"') == 1
    told = Notification.objects.get(user=liaison)
    assert told.url == check.get_absolute_url()
    with translation.override("zh-hans"):
        assert told.text.startswith("办公室催办：")
    chase = Chase.objects.get()
    assert (chase.actor, chase.notified, chase.object_id) == (clerk, 1, check.pk)
    latest = check.history.first()
    assert (latest.history_user, latest.history_change_reason) == (clerk, services.CHASED)
    # A second chase the same day, by anyone, is refused with the reason; nothing changes.
    client.force_login(director)
    response = client.post(url, headers={"accept-language": "en"}, follow=True)
    assert "already chased today" in response.content.decode()
    assert Chase.objects.count() == 1
    assert Notification.objects.filter(user=liaison).count() == 1


def test_only_a_check_with_the_department_can_be_chased(clerk, check, liaison):
    findings = [
        FindingData(member.pk, item.pk, "no_record")
        for member in check.request.household.members.all()
        for item in check.items.all()
    ]
    services.check_answer(actor=liaison, check=check, findings=findings)
    with translation.override("en"), pytest.raises(services.WrongState) as refused:
        services.check_chase(actor=clerk, check=check)
    assert "Only a check waiting for the department's answer" in refused.value.message
    assert not Chase.objects.exists()


def test_a_liaison_cannot_chase(liaison, check):
    with pytest.raises(services.VerificationError):
        services.check_chase(actor=liaison, check=check)
    assert not Chase.objects.exists()


def test_a_unit_without_liaison_is_to_be_called(clerk, check, liaison):
    liaison.is_active = False
    liaison.save()
    with translation.override("en"), pytest.raises(services.VerificationError) as refused:
        services.check_chase(actor=clerk, check=check)
    assert "no active liaison" in refused.value.message
    assert not Chase.objects.exists()


def test_the_office_chases_from_the_overdue_list_and_stays_there(
    client, clerk, liaison, check, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    DepartmentCheck.objects.filter(pk=check.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=3), overdue=True
    )
    client.force_login(clerk)
    overdue = reverse("verification:overdue_list")
    url = reverse("verification:check_chase", kwargs={"pk": check.pk})
    assert url in client.get(overdue).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"next": overdue})
    assert response.status_code == 302 and response["Location"] == overdue
    assert Notification.objects.filter(user=liaison).count() == 1
    # Another site as "next" is not followed.
    response = client.post(url, {"next": "https://example.com/"})
    assert response["Location"] == check.request.get_absolute_url()
