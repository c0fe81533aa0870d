"""Browser-test harness: Playwright's sync API driving Debian's Chromium against
pytest-django's live server.

No browser is ever downloaded: Chromium comes from the system (``apt-get install chromium``)
or from ``CHROMIUM_PATH``. One browser per session, a fresh context and page per test.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from assistance.roles import Role
from tests.factories import PASSWORD, LiaisonFactory, UserFactory

from .helpers import BROWSER_LOCALE, LANGUAGES, PolicyWatch

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# As root Chromium needs --no-sandbox; without the background-networking flags it tries to
# reach Google services, and the test machines have no internet.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
VIEWPORT = {"width": 1280, "height": 900}  # wide enough for the expanded navbar (lg)

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_FIXTURE = REPO_ROOT / "fixtures" / "huangchuan.json"


def pytest_collection_modifyitems(config, items):
    """Run the browser tests last.

    Playwright's sync API keeps an asyncio loop marked as running on the main thread for as
    long as the browser lives, and Django then refuses ORM calls from that thread
    (SynchronousOnlyOperation) unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The ``browser``
    fixture sets it for its own lifetime; running the browser tests last keeps the rest of
    the suite outside that window, with Django's guard intact.
    """
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if browser_items:
        others = [item for item in items if not item.get_closest_marker("browser")]
        items[:] = others + browser_items


@pytest.fixture(scope="session")
def chromium_path():
    path = os.environ.get("CHROMIUM_PATH", DEFAULT_CHROMIUM)
    resolved = shutil.which(path)
    if resolved is None:
        pytest.skip(
            f"Chromium not found at {path!r}: install it with `apt-get install chromium` "
            "or point CHROMIUM_PATH at a Chromium/Chrome executable "
            "(never `playwright install`)."
        )
    return resolved


@pytest.fixture(scope="session")
def browser(chromium_path, django_db_setup):
    """One headless Chromium for the whole session.

    Depends on ``django_db_setup`` so the test database is created before Playwright's
    event loop starts and dropped after it stops.
    """
    from playwright.sync_api import expect, sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    # See pytest_collection_modifyitems: the test code itself is synchronous; only
    # Playwright's loop (in a greenlet on this thread) makes Django think otherwise.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(params=LANGUAGES)
def lang(request):
    """The page's language: a test that asks for it runs once in each language."""
    return request.param


@pytest.fixture
def browser_locale(lang):
    """The language the browser asks for (Accept-Language): the page's own by default;
    tests may override it."""
    return BROWSER_LOCALE[lang]


@pytest.fixture
def open_page(browser, live_server, browser_locale):
    """Opens a page in a browser context of its own (its own cookies: one person signed
    in); every context is closed at the end of the test, which then fails if any page it
    loaded lacked the Content-Security-Policy or broke it (``PolicyWatch``)."""
    contexts = []
    watches = []

    def open_():
        context = browser.new_context(
            base_url=live_server.url, locale=browser_locale, viewport=VIEWPORT
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        watches.append(PolicyWatch(context, live_server.url))
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()
    # Every journey doubles as a test of the Content-Security-Policy: each page it loaded
    # carried the header, and nothing on them broke it.
    problems = [problem for watch in watches for problem in watch.problems]
    if problems:
        pytest.fail("Content-Security-Policy:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(open_page):
    """One page, for a test with a single person in the browser."""
    return open_page()


@pytest.fixture
def screenshot(tmp_path):
    """Save the page as ``<tmp_path>/<name>.png`` and return the path."""

    def save(page, name):
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def register(transactional_db):
    """The Huangchuan seed register, an office clerk and the liaison of its 公安局."""
    call_command("loaddata", str(SEED_FIXTURE), verbosity=0)
    from members.models import MemberUnit

    police = MemberUnit.objects.get(code="hc-public-security")
    clerk = UserFactory(username="clerk", first_name="王小明", roles=[Role.OFFICE_CLERK])
    liaison = UserFactory(username="liaison", first_name="李建国", roles=[Role.UNIT_LIAISON])
    LiaisonFactory(user=liaison, unit=police, title="科员")
    return {"clerk": clerk, "liaison": liaison, "police": police, "password": PASSWORD}
