"""Plain helpers and constants shared by the browser tests (the fixtures are in conftest)."""

import docx
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.signin_helpers import totp_code

# The page languages every journey runs in, and the browser locale that asks for each.
LANGUAGES = ["zh-hans", "en"]
BROWSER_LOCALE = {"zh-hans": "zh-CN", "en": "en-US"}
LOGIN_URL = "/accounts/login/"


def minimal_pdf() -> bytes:
    """A small but well-formed one-page PDF (objects, cross-reference table, trailer)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def label(lang, text):
    """``text`` (a lazy label or a msgid) as the catalogue in force renders it in ``lang``."""
    with translation.override(lang):
        return str(gettext(text) if isinstance(text, str) else text)


def submit_sign_in(page, username, password):
    """Fill the sign-in form on the current page and submit it; where the second step
    follows (the user enrolled an authenticator), give the code too."""
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if "/accounts/second-factor/" in page.url:
        submit_second_factor(page, username)


def submit_second_factor(page, username):
    """On the second sign-in step, enter the code the user's authenticator shows now."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    page.locator("input[name=code]").fill(totp_code(device))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def sign_in(page, username, lang):
    """Sign in through the real form, the page in ``lang`` before and after."""
    page.goto(LOGIN_URL)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    submit_sign_in(page, username, PASSWORD)
    expect(page.get_by_test_id("user")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def follow(page, selector):
    """Click the one element ``selector`` finds and wait for the page that answers."""
    link = page.locator(selector)
    expect(link).to_have_count(1)
    with page.expect_navigation():
        link.click()


def expect_not_found(page, url, *absent):
    """``url`` answers 404 and the page shows none of the texts ``absent``."""
    response = page.goto(url)
    assert response.status == 404, response.status
    for text in absent:
        assert text not in page.content()


def document_text(path) -> str:
    """The text of a Word document: its paragraphs, then its table cells."""
    document = docx.Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


# Reports every securitypolicyviolation event of every document to the test (through a
# binding Playwright installs, which the page's own policy does not govern).
_VIOLATION_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportPolicyViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber} ${event.sample || ""}`
  );
}, true);
"""


class PolicyWatch:
    """Watches one browser context for what the Content-Security-Policy must never meet:

    - a page (a document response from the site) that arrives without the policy header;
    - a policy violation, as the ``securitypolicyviolation`` event reports it or as Chromium
      writes it to the console ("Refused to execute inline script …");
    - an uncaught error in a page's script.

    ``problems`` lists them; the ``open_page`` fixture fails the test when there are any.
    """

    def __init__(self, context, base_url: str):
        self.base_url = base_url
        self.problems: list[str] = []
        self.pages_checked = 0
        context.expose_function("__reportPolicyViolation", self._violation)
        context.add_init_script(_VIOLATION_LISTENER)
        context.on("console", self._console)
        context.on("response", self._response)
        context.on("weberror", self._error)

    def _violation(self, text):
        self.problems.append(f"policy violation: {text}")

    def _console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.problems.append(f"console {message.type}: {text}")

    def _error(self, web_error):
        self.problems.append(f"script error: {web_error.error}")

    def _response(self, response):
        if response.request.resource_type != "document":
            return
        if not response.url.startswith(self.base_url):
            return
        self.pages_checked += 1
        if "content-security-policy" not in response.headers:
            self.problems.append(f"no Content-Security-Policy on {response.status} {response.url}")
