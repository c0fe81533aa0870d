"""How the application reads in Chinese: the admin's own title and words, Chinese
punctuation in the catalogue, Beijing time named as such, and icons from the static set."""

import datetime
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone, translation

from assistance.localtime import stamp, zone_name
from assistance.models import AccessLog

PO_PATH = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
TEMPLATES = Path(settings.BASE_DIR) / "templates"

CJK = r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]"
# ASCII punctuation touching Chinese text: "核对: 0 户", "李小测. 所有成员", "公安局 (期限".
ASCII_AFTER_CJK = re.compile(rf"{CJK}\s*(?:[.:;,?!](?:\s|$)|\()|\)\s*{CJK}|[.:;,](?:\s)+{CJK}")
PLACEHOLDERS = re.compile(r"%\([^)]+\)[sd]|\{\{[^}]*\}\}|https?://\S+")


def _zh(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"


# --- The admin in Chinese ---------------------------------------------------------------------


def test_the_admin_carries_the_products_title_and_djangos_words(admin_client):
    _zh(admin_client)
    content = admin_client.get(reverse("admin:index")).content.decode()
    assert "Django 管理" not in content and "Django 站点管理" not in content
    assert "困难群众基本生活保障工作协调机制办公室" in content
    assert "<title>系统管理 | 困难群众基本生活保障工作协调机制办公室</title>" in content
    # Each model's "Change" link reads 修改 (Django's word), not the change log's heading.
    assert ">修改<" in content
    assert "操作类型" not in content


def test_the_admin_title_in_english(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    content = admin_client.get(reverse("admin:index")).content.decode()
    assert "Basic Living Security Coordination Office" in content
    assert "Django administration" not in content
    assert ">Change<" in content


# --- Chinese punctuation --------------------------------------------------------------------


def test_no_chinese_translation_uses_ascii_punctuation_beside_chinese_text():
    offending = []
    for entry in polib.pofile(str(PO_PATH)):
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if ASCII_AFTER_CJK.search(PLACEHOLDERS.sub("X", text)):
                offending.append((entry.msgid, text))
    assert offending == []


@pytest.mark.parametrize(
    "text",
    ["核对: 0 户", "李小测. 所有成员", "公安局 (期限 2026-12-07)", "(期限 2026-12-07). 所有"],
)
def test_the_punctuation_check_catches_the_reported_cases(text):
    assert ASCII_AFTER_CJK.search(text)


@pytest.mark.parametrize("text", ["核对：0 户", "公安局（期限 2026-12-07）。", "v1.2 版本", "A. B"])
def test_the_punctuation_check_leaves_correct_text_alone(text):
    assert not ASCII_AFTER_CJK.search(text)


def test_punctuation_between_translated_pieces_follows_the_language():
    with translation.override("zh-hans"):
        marks = (": ", ", ", ". ", ".", " (", ")")
        pieces = [translation.pgettext("punctuation", p) for p in marks]
        assert pieces == ["：", "，", "。", "。", "（", "）"]
        assert translation.gettext("%(unit)s (due %(deadline)s)") == "%(unit)s（期限 %(deadline)s）"
    with translation.override("en"):
        assert translation.pgettext("punctuation", ": ") == ": "


# --- Beijing time -----------------------------------------------------------------------------


def test_the_office_zone_is_named_beijing_time_not_cst():
    moment = datetime.datetime(2026, 12, 7, 1, 30, tzinfo=datetime.UTC)
    with translation.override("zh-hans"):
        assert zone_name() == "北京时间"
        assert stamp(moment) == "2026-12-07 09:30 北京时间"
    with translation.override("en"):
        assert stamp(moment, seconds=True) == "2026-12-07 09:30:00 Beijing time"


def test_another_zone_is_named_by_its_offset(settings):
    settings.TIME_ZONE = "Asia/Kathmandu"
    with timezone.override("Asia/Kathmandu"):
        assert zone_name() == "UTC+05:45"


@pytest.mark.django_db
def test_the_access_log_shows_beijing_time(client, auditor, liaison, unit):
    AccessLog.objects.create(
        user=liaison,
        content_type=ContentType.objects.get_for_model(unit),
        object_id=unit.pk,
        object_repr="x",
        purpose=AccessLog.Purpose.REVIEW,
        path="/x/",
        at=datetime.datetime(2026, 12, 7, 23, 30, tzinfo=datetime.UTC),
    )
    _zh(client)
    client.force_login(auditor)
    content = client.get(reverse("access_log")).content.decode()
    assert "2026-12-08 07:30" in content  # 23:30 UTC is 07:30 the next morning in Beijing
    assert "2026-12-07 23:30" not in content
    assert "时间均为北京时间。" in content
    assert "UTC" not in content


# --- Icons ------------------------------------------------------------------------------------


def test_icons_come_from_the_static_icon_font_not_emoji():
    stylesheet = Path(finders.find("vendor/bootstrap-icons.min.css")).read_text(encoding="utf-8")
    assert ".bi-paperclip::before" in stylesheet
    assert finders.find("vendor/fonts/bootstrap-icons.woff2")
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert "vendor/bootstrap-icons.min.css" in base
    emoji = re.compile("[\U0001f300-\U0001faff]")
    used = [p.name for p in TEMPLATES.rglob("*.html") if emoji.search(p.read_text("utf-8"))]
    assert used == []
    decision = (TEMPLATES / "meetings" / "decision_detail.html").read_text(encoding="utf-8")
    assert 'class="bi bi-paperclip"' in decision


@pytest.mark.django_db
def test_the_admins_access_log_names_beijing_time(admin_client, liaison, unit):
    AccessLog.objects.create(
        user=liaison,
        content_type=ContentType.objects.get_for_model(unit),
        object_id=unit.pk,
        object_repr="x",
        purpose=AccessLog.Purpose.REVIEW,
        path="/x/",
        at=datetime.datetime(2026, 12, 7, 23, 30, tzinfo=datetime.UTC),
    )
    _zh(admin_client)
    content = admin_client.get(reverse("admin:assistance_accesslog_changelist")).content.decode()
    assert "时间（北京时间）" in content
    assert "UTC" not in content
    assert "2026年12月8日 07:30" in content or "2026-12-08 07:30" in content
