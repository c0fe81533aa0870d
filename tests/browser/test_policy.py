"""The Content-Security-Policy in a real browser: what the policy refuses is refused, and
``PolicyWatch`` (which makes every journey fail on a violation) sees it."""

import pytest
from playwright.sync_api import expect

from .conftest import TIMEOUT_MS
from .helpers import LOGIN_URL, PolicyWatch, sign_in

pytestmark = pytest.mark.browser

# A page as an attacker who slipped markup into a field would like it to run: an inline
# script, an event handler and a style attribute, all of which the policy must refuse.
INJECTED = """<!DOCTYPE html><html><head><title>probe</title></head><body>
<p id="target">untouched</p>
<script>document.getElementById("target").textContent = "script ran";</script>
<img src="data:," onload="document.title = 'handler ran'">
<p id="styled" style="color: rgb(255, 0, 0)">styled</p>
</body></html>"""


@pytest.fixture
def watched(browser, live_server):
    """A page of its own with a ``PolicyWatch`` the test reads (not the fixture's, which
    would fail the test on the violations this test provokes on purpose)."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    watch = PolicyWatch(context, live_server.url)
    yield context.new_page(), watch
    context.close()


def test_the_site_policy_refuses_inline_script_handlers_and_styles(watched, live_server):
    page, watch = watched
    # The site's own policy, as the sign-in page sends it, on a page full of inline code.
    policy = page.goto(LOGIN_URL).headers["content-security-policy"]
    page.route(
        f"{live_server.url}/probe/",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": policy},
            body=INJECTED,
        ),
    )
    page.goto("/probe/")

    expect(page.locator("#target")).to_have_text("untouched")
    assert page.title() == "probe"
    assert page.locator("#styled").evaluate("e => getComputedStyle(e).color") != "rgb(255, 0, 0)"
    page.wait_for_timeout(200)  # violation reports are delivered asynchronously
    problems = "\n".join(watch.problems)
    assert "script-src-elem blocked inline" in problems
    assert "script-src-attr blocked inline" in problems
    assert "style-src-attr blocked inline" in problems


def test_a_page_without_the_policy_is_reported(watched, live_server):
    page, watch = watched
    page.route(
        f"{live_server.url}/bare/",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>bare</p>"),
    )
    page.goto("/bare/")

    assert watch.problems == [f"no Content-Security-Policy on 200 {live_server.url}/bare/"]


def test_signing_in_meets_the_policy_everywhere(watched, register):
    page, watch = watched
    sign_in(page, "clerk", "zh-hans")  # the context asks for Chinese
    page.get_by_test_id("nav").locator("a").first.click()
    page.wait_for_load_state()

    assert watch.pages_checked >= 3  # sign-in page, the redirect home, the page after
    assert watch.problems == []


def test_the_admin_site_meets_the_policy(watched, live_server, register):
    """Django's admin (index, every list and every add form) runs under the same policy
    without a violation: its scripts are static files and it has no inline handlers."""
    from django.conf import settings
    from django.test import Client

    from tests.factories import UserFactory

    page, watch = watched
    superuser = UserFactory(username="csp-admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto("/admin/")
    links = page.locator("#content-main a[href$='/'], #content-main a[href$='/add/']")
    urls = sorted({link.get_attribute("href") for link in links.all()})
    for url in urls:
        page.goto(url)

    assert watch.pages_checked >= len(urls) + 1 > 10
    assert watch.problems == []
