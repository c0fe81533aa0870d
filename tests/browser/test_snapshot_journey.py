"""A department's liaison uploads its registry extract in a real browser: a malformed file
is refused with the numbers of its bad lines and nothing is imported; the corrected file
is imported and becomes the current snapshot. The check runs in a task (in process here,
after the upload's commit). Wording is read from the catalogue in force."""

import pytest
from playwright.sync_api import expect

from tests.verification.factories import VerificationItemFactory, make_id_number, years_ago
from verification.models import RegistryRecord, RegistrySnapshot, UnitConnector

from .helpers import label, sign_in

pytestmark = pytest.mark.browser


def _upload(page, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_test_id("snapshot-form").locator("button[type=submit]").click()


def test_a_liaison_fixes_a_refused_extract_and_imports_it(page, lang, register, tmp_path):
    police = register["police"]
    VerificationItemFactory(unit=police, code="hc-vehicles", name="机动车")
    UnitConnector.objects.create(unit=police, kind=UnitConnector.Kind.SNAPSHOT)
    owner = make_id_number(years_ago(40))
    sign_in(page, "liaison", lang)
    page.goto("/verification/snapshots/")

    # Line 3: a wrong check character; line 4: an item the police do not check.
    broken = owner[:-1] + ("0" if owner[-1] != "0" else "1")
    _upload(
        page,
        tmp_path,
        "extract.csv",
        f"身份证号码,核对事项,详情\n{owner},机动车,小型轿车\n{broken},机动车,\n{owner},宅基地,\n",
    )
    problems = page.get_by_test_id("snapshot-errors")
    expect(problems).to_be_visible()
    expect(problems.locator("tbody tr td:first-child")).to_have_text(["3", "4"])
    expect(page.get_by_test_id("snapshot-status")).to_contain_text(
        label(lang, RegistrySnapshot.Status.REFUSED.label)
    )
    assert not RegistryRecord.objects.exists()

    _upload(page, tmp_path, "extract.csv", f"身份证号码,核对事项,详情\n{owner},机动车,小型轿车\n")
    expect(page.get_by_test_id("snapshot-errors")).to_have_count(0)
    newest = page.get_by_test_id("snapshot-row").first
    expect(newest.get_by_test_id("snapshot-status")).to_have_text(label(lang, "Current"))
    expect(newest.locator("td").nth(1)).to_have_text("1")
    current = RegistrySnapshot.objects.get(is_current=True)
    assert current.records.get().id_number == owner
    assert RegistrySnapshot.objects.filter(status=RegistrySnapshot.Status.REFUSED).count() == 1
