"""Journeys through the office's site in a real browser, in both languages.

Each journey starts in the other language (through the browser's Accept-Language) and
switches with the navbar's language form, the way a user does.

Chinese wording comes from locale/zh_Hans/LC_MESSAGES/django.mo. The checks on translated
text are collected by ``Wording`` so one run lists every missing translation at once; the
msgid each Chinese string depends on is in ``MSGIDS``.
"""

import re

import pytest
from playwright.sync_api import expect

from .helpers import LOGIN_URL, submit_sign_in

pytestmark = pytest.mark.browser

# The browser first asks for the other language, so the switch has something to do.
START_LOCALE = {"zh-hans": "en-US", "en": "zh-CN"}

# Project msgids the Chinese checks depend on (the sign-in error is Django's own).
MSGIDS = {
    "clerk": "Office clerk",
    "liaison": "Unit liaison",
    "units_tab": "Member units",
    "directory": "Directory",
    "unit_count": "%(counter)s unit / %(counter)s units",
    "sign_out": "Sign out",
    "sign_in": "Sign in",
    "bad_password": "(Django) Please enter a correct %(username)s and password. ...",
}
TEXT = {
    "zh-hans": {
        "clerk": "办公室科员",
        "liaison": "单位联络员",
        "units_tab": "成员单位",
        # The home page's directory link reads 单位名录, like the page title 成员单位名录.
        "directory": "名录",
        "unit_count": "个单位",
        "sign_out": "退出",
        "sign_in": "登录",
        "bad_password": "请输入一个正确的",
    },
    "en": {
        "clerk": "Office clerk",
        "liaison": "Unit liaison",
        "units_tab": "Member units",
        "directory": "Directory",
        "unit_count": "unit",
        "sign_out": "Sign out",
        "sign_in": "Sign in",
        "bad_password": "Please enter a correct username and password",
    },
}

GROUP = "huangchuan"
UNITS_URL = f"/groups/{GROUP}/units/"
POLICE = "公安局"
POLICE_DUTY = "负责审核申请低保家庭成员中是否在死亡但户口未注销人员"
SEED_UNITS = 16  # active units in fixtures/huangchuan.json


class Wording:
    """Checks of translated text that do not stop the journey; ``assert_all`` at its end."""

    def __init__(self, lang):
        self.lang = lang
        self.failures = []

    def check(self, locator, key):
        expected = TEXT[self.lang][key]
        actual = " ".join((locator.first.text_content() or "").split())
        if expected not in actual:
            self.failures.append(
                f"[{self.lang}] msgid {MSGIDS[key]!r}: expected {expected!r} in {actual!r}"
            )

    def assert_all(self):
        assert not self.failures, "Untranslated or wrong text:\n" + "\n".join(self.failures)


@pytest.fixture
def browser_locale(lang):
    """Overrides conftest's: the browser first asks for the other language."""
    return START_LOCALE[lang]


@pytest.fixture
def wording(lang):
    return Wording(lang)


def switch_language(page, lang):
    switch = page.get_by_test_id("language-switch")
    switch.locator("select[name=language]").select_option(lang)
    with page.expect_navigation():
        switch.locator("button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def assert_styled(page):
    """Bootstrap is served and applied, not just linked."""
    response = page.request.get("/static/vendor/bootstrap.min.css")
    assert response.status == 200, response.status
    assert "text/css" in response.headers["content-type"]
    assert page.locator("nav.navbar").evaluate("e => getComputedStyle(e).display") == "flex"
    # .bg-primary is Bootstrap's blue, rgb(13, 110, 253); unstyled it would be transparent.
    background = page.locator("header").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(13, 110, 253)", background


def open_sign_in(page, lang):
    """Ask for the home page signed out, land on the sign-in page, switch language there."""
    page.goto("/")
    expect(page).to_have_url(re.compile(re.escape(LOGIN_URL)))
    assert_styled(page)
    switch_language(page, lang)
    expect(page).to_have_url(re.compile(re.escape(LOGIN_URL)))


def count_in(text, number):
    return re.search(rf"(?<!\d){number}(?!\d)", text) is not None


def test_clerk_searches_the_unit_directory(page, register, lang, wording, screenshot):
    open_sign_in(page, lang)
    submit_sign_in(page, "clerk", register["password"])

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    heading = page.get_by_test_id("home-heading")
    expect(heading).to_be_visible()
    wording.check(heading, "clerk")
    expect(page.get_by_test_id("user")).to_have_text("王小明")
    nav_links = page.get_by_test_id("nav").locator("a.nav-link")
    # Home, leading groups, verification requests, households, batch re-verification,
    # meetings, decisions, applications, periodic reports, dashboards, performance, the
    # assistance ledger, monitoring and notifications: no change log, administration, inbox
    # or "my unit" for a clerk.
    expect(nav_links).to_have_count(14)
    for href in [
        "/groups/",
        "/verification/requests/",
        "/verification/households/",
        "/verification/batches/",
        "/meetings/",
        "/meetings/decisions/",
        "/reports/",
        "/ledger/conflicts/",
        "/monitoring/",
    ]:
        expect(page.get_by_test_id("nav").locator(f"a[href='{href}']")).to_have_count(1)
    expect(page.get_by_test_id("nav").locator("a[href='/verification/inbox/']")).to_have_count(0)
    wording.check(page.locator("nav.navbar form[action='/accounts/logout/'] button"), "sign_out")

    directory = page.get_by_test_id("group-summaries").locator(f"a[href='{UNITS_URL}']")
    wording.check(directory, "directory")
    with page.expect_navigation():
        directory.click()
    expect(page).to_have_url(re.compile(re.escape(UNITS_URL) + "$"))
    wording.check(page.locator(f"ul.nav-tabs a.active[href='{UNITS_URL}']"), "units_tab")

    cards = page.get_by_test_id("unit-card")
    expect(cards).to_have_count(SEED_UNITS)
    count = page.get_by_test_id("unit-count")
    initial = count.text_content()
    assert count_in(initial, SEED_UNITS), initial
    police = page.locator("#unit-hc-public-security")
    expect(police.locator(".duty-text")).to_contain_text(POLICE_DUTY)
    expect(police.get_by_test_id("liaison")).to_contain_text("李建国")
    assert page.locator(".unit-card .duty-text").count() >= 10

    search = page.locator("input[name=q]")
    search.fill("公安")
    # Typing CJK text goes through the IME, whose commit ends with a keyup; Playwright
    # inserts such text without key events, so press a key for htmx's keyup trigger.
    search.press("End")
    expect(count).not_to_have_text(initial)
    expect(cards).to_have_count(1)
    assert count_in(count.text_content(), 1), count.text_content()
    wording.check(count, "unit_count")
    expect(cards.first.locator("h2")).to_have_text(POLICE)
    if lang == "en":
        expect(count).to_have_text("1 unit")
    expect(page).to_have_url(re.compile(r"[?&]q=%E5%85%AC%E5%AE%89"))  # hx-push-url
    expect(page.locator("html")).to_have_attribute("lang", lang)

    print(screenshot(page, f"clerk-directory-{lang}"))
    wording.assert_all()


def test_liaison_sees_own_unit_then_directory(page, register, lang, wording, screenshot):
    open_sign_in(page, lang)
    submit_sign_in(page, "liaison", register["password"])

    heading = page.get_by_test_id("home-heading")
    expect(heading).to_contain_text(POLICE)
    wording.check(heading, "liaison")
    expect(page.get_by_test_id("user")).to_have_text("李建国")
    card = page.get_by_test_id("unit-card")
    expect(card).to_have_count(1)
    expect(card.locator("h2")).to_have_text(POLICE)
    expect(card.locator(".duty-text")).to_contain_text(POLICE_DUTY)
    expect(card.get_by_test_id("liaison")).to_contain_text("李建国")
    # "My unit" is in the liaison's navigation.
    expect(
        page.get_by_test_id("nav").locator("a[href='/units/hc-public-security/']")
    ).to_have_count(1)

    # Leading groups → (the only group) → its member-units tab.
    with page.expect_navigation():
        page.get_by_test_id("nav").locator("a[href='/groups/']").click()
    expect(page).to_have_url(re.compile(rf"/groups/{GROUP}/$"))
    expect(page.get_by_test_id("roster")).to_be_visible()
    tab = page.locator(f"ul.nav-tabs a[href='{UNITS_URL}']")
    wording.check(tab, "units_tab")
    with page.expect_navigation():
        tab.click()
    expect(page.get_by_test_id("unit-card")).to_have_count(SEED_UNITS)
    expect(page.locator("#unit-hc-public-security .duty-text")).to_contain_text(POLICE_DUTY)
    expect(page.locator("html")).to_have_attribute("lang", lang)

    print(screenshot(page, f"liaison-directory-{lang}"))
    wording.assert_all()


def test_bad_password_is_refused(page, register, lang, wording, screenshot):
    open_sign_in(page, lang)
    wording.check(page.locator("main h1"), "sign_in")
    submit_sign_in(page, "clerk", "not-the-password")

    error = page.get_by_test_id("login-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(TEXT[lang]["bad_password"])  # Django's own translation
    expect(page).to_have_url(re.compile(re.escape(LOGIN_URL)))
    expect(page.locator("input[name=username]")).to_have_value("clerk")
    expect(page.locator("input[name=password]")).to_have_value("")
    expect(page.get_by_test_id("nav")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", lang)

    print(screenshot(page, f"bad-password-{lang}"))
    wording.assert_all()


def test_sign_out_returns_to_sign_in(page, register, lang, wording, screenshot):
    open_sign_in(page, lang)
    submit_sign_in(page, "clerk", register["password"])
    expect(page.get_by_test_id("nav")).to_be_visible()

    sign_out = page.locator("nav.navbar form[action='/accounts/logout/'] button[type=submit]")
    wording.check(sign_out, "sign_out")
    with page.expect_navigation():
        sign_out.click()
    expect(page).to_have_url(re.compile(re.escape(LOGIN_URL) + "$"))
    expect(page.get_by_test_id("nav")).to_have_count(0)
    expect(page.get_by_test_id("user")).to_have_count(0)
    wording.check(page.locator("main h1"), "sign_in")
    expect(page.locator("html")).to_have_attribute("lang", lang)

    # Signed out for real: the home page sends us back to sign in.
    page.goto("/")
    expect(page).to_have_url(re.compile(re.escape(LOGIN_URL)))

    print(screenshot(page, f"signed-out-{lang}"))
    wording.assert_all()
