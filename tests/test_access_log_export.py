"""The access log as XLSX, for auditors: the page's filters applied, times in Beijing time,
what was seen described masked (no ID number in the file)."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from assistance.models import AccessLog
from tests.export_helpers import workbook_rows

pytestmark = pytest.mark.django_db


def _entry(user, obj, *, action, at):
    return AccessLog.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr="核对 110105********002X",
        purpose=AccessLog.Purpose.VERIFICATION,
        action=action,
        path="/x/",
        at=at,
    )


def test_the_access_log_export_keeps_the_filters(client, auditor, liaison, clerk, unit):
    at = datetime.datetime(2026, 12, 7, 23, 30, tzinfo=datetime.UTC)
    _entry(liaison, unit, action="view", at=at)
    _entry(clerk, unit, action="export", at=at)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    client.force_login(auditor)
    page = client.get(reverse("access_log"), {"action": "export"}).content.decode()
    assert f"{reverse('access_log_xlsx')}?action=export" in page
    rows = workbook_rows(client.get(reverse("access_log_xlsx"), {"action": "export"}))
    assert rows[0][0] == "时间（北京时间）"
    assert len(rows) == 2
    assert rows[1][0] == datetime.datetime(2026, 12, 8, 7, 30)
    assert rows[1][2] == clerk.get_username()
    assert rows[1][3] == "导出"
    assert rows[1][5] == "核对 110105********002X"


def test_the_access_log_export_is_the_auditors_alone(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("access_log_xlsx")).status_code == 404
