"""A verification request from start to finish in a real browser.

The clerk registers a household through the register form, records each member's signed
authorisation with a real file upload, files the request to every department and watches
the departments' statuses; each unit's liaison signs in (in a browser context of their
own), opens the check from the inbox, sees the members' full ID numbers and answers the
grid; the clerk sees the request completed, reads the report (highlighted finding, masked
ID numbers only) and downloads the Word export. A liaison of a unit that was not asked gets
404 on the check.

Delivery of the checks runs in a Celery task after commit: in process here (the autouse
``_tasks_in_process`` fixture), and on_commit fires for real because ``live_server`` uses
a transactional database.

Wording is never spelled out: the expected labels are read from the catalogue in force
(Django's own gettext for the page's language), so the test holds while the Chinese
translation is being written; everything else is checked through data-testids, URLs,
form values, CSS classes and the data.
"""

import re
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import ngettext
from playwright.sync_api import expect

from assistance.idnumbers import mask_id_number
from assistance.models import AccessLog
from assistance.roles import Role
from office.celery import app
from tests.factories import LeadingGroupFactory, LiaisonFactory, MemberUnitFactory, UserFactory
from tests.verification.factories import (
    VerificationItemFactory,
    authorize_all,
    make_id_number,
    register_family,
    years_ago,
)
from tests.verification.helpers import broker_down
from verification import sweeps
from verification.models import (
    Authorization,
    DepartmentCheck,
    Finding,
    Household,
    VerificationRequest,
)

from .helpers import document_text, expect_not_found, follow, label, minimal_pdf, sign_in

pytestmark = pytest.mark.browser

TOWN = "大峪街道"
ADDRESS = "幸福路8号院3号楼502"
# .report-highlight td { background-color: #fce8b2 } in templates/verification/report.html
HIGHLIGHT_BACKGROUND = "rgb(252, 232, 178)"
# The badge class of each check status (templates/verification/partials/check_status.html).
STATUS_CLASS = {
    DepartmentCheck.Status.DELIVERED: "text-bg-primary",
    DepartmentCheck.Status.ANSWERED: "text-bg-success",
}

# The household, as the clerk types it: the applicant and the spouse, both adults.
MEMBERS = [
    {"name": "张建华", "relation": "applicant", "age": 45, "sequence": 311},
    {"name": "刘桂芳", "relation": "spouse", "age": 43, "sequence": 322},
]

# The departments: the police check two items (one that does not bear on eligibility), the
# tax office one with an amount, housing one. A fourth unit checks nothing, so it is never
# asked. Each liaison's answer: {(member index, item code): (details, amount)} for the
# records found; every other cell is "no record".
UNITS = {
    "police": {
        "name": "区公安分局",
        "items": [
            {"code": "j-registration", "name": "户籍登记", "bears_on_eligibility": False},
            {"code": "j-vehicles", "name": "机动车登记"},
        ],
        "found": {
            (1, "j-registration"): ("户籍登记在大峪街道", None),
            (1, "j-vehicles"): ("名下登记小型轿车一辆（京Q·J1234）", None),
        },
    },
    "tax": {
        "name": "区税务局",
        "items": [{"code": "j-income-tax", "name": "个人所得税", "has_amount": True}],
        "found": {(0, "j-income-tax"): ("2024年度工资薪金所得", "36800.50")},
    },
    "housing": {
        "name": "区住房和城乡建设委员会",
        "items": [{"code": "j-property", "name": "不动产登记"}],
        "found": {},
    },
}
BYSTANDER = "区市场监督管理局"


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def journey(transactional_db):
    """A leading group whose three departments check something (and one that does not),
    a clerk, a liaison for every unit and the ID numbers of the household to come."""
    group = LeadingGroupFactory(code="journey", name="测试区困难群众基本生活保障工作领导小组")
    units, liaisons = {}, {}
    for order, (key, spec) in enumerate(UNITS.items(), start=1):
        unit = MemberUnitFactory(group=group, name=spec["name"], code=f"journey-{key}", order=order)
        for item_order, item in enumerate(spec["items"], start=1):
            VerificationItemFactory(unit=unit, order=item_order, **item)
        units[key] = unit
    units["bystander"] = MemberUnitFactory(
        group=group, name=BYSTANDER, code="journey-bystander", order=9
    )
    for key, unit in units.items():
        user = UserFactory(
            username=f"liaison-{key}", first_name=f"{key}联络员", roles=[Role.UNIT_LIAISON]
        )
        LiaisonFactory(user=user, unit=unit, title="科员")
        liaisons[key] = user
    clerk = UserFactory(username="clerk", first_name="王小明", roles=[Role.OFFICE_CLERK])
    today = timezone.localdate()
    members = [
        {**m, "id_number": make_id_number(years_ago(m["age"], today=today), sequence=m["sequence"])}
        for m in MEMBERS
    ]
    return {
        "group": group,
        "units": units,
        "liaisons": liaisons,
        "clerk": clerk,
        "members": members,
        "today": today,
    }


# --- Helpers ----------------------------------------------------------------------------------


def check_row(page, unit):
    return page.get_by_test_id("request-checks").locator("tbody tr").filter(has_text=unit.name)


def expect_status(page, unit, status, lang):
    badge = check_row(page, unit).get_by_test_id("check-status")
    expect(badge).to_have_text(label(lang, DepartmentCheck.Status(status).label))
    expect(badge).to_have_class(re.compile(rf"\b{STATUS_CLASS[status]}\b"))


def expect_progress(page, answered, total, lang):
    text = label(lang, "%(answered)s of %(total)s answered") % {
        "answered": answered,
        "total": total,
    }
    expect(page.get_by_test_id("progress")).to_have_text(text)


def register_household(page, journey):
    follow(page, "[data-testid=nav] a[href='/verification/households/']")
    follow(page, "main a[href='/verification/households/new/']")
    # One coordination body: the office field is hidden and preset.
    expect(page.locator("input[type=hidden][name=office]")).to_have_value(str(journey["group"].pk))
    page.locator("input[name=address]").fill(ADDRESS)
    page.locator("input[name=town]").fill(TOWN)
    page.locator("select[name=assistance_type]").select_option("dibao")
    for index, member in enumerate(journey["members"]):
        prefix = f"members-{index}"
        page.locator(f"input[name={prefix}-name]").fill(member["name"])
        page.locator(f"select[name={prefix}-relation]").select_option(member["relation"])
        page.locator(f"input[name={prefix}-id_number]").fill(member["id_number"])
        expect(page.locator(f"input[name={prefix}-has_capacity]")).to_be_checked()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("form-errors")).to_have_count(0)
    match = re.search(r"/verification/households/(\d+)/$", page.url)
    assert match, page.url
    household = Household.objects.get(pk=int(match.group(1)))
    assert (household.address, household.town) == (ADDRESS, TOWN)
    assert household.assistance_type == "dibao"
    assert household.office == journey["group"]
    stored = list(household.members.order_by("pk").values_list("name", "relation", "id_number"))
    assert stored == [(m["name"], m["relation"], m["id_number"]) for m in journey["members"]]
    # The household page masks the numbers; nobody is covered yet.
    expect(page.get_by_test_id("member-id")).to_have_text(
        [mask_id_number(m["id_number"]) for m in journey["members"]]
    )
    expect(page.get_by_test_id("not-covered")).to_have_count(2)
    expect(page.get_by_test_id("uncovered")).to_be_visible()
    return household


def record_authorizations(page, household, journey, scan_path):
    today = journey["today"]
    for member in household.members.order_by("pk"):
        url = f"/verification/households/{household.pk}/members/{member.pk}/authorizations/new/"
        follow(page, f"[data-testid=members] a[href='{url}']")
        expect(page.locator("input[name=signed_on]")).to_have_value(today.isoformat())
        expect(page.locator("input[name=signer][value=self]")).to_be_checked()
        page.locator("input[name=valid_until]").fill((today + timedelta(days=365)).isoformat())
        page.locator("input[name=scan]").set_input_files(str(scan_path))
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        expect(page.get_by_test_id("field-error")).to_have_count(0)
        expect(page).to_have_url(re.compile(rf"/verification/households/{household.pk}/$"))
    expect(page.get_by_test_id("covered")).to_have_count(2)
    expect(page.get_by_test_id("uncovered")).to_have_count(0)
    authorizations = list(Authorization.objects.filter(member__household=household))
    assert len(authorizations) == 2
    for authorization in authorizations:
        assert authorization.valid_until == today + timedelta(days=365)
        # The scan was stored, and the office streams back exactly what was uploaded.
        response = page.request.get(f"/verification/authorizations/{authorization.pk}/scan/")
        assert response.status == 200, response.status
        assert response.body() == scan_path.read_bytes()


def file_request(page, household, journey, lang):
    asked = [journey["units"][key] for key in UNITS]
    follow(page, f"main a[href='/verification/households/{household.pk}/verify/']")
    expect(page.get_by_test_id("refused")).to_have_count(0)
    expect(page.locator("select[name=assistance_type]")).to_have_value("dibao")
    boxes = page.get_by_test_id("departments").locator("input[name=units]")
    # Every department that checks something is offered, ticked; the bystander is not.
    expect(boxes).to_have_count(len(asked))
    for unit in asked:
        expect(page.locator(f"input[name=units][value='{unit.pk}']")).to_be_checked()
    expect(page.get_by_test_id("departments")).not_to_contain_text(BYSTANDER)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    match = re.search(r"/verification/requests/(\d+)/$", page.url)
    assert match, page.url
    verification_request = VerificationRequest.objects.get(pk=int(match.group(1)))
    assert verification_request.household == household
    # Delivered after commit by the (in-process) task: every check awaits its answer.
    checks = {c.unit_id: c for c in verification_request.checks.all()}
    assert set(checks) == {unit.pk for unit in asked}
    assert {c.status for c in checks.values()} == {DepartmentCheck.Status.DELIVERED}
    assert all(c.delivered_at for c in checks.values())

    expect(page.get_by_test_id("request-status")).to_have_text(
        label(lang, VerificationRequest.Status.SUBMITTED.label)
    )
    expect(page.get_by_test_id("request-checks").locator("tbody tr")).to_have_count(len(asked))
    for unit in asked:
        expect(check_row(page, unit)).to_have_count(1)
        expect_status(page, unit, DepartmentCheck.Status.DELIVERED, lang)
    expect_progress(page, 0, len(asked), lang)
    return verification_request, {key: checks[journey["units"][key].pk] for key in UNITS}


def answer_check(page, journey, key, check, lang):
    """The unit's liaison signs in, opens the check from the inbox and answers it."""
    liaison = journey["liaisons"][key]
    spec = UNITS[key]
    sign_in(page, liaison.username, lang)
    follow(page, "[data-testid=nav] a[href='/verification/inbox/']")
    expect(page.get_by_test_id("open-count")).to_have_text("1")
    row = page.get_by_test_id("open-check")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(TOWN)
    expect(row.get_by_test_id("check-status")).to_have_class(re.compile(r"\btext-bg-primary\b"))
    follow(page, f"[data-testid=open-check] a[href='/verification/checks/{check.pk}/']")

    # The unit's liaison sees the full ID numbers (and the view is logged).
    members = list(check.request.household.members.order_by("pk"))
    expect(page.get_by_test_id("check-members").get_by_test_id("id-number")).to_have_text(
        [m.id_number for m in members]
    )
    expect(page.get_by_test_id("access-logged")).to_be_visible()
    assert AccessLog.objects.filter(user=liaison, purpose=AccessLog.Purpose.VERIFICATION).exists()
    expect(page.get_by_test_id("check-items").locator("li")).to_have_count(len(spec["items"]))

    items = list(check.items.order_by("order", "pk"))
    form = page.get_by_test_id("answer-form")
    expect(form.get_by_test_id("findings-grid").locator("tbody tr")).to_have_count(
        len(members) * len(items)
    )
    for index, member in enumerate(members):
        for item in items:
            cell = f"{member.pk}_{item.pk}"
            found = spec["found"].get((index, item.code))
            result = "record_found" if found else "no_record"
            form.locator(f"input[name=result_{cell}][value={result}]").check()
            if found:
                details, amount = found
                form.locator(f"input[name=details_{cell}]").fill(details)
                if amount is not None:
                    form.locator(f"input[name=amount_{cell}]").fill(amount)
            if item.has_amount and not (found and found[1] is not None):
                expect(form.locator(f"input[name=amount_{cell}]")).to_have_value("")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    # Back on the check: answered, the grid gone, the findings shown.
    expect(page).to_have_url(re.compile(rf"/verification/checks/{check.pk}/$"))
    expect(page.get_by_test_id("form-errors")).to_have_count(0)
    expect(page.get_by_test_id("answer-form")).to_have_count(0)
    expect(page.get_by_test_id("check-summary").get_by_test_id("check-status")).to_have_text(
        label(lang, DepartmentCheck.Status.ANSWERED.label)
    )
    findings = page.get_by_test_id("findings").locator("tbody tr")
    expect(findings).to_have_count(len(members) * len(items))
    bearing = {i.code for i in items if i.bears_on_eligibility}
    expect(page.get_by_test_id("findings").locator("tbody tr.table-warning")).to_have_count(
        sum(code in bearing for _index, code in spec["found"])
    )
    for details, _amount in spec["found"].values():
        expect(page.get_by_test_id("findings")).to_contain_text(details)

    check.refresh_from_db()
    assert check.status == DepartmentCheck.Status.ANSWERED
    assert check.answered_by == liaison
    stored = {
        (f.member_id, f.item.code): (f.result, f.details, f.amount)
        for f in check.findings.select_related("item")
    }
    expected = {}
    for index, member in enumerate(members):
        for item in items:
            found = spec["found"].get((index, item.code))
            if found:
                details, amount = found
                expected[member.pk, item.code] = (
                    Finding.Result.RECORD_FOUND,
                    details,
                    Decimal(amount) if amount else None,
                )
            else:
                expected[member.pk, item.code] = (Finding.Result.NO_RECORD, "", None)
    assert stored == expected


def expect_check_not_found(page, check):
    """The check answers 404, and none of its members' full ID numbers is on the page."""
    id_numbers = [m.id_number for m in check.request.household.members.all()]
    expect_not_found(page, f"/verification/checks/{check.pk}/", *id_numbers)


# --- The journey ------------------------------------------------------------------------------


def test_verification_request_from_household_to_report(
    journey, open_page, lang, tmp_path, screenshot
):
    scan_path = tmp_path / "authorization.pdf"
    scan_path.write_bytes(minimal_pdf())
    units = journey["units"]
    full_ids = [m["id_number"] for m in journey["members"]]

    # 1. The clerk registers the household, records the authorisations, files the request.
    clerk = open_page()
    sign_in(clerk, "clerk", lang)
    household = register_household(clerk, journey)
    record_authorizations(clerk, household, journey, scan_path)
    verification_request, checks = file_request(clerk, household, journey, lang)
    request_url = f"/verification/requests/{verification_request.pk}/"

    # A liaison of a unit that was not asked: nothing in the inbox, 404 on the check.
    bystander = open_page()
    sign_in(bystander, journey["liaisons"]["bystander"].username, lang)
    bystander.goto("/verification/inbox/")
    expect(bystander.get_by_test_id("inbox-empty")).to_be_visible()
    expect_check_not_found(bystander, checks["police"])

    # 2. The police answer in the browser; they cannot open the tax office's check.
    police = open_page()
    answer_check(police, journey, "police", checks["police"], lang)
    expect_check_not_found(police, checks["tax"])

    # 3. The clerk reloads: the police have answered, the others still owe an answer.
    clerk.reload()
    expect(clerk).to_have_url(re.compile(re.escape(request_url) + "$"))
    expect_status(clerk, units["police"], DepartmentCheck.Status.ANSWERED, lang)
    for key in ("tax", "housing"):
        expect_status(clerk, units[key], DepartmentCheck.Status.DELIVERED, lang)
    expect_progress(clerk, 1, 3, lang)
    expect(clerk.get_by_test_id("request-status")).to_have_text(
        label(lang, VerificationRequest.Status.SUBMITTED.label)
    )

    # 4. The other departments answer, each in its own browser.
    for key in ("tax", "housing"):
        answer_check(open_page(), journey, key, checks[key], lang)

    # 5. The request is complete.
    clerk.reload()
    expect(clerk.get_by_test_id("request-status")).to_have_text(
        label(lang, VerificationRequest.Status.COMPLETED.label)
    )
    expect(clerk.get_by_test_id("request-status")).to_have_class(re.compile(r"text-bg-success"))
    for key in UNITS:
        expect_status(clerk, units[key], DepartmentCheck.Status.ANSWERED, lang)
    expect_progress(clerk, 3, 3, lang)
    verification_request.refresh_from_db()
    assert verification_request.status == VerificationRequest.Status.COMPLETED
    for number in full_ids:
        assert number not in clerk.content()

    # 6. The report: every member's findings, the records found that bear on eligibility
    # highlighted, the ID numbers masked only.
    follow(clerk, f"main a[href='{request_url}report/']")
    expect(clerk.locator("html")).to_have_attribute("lang", lang)
    expect(clerk.get_by_test_id("report-pending")).to_have_count(0)
    expect(clerk.get_by_test_id("pending")).to_have_count(0)
    sections = clerk.get_by_test_id("report-member")
    expect(sections).to_have_count(2)
    rows_per_member = sum(len(spec["items"]) for spec in UNITS.values())
    for index, member in enumerate(journey["members"]):
        section = sections.nth(index)
        heading = section.locator("h3")
        expect(heading).to_contain_text(member["name"])
        expect(heading).to_contain_text(mask_id_number(member["id_number"]))
        expect(section.locator("tbody tr")).to_have_count(rows_per_member)
        for spec in UNITS.values():
            for item in spec["items"]:
                row = section.locator("tbody tr").filter(has_text=item["name"])
                expect(row).to_have_count(1)
                expect(row).to_contain_text(spec["name"])
                found = spec["found"].get((index, item["code"]))
                result = Finding.Result.RECORD_FOUND if found else Finding.Result.NO_RECORD
                expect(row.locator("td").nth(2)).to_contain_text(label(lang, result.label))
                highlighted = bool(found) and item.get("bears_on_eligibility", True)
                if highlighted:
                    expect(row).to_have_attribute("data-testid", "highlighted")
                    expect(row).to_have_class(re.compile(r"\breport-highlight\b"))
                    expect(row.locator("td").nth(2)).to_contain_text("★")
                    background = row.locator("td").first.evaluate(
                        "e => getComputedStyle(e).backgroundColor"
                    )
                    assert background == HIGHLIGHT_BACKGROUND, background
                else:
                    expect(row).not_to_have_class(re.compile(r"\breport-highlight\b"))
                    expect(row.locator("td").nth(2)).not_to_contain_text("★")
                if found:
                    details, amount = found
                    expect(row.locator("td").nth(3)).to_have_text(details)
                    if amount:
                        # 36800.50, grouped or not by the language's number format.
                        expect(row.locator("td").nth(4)).to_have_text(
                            re.compile(r"^36[,\s\u00a0]?800\.50$")
                        )
    expect(clerk.get_by_test_id("highlighted")).to_have_count(2)
    expect(clerk.get_by_test_id("report-highlight-count")).to_contain_text("2")
    html = clerk.content()
    for number in full_ids:
        assert number not in html
        assert html.count(mask_id_number(number)) >= 2  # members table and section heading
    print(screenshot(clerk, f"verification-report-{lang}"))

    # The Word export downloads and opens, with the same findings and masked numbers only.
    with clerk.expect_download() as download_info:
        clerk.locator(f"main a[href='{request_url}report.docx']").click()
    download = download_info.value
    assert download.suggested_filename == f"verification-report-{verification_request.pk}.docx"
    path = download.path()
    text = document_text(path)
    for member in journey["members"]:
        assert member["name"] in text
        assert mask_id_number(member["id_number"]) in text
    for spec in UNITS.values():
        for details, _amount in spec["found"].values():
            assert details in text
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            part = archive.read(name)
            for number in full_ids:
                assert number.encode() not in part, f"full ID number in {name}"


def test_a_request_filed_with_the_broker_down_says_so_and_goes_out_later(page, lang, journey):
    """Issue 12, item 7: the queue cannot be reached when the clerk files the request. The
    clerk is told it is saved and will be sent, not that the departments were asked; the
    request's page shows each check waiting to be sent until the sweep sends it."""
    clerk = journey["clerk"]
    household = register_family(actor=clerk, office=journey["group"])
    authorize_all(actor=clerk, household=household)
    asked = [journey["units"][key] for key in UNITS]
    sign_in(page, clerk.username, lang)
    page.goto(f"/verification/households/{household.pk}/verify/")
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        with broker_down(), page.expect_navigation():
            page.locator("main form button[type=submit]").click()
    finally:
        app.conf.task_always_eager = eager
    with translation.override(lang):
        saved = ngettext(
            "Verification request saved. The queue cannot be reached right now: the "
            "check for %(count)d department will be sent as soon as it can be.",
            "Verification request saved. The queue cannot be reached right now: the "
            "checks for %(count)d departments will be sent as soon as it can be.",
            len(asked),
        ) % {"count": len(asked)}
    expect(page.locator("main .alert-warning[role=alert]")).to_have_text(saved)
    expect(page.get_by_test_id("unsent-note")).to_be_visible()
    waiting = page.get_by_test_id("waiting-to-be-sent")
    expect(waiting).to_have_count(len(asked))
    expect(waiting.first).to_have_text(label(lang, "Waiting to be sent"))
    request = VerificationRequest.objects.get(household=household)
    assert set(request.checks.values_list("status", flat=True)) == {DepartmentCheck.Status.QUEUED}

    # The queue is back: the resend sweep sends the checks, and the page says so.
    assert sweeps.checks_resend_undelivered(older_than=timedelta(0)) == len(asked)
    page.reload()
    expect(page.get_by_test_id("waiting-to-be-sent")).to_have_count(0)
    expect(page.get_by_test_id("unsent-note")).to_have_count(0)
    for unit in asked:
        expect_status(page, unit, DepartmentCheck.Status.DELIVERED, lang)
