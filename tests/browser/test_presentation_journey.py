"""What an auditor sees of the change log, in each language: a filter whose empty choices
have words, times named as Beijing time, an "XLSX" link that keeps the filters and
downloads a workbook, and icons drawn from the site's own icon font (not an emoji that
renders as an empty box)."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from assistance.roles import Role
from members.services import unit_set_active
from tests.factories import MemberUnitFactory, UserFactory

from .helpers import sign_in

pytestmark = pytest.mark.browser

WORDS = {
    "zh-hans": {"all": "全部记录类型", "zone": "时间均为北京时间。", "heading": "时间（北京时间）"},
    "en": {
        "all": "All records",
        "zone": "Times are in Beijing time.",
        "heading": "When (Beijing time)",
    },
}
FONT_LOADED = """async () => {
    await document.fonts.ready;
    return document.fonts.check("1em bootstrap-icons");
}"""


def test_the_auditor_filters_and_exports_the_change_log(page, lang, register, tmp_path):
    administrator = UserFactory(username="sysadmin", roles=[Role.ADMINISTRATOR])
    auditor = UserFactory(username="auditor", first_name="赵审计", roles=[Role.AUDITOR])
    units = [MemberUnitFactory(group=register["police"].group) for _ in range(3)]
    for unit in units:
        unit_set_active(actor=administrator, unit=unit, active=False)
    words = WORDS[lang]

    sign_in(page, auditor.get_username(), lang)
    page.goto("/register/changes/")
    expect(page.get_by_test_id("times-note")).to_have_text(words["zone"])
    kind = page.locator("select[name=kind]")
    expect(kind.locator("option").first).to_have_text(words["all"])
    expect(page.locator("select[name=user] option").first).not_to_have_text("---------")

    page.locator("select[name=user]").select_option(str(administrator.pk))
    with page.expect_navigation():
        page.locator("[data-testid=change-log-filters] button[type=submit]").click()
    expect(page.get_by_test_id("change-log-row")).to_have_count(3)

    link = page.get_by_test_id("xlsx-link")
    assert f"user={administrator.pk}" in link.get_attribute("href")
    # The link's icon is a glyph of the site's icon font, which the browser has loaded.
    glyph = link.locator("i.bi").evaluate(
        "e => getComputedStyle(e, '::before').getPropertyValue('content')"
    )
    assert glyph not in ("", "none", "normal")
    assert page.evaluate(FONT_LOADED)

    with page.expect_download() as download:
        link.click()
    path = tmp_path / "changes.xlsx"
    download.value.save_as(path)
    sheet = load_workbook(io.BytesIO(path.read_bytes()), read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == words["heading"]
    assert {row[5] for row in rows[1:]} == {unit.name for unit in units}
