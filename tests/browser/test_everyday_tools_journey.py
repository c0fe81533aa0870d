"""Issue 12's everyday tools as people see them, in a real browser, in both languages:

* a liaison opens the uploads fragment's address directly and gets the whole, styled page
  (the navigation bar, the form), with the unit's item codes and the templates; the
  template, filled in and uploaded, is imported and the page says how many rows came in;
* a clerk's refused search by ID number keeps what was typed; the clerk changes a
  household's address, and the household's page says it changed, and from what.
"""

import pytest
from django.utils import translation
from django.utils.translation import pgettext
from playwright.sync_api import expect

from tests.verification.factories import VerificationItemFactory, make_id_number, years_ago
from verification import register as register_service
from verification.models import Household, RegistrySnapshot, UnitConnector

from .helpers import label, sign_in

pytestmark = pytest.mark.browser


def test_liaison_opens_the_uploads_directly_and_imports_the_template(
    page, lang, register, tmp_path
):
    police = register["police"]
    VerificationItemFactory(unit=police, code="hc-vehicles", name="机动车")
    UnitConnector.objects.create(unit=police, kind=UnitConnector.Kind.SNAPSHOT)
    sign_in(page, "liaison", lang)

    page.goto("/verification/snapshots/uploads/")
    # The whole page, styled: the navigation bar and Bootstrap's layout, not a bare table.
    expect(page.locator("nav.navbar")).to_be_visible()
    expect(page.get_by_test_id("snapshot-form")).to_be_visible()
    assert page.locator("head link[rel=stylesheet]").count() >= 1
    expect(page.get_by_test_id("snapshot-items")).to_contain_text("hc-vehicles")

    with page.expect_download() as download:
        page.get_by_test_id("template-csv").click()
    template = tmp_path / "template.csv"
    download.value.save_as(template)
    heading = template.read_text(encoding="utf-8-sig").strip()
    with translation.override(lang):
        assert heading.split(",")[0] == pgettext("snapshot column", "ID number")

    owner = make_id_number(years_ago(40))
    filled = tmp_path / "extract.csv"
    filled.write_text(f"{heading}\n{owner},hc-vehicles,小型轿车,\n", encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(filled))
    with page.expect_navigation():
        page.get_by_test_id("snapshot-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("snapshot-imported")).to_contain_text(
        "1 row imported" if lang == "en" else "已导入 1 行"
    )
    assert RegistrySnapshot.objects.get(is_current=True).row_count == 1


def test_clerk_search_keeps_the_typed_number_and_the_address_changes(page, lang, register):
    office = register["police"].group
    household = register_service.household_register(
        actor=register["clerk"],
        office=office,
        address="春申路8号",
        town="春申街道",
        assistance_type="dibao",
        members=[register_service.MemberData("赵大山", "applicant", make_id_number(years_ago(50)))],
    )
    sign_in(page, "clerk", lang)
    page.goto("/verification/households/")
    typed = "41152619800101"
    box = page.get_by_label(label(lang, "Full ID number"))
    box.fill(typed)
    with page.expect_navigation():
        page.get_by_role("button", name=label(lang, "Find")).click()
    expect(page.get_by_test_id("field-error")).to_be_visible()
    expect(page.get_by_label(label(lang, "Full ID number"))).to_have_value(typed)

    page.goto(f"/verification/households/{household.pk}/")
    with page.expect_navigation():
        page.get_by_test_id("household-edit").click()
    page.get_by_label(label(lang, "Town or subdistrict")).fill("弋阳街道")
    page.get_by_label(label(lang, "Address")).fill("跃进路12号")
    page.get_by_label(label(lang, "Why it changes")).fill("家庭搬迁")
    with page.expect_navigation():
        page.get_by_test_id("household-address-form").locator("button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("弋阳街道 跃进路12号")
    expect(page.get_by_test_id("address-changed")).to_contain_text("春申街道 春申路8号")
    household.refresh_from_db()
    assert (household.town, household.address) == ("弋阳街道", "跃进路12号")
    assert Household.history.filter(id=household.pk).count() == 2
