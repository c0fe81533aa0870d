"""Every URL of the project, as every persona, against objects of every kind.

The URL patterns come from the resolver (as NetBox generates a permission test per view),
so a view added without a line in ``URLS`` fails ``test_every_url_is_declared``. Each line
says who passes the view's gateway and how to build its arguments from the object set
(``tests/security/world.py``, built once per module). For every (URL, persona, method):

* anonymous: sent to the sign-in page (public pages excepted);
* a persona without the right: 404 or 403, and the body holds no full ID number, no
  member's name, no finding's details or amount; a POST changes nothing in the database;
* a persona with the right: neither 404 nor 403 (over-denial fails too), never a 5xx.

So a view that forgets its gateway, and serves everyone, fails for every persona the table
denies. The admin site has its own, smaller check below, and so does the media folder.
"""

import importlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, clear_url_caches, get_resolver, reverse

from assistance.spreadsheets import XLSX_CONTENT_TYPE
from tests.security.world import PDF, PERSONAS, build_world

pytestmark = pytest.mark.django_db

# --- Who is who -------------------------------------------------------------------------------

ALL = frozenset(PERSONAS)
SIGNED_IN = ALL - {"anonymous"}
OFFICE = frozenset({"office_clerk", "office_director"})
# The office and the convener: they see every meeting.
STAFF = OFFICE | {"convener"}
LIAISON = frozenset({"unit_liaison"})  # of the unit whose objects these are
LIAISONS = LIAISON | {"other_unit_liaison"}  # any unit's (pages scoped to one's own unit)
NOBODY = frozenset()
# The office and the auditors read every application and its timeline.
READERS = OFFICE | {"auditor"}

# Personas whose work never needs a household's personal data: no page shows them any,
# whatever the page.
NEVER_PERSONAL = frozenset(
    {"anonymous", "outsider", "administrator", "security_administrator", "auditor"}
)

# The other unit's liaison checks the same households for its own unit, so it sees their
# members on its own work pages, and nowhere else.
OTHER_UNITS_WORK = {"home", "notifications", "verification:inbox"}

GET, POST, BOTH = ("GET",), ("POST",), ("GET", "POST")
DELETE = ("DELETE",)  # the API's; a GET is also tried, and refused


def no_args(w):
    return {}


@dataclass(frozen=True)
class Case:
    """One way to call a URL: who may, with which arguments, by which methods."""

    allowed: frozenset
    kwargs: Callable = no_args
    methods: tuple = GET
    variant: str = ""
    public: bool = False  # reachable without signing in
    data: Callable = lambda w: {}  # what a POST sends
    full_ids: frozenset = frozenset()  # who sees full ID numbers here (lists show them masked)
    # The API for the departments' systems: a session opens nothing, everyone without a
    # client token gets 401 (tests/api/ test the tokens).
    token_only: bool = False


def pk(attr):
    return lambda w: {"pk": getattr(w, attr).pk}


def _pdf():
    return SimpleUploadedFile("补充材料.pdf", PDF, content_type="application/pdf")


def household_member(w):
    return {"pk": w.household.pk, "member_pk": w.member.pk}


def answer_grid(w):
    """A full answer of the police check, as the liaison's page posts it."""
    data = {}
    for member in w.household.members.order_by("pk"):
        for item in w.check.items.all():
            data[f"result_{member.pk}_{item.pk}"] = "no_record"
            data[f"details_{member.pk}_{item.pk}"] = ""
    return {**data, "reason": "复核更正", "question": "请补充身份证明"}


def api_referral(w):
    return {"referral_id": w.referral.pk}


def api_referral_step(data=lambda w: {}):
    """A step of the API on the world's referral: no session opens it (401 for everyone)."""
    return [Case(ALL, api_referral, POST, public=True, data=data, token_only=True)]


# Per URL name, the ways to call it. Sets of personas: who passes the gateway.
URLS: dict[str, list[Case]] = {
    # --- The project shell
    "home": [Case(SIGNED_IN)],
    "login": [Case(ALL, methods=BOTH, public=True)],
    "logout": [Case(SIGNED_IN, methods=POST)],
    "set_language": [
        Case(ALL, methods=BOTH, public=True, data=lambda w: {"language": "en", "next": "/"})
    ],
    "notifications": [Case(SIGNED_IN, methods=BOTH)],
    # Each user's own preferences: nobody reaches another's.
    "notification_preferences": [
        Case(SIGNED_IN, methods=BOTH, data=lambda w: {"email": "all", "language": "en"})
    ],
    "access_log": [Case(frozenset({"auditor"}))],
    "access_log_xlsx": [Case(frozenset({"auditor"}))],
    "account_changes": [Case(frozenset({"auditor"}))],
    "login_log": [Case(frozenset({"auditor"}))],
    "audit_events": [Case(frozenset({"auditor"}))],
    # Each signed-in user's own sign-in security: nobody reaches another's.
    "account_security": [Case(SIGNED_IN)],
    "password_change": [Case(SIGNED_IN, methods=BOTH)],
    "second_factor_verify": [Case(SIGNED_IN, methods=BOTH)],
    "second_factor_enrol": [Case(SIGNED_IN, methods=BOTH)],
    "recovery_codes_renew": [Case(SIGNED_IN, methods=POST)],
    "locked_signins": [Case(frozenset({"security_administrator"}), methods=BOTH)],
    # --- The register: every signed-in user reads it
    "members:group_list": [Case(SIGNED_IN)],
    "members:group_detail": [Case(SIGNED_IN, lambda w: {"code": w.group.code})],
    "members:unit_list": [Case(SIGNED_IN, lambda w: {"code": w.group.code})],
    "members:program_list": [Case(SIGNED_IN, lambda w: {"code": w.group.code})],
    "members:unit_detail": [Case(SIGNED_IN, lambda w: {"code": w.unit.code})],
    "members:change_log": [Case(frozenset({"auditor", "administrator"}))],
    "members:change_log_xlsx": [Case(frozenset({"auditor", "administrator"}))],
    # --- Verification: the office
    "verification:household_list": [
        Case(OFFICE, methods=BOTH, data=lambda w: {"id_number": w.member.id_number})
    ],
    # The list's export: masked IDs by GET (tests/verification/test_exports.py); in full
    # by POST with a purpose, which the access log records.
    "verification:household_list_xlsx": [
        Case(OFFICE, methods=BOTH, data=lambda w: {"purpose": "review"}, full_ids=OFFICE)
    ],
    "verification:household_create": [Case(OFFICE, methods=BOTH)],
    "verification:household_detail": [
        # Shown in full on request, with a purpose, and logged.
        Case(
            OFFICE,
            pk("household"),
            BOTH,
            data=lambda w: {"purpose": "verification"},
            full_ids=OFFICE,
        )
    ],
    "verification:household_edit": [
        Case(
            OFFICE,
            pk("household"),
            BOTH,
            data=lambda w: {"town": "新城街道", "address": "新址1号", "reason": "搬迁"},
        )
    ],
    "verification:member_create": [Case(OFFICE, pk("household"), BOTH)],
    "verification:member_update": [Case(OFFICE, household_member, BOTH)],
    "verification:authorization_create": [Case(OFFICE, household_member, BOTH)],
    "verification:authorization_scan": [Case(OFFICE, pk("authorization"))],
    "verification:request_create": [Case(OFFICE, pk("household"), BOTH)],
    "verification:request_list": [Case(OFFICE)],
    "verification:request_list_xlsx": [Case(OFFICE)],
    "verification:request_detail": [Case(OFFICE, pk("request"))],
    "verification:request_cancel": [Case(OFFICE, pk("request"), BOTH)],
    "verification:request_report": [Case(OFFICE, pk("request"))],
    "verification:request_report_docx": [Case(OFFICE, pk("request"))],
    "verification:request_report_xlsx": [Case(OFFICE, pk("request"))],
    "verification:check_chase": [Case(OFFICE, pk("check"), POST)],
    "verification:check_reply": [
        Case(OFFICE, pk("check"), POST, data=lambda w: {"reply": "已补充材料。"})
    ],
    "verification:overdue_list": [Case(OFFICE)],
    "verification:overdue_list_xlsx": [Case(OFFICE)],
    "verification:batch_list": [Case(OFFICE)],
    "verification:batch_create": [Case(OFFICE, methods=BOTH)],
    "verification:batch_detail": [Case(OFFICE, pk("batch"))],
    "verification:batch_progress": [Case(OFFICE, pk("batch"))],
    "verification:batch_cancel": [Case(OFFICE, pk("batch"), BOTH)],
    "verification:batch_changes": [Case(OFFICE, pk("batch"))],
    # --- Verification: the departments
    "verification:inbox": [Case(LIAISONS)],
    # The unit's liaison looks people up by their full ID numbers; the office sees them
    # masked.
    **{
        f"verification:check_{action}": [
            Case(allowed, pk(check), methods, variant, data=answer_grid, full_ids=LIAISON)
            for check, variant in (
                ("check", "answered by hand"),
                ("batch_check", "answered from a snapshot"),
            )
        ]
        for action, allowed, methods in (
            ("detail", OFFICE | LIAISON, GET),
            ("answer", LIAISON, BOTH),
            ("correct", LIAISON, BOTH),
            ("return", LIAISON, BOTH),
        )
    },
    "verification:snapshot_list": [Case(LIAISONS, methods=BOTH)],
    # The extract itself holds full ID numbers: the office's and its own unit's only.
    "verification:snapshot_download": [
        Case(OFFICE | LIAISON, pk("snapshot"), full_ids=OFFICE | LIAISON)
    ],
    "verification:snapshot_uploads": [Case(LIAISONS)],
    "verification:snapshot_template_csv": [Case(LIAISONS)],
    "verification:snapshot_template_xlsx": [Case(LIAISONS)],
    # --- Meetings: the list, the plan, one meeting (the police are invited, tax is not)
    "meetings:meeting_list": [Case(STAFF | LIAISONS)],
    "meetings:meeting_calendar": [Case(STAFF | LIAISONS)],
    "meetings:meeting_calendar_ics": [Case(STAFF | LIAISONS)],
    "meetings:plan_generate": [Case(STAFF, methods=BOTH)],
    "meetings:meeting_create": [Case(STAFF, methods=BOTH)],
    "meetings:meeting_detail": [Case(STAFF | LIAISON, pk("meeting"))],
    "meetings:meeting_edit": [Case(STAFF, pk("meeting"), BOTH)],
    "meetings:meeting_cancel": [Case(STAFF, pk("meeting"), POST)],
    "meetings:meeting_ics": [Case(STAFF | LIAISON, pk("meeting"))],
    "meetings:agenda_docx": [Case(STAFF | LIAISON, pk("meeting"))],
    "meetings:agenda_approve": [Case(STAFF, pk("meeting"), POST)],
    "meetings:attendance": [Case(STAFF, pk("meeting"), BOTH)],
    "meetings:item_create": [Case(OFFICE | LIAISON, pk("meeting"), BOTH)],
    "meetings:item_detail": [Case(STAFF | LIAISON, pk("item"))],
    "meetings:item_edit": [Case(OFFICE | LIAISON, pk("item"), BOTH)],
    "meetings:item_submit": [Case(STAFF | LIAISON, pk("item"), POST)],
    "meetings:item_review": [
        Case(STAFF | LIAISON, pk("item"), POST, data=lambda w: {"verdict": "accept"})
    ],
    "meetings:attachment_download": [
        Case(STAFF | LIAISON, pk("item_attachment"), variant="of an agenda item"),
        Case(STAFF | LIAISON, pk("update_attachment"), variant="of a progress report"),
    ],
    # --- Minutes: issued ones reach every member unit, a draft only the office
    "meetings:minutes_draft": [
        Case(OFFICE, pk("meeting"), BOTH, "issued"),
        Case(OFFICE, pk("draft_meeting"), BOTH, "draft"),
    ],
    **{
        f"meetings:minutes_{action}": [
            Case(STAFF | LIAISONS, pk("minutes"), methods, "issued"),
            Case(STAFF, pk("draft_minutes"), methods, "draft"),
        ]
        for action, methods in (
            ("detail", GET),
            ("docx", GET),
            ("submit", POST),
            ("review", POST),
            ("respond", POST),
            ("revise", POST),
            ("sign", POST),
            ("issue", POST),
            ("acknowledge", POST),
            ("on_behalf", POST),
        )
    },
    # --- Decisions: the first is led by the police with the host unit
    "meetings:followup": [Case(STAFF | LIAISONS)],
    "meetings:followup_xlsx": [Case(STAFF | LIAISONS)],
    "meetings:decision_detail": [Case(STAFF | LIAISON, pk("decision"))],
    "meetings:decision_update": [
        Case(STAFF | LIAISON, pk("decision"), POST, data=lambda w: {"text": "继续推进。"})
    ],
    "meetings:decision_close": [Case(STAFF | LIAISON, pk("decision"), POST)],
    "meetings:decision_chase": [Case(OFFICE, pk("decision"), POST)],
    "meetings:decision_send_back": [
        Case(STAFF | LIAISON, pk("decision"), POST, data=lambda w: {"comment": "请补充材料。"})
    ],
    # --- Intake: an application referred to the police, and a refused one ------------------
    "intake:application_list": [Case(READERS)],
    "intake:application_create": [Case(OFFICE, methods=BOTH)],
    "intake:application_detail": [Case(READERS | LIAISON, pk("application"))],
    "intake:share": [Case(OFFICE, pk("application"), BOTH)],
    "intake:answer": [Case(OFFICE, pk("application"), POST)],
    "intake:to_agenda": [Case(OFFICE, pk("application"), POST)],
    # Papers addressed to the applicant by name: not for auditors, who see names masked.
    "intake:receipt": [Case(OFFICE | LIAISON, pk("application"))],
    "intake:receipt_docx": [Case(OFFICE | LIAISON, pk("application"))],
    "intake:refusal_notice": [Case(OFFICE, pk("refused_application"))],
    "intake:refusal_docx": [Case(OFFICE, pk("refused_application"))],
    "intake:attach": [Case(OFFICE, pk("application"), POST, data=lambda w: {"file": _pdf()})],
    "intake:attachment_download": [Case(OFFICE | LIAISON, pk("application_attachment"))],
    # The full ID number, shown once to the office (the access log records it).
    "intake:reveal_id": [Case(OFFICE, pk("application"), POST, full_ids=OFFICE)],
    "intake:inbox": [Case(LIAISONS)],
    "intake:referral_detail": [Case(READERS | LIAISON, pk("referral"))],
    "intake:referral_sign": [Case(LIAISON, pk("referral"), POST)],
    "intake:referral_return": [Case(LIAISON, pk("referral"), POST)],
    "intake:referral_progress": [Case(LIAISON, pk("referral"), POST)],
    "intake:referral_help_first": [Case(LIAISON, pk("referral"), POST)],
    "intake:referral_close": [Case(LIAISON, pk("referral"), POST)],
    "intake:referral_reroute": [Case(OFFICE, pk("referral"), POST)],
    "intake:referral_link_verification": [Case(OFFICE, pk("referral"), POST)],
    "dashboards:index": [Case(STAFF)],
    # For the load balancer and monitoring: statuses and queue names, nothing personal.
    "health": [Case(ALL, public=True)],
    "health_workers": [Case(ALL, public=True)],
    "metrics": [Case(ALL, public=True)],  # loopback only (tests/test_metrics.py)
    "task_queues": [Case(frozenset({"administrator", "office_director"}), methods=BOTH)],
    # The API: its contract and its page are public; every operation needs a client token.
    "api-v1:openapi-json": [Case(ALL, public=True)],
    "api-v1:openapi-view": [Case(ALL, public=True)],
    "api-v1:api-root": [Case(NOBODY, public=True)],  # no operation at the root: 404
    "api-v1:list_checks": [Case(ALL, public=True, token_only=True)],
    "api-v1:answer_check": [
        Case(ALL, lambda w: {"check_id": w.check.pk}, POST, public=True, token_only=True)
    ],
    "api-v1:answer_checks": [Case(ALL, methods=POST, public=True, token_only=True)],
    "api-v1:get_check": [
        Case(ALL, lambda w: {"check_id": w.check.pk}, public=True, token_only=True)
    ],
    "api-v1:list_referrals": [Case(ALL, public=True, token_only=True)],
    "api-v1:get_referral": [Case(ALL, api_referral, public=True, token_only=True)],
    "api-v1:sign_referral": api_referral_step(),
    "api-v1:return_referral": api_referral_step(lambda w: {"reason": "不属于本单位职责。"}),
    "api-v1:report_progress": api_referral_step(lambda w: {"text": "已入户走访。"}),
    "api-v1:close_referral": api_referral_step(
        lambda w: {"outcome": "refused", "reason": "不符合条件。"}
    ),
    "api-v1:correct_check": [
        Case(ALL, lambda w: {"check_id": w.check.pk}, POST, public=True, token_only=True)
    ],
    "api-v1:upload_snapshot": [Case(ALL, methods=POST, public=True, token_only=True)],
    "api-v1:get_snapshot": [
        Case(ALL, lambda w: {"snapshot_id": w.snapshot.pk}, public=True, token_only=True)
    ],
    "api-v1:list_requests": [Case(ALL, public=True, token_only=True)],
    "api-v1:get_request": [
        Case(ALL, lambda w: {"request_id": w.request.pk}, public=True, token_only=True)
    ],
    # One path, two names: GET lists, POST subscribes.
    "api-v1:list_subscriptions": [Case(ALL, methods=BOTH, public=True, token_only=True)],
    "api-v1:create_subscription": [Case(ALL, methods=BOTH, public=True, token_only=True)],
    "api-v1:delete_subscription": [
        Case(ALL, lambda w: {"subscription_id": 1}, DELETE, public=True, token_only=True)
    ],
    "dashboards:bulletin": [Case(STAFF)],
    # A liaison is taken to their own unit's page (a redirect), others get 404.
    "performance:scores": [Case(STAFF | LIAISONS)],
    "performance:compute": [
        Case(STAFF, methods=POST, data=lambda w: {"group": w.group.pk, "year": 2026, "quarter": 4})
    ],
    "performance:unit": [Case(STAFF | LIAISON, lambda w: {"pk": w.unit.pk})],
    "performance:adjust": [
        Case(
            frozenset({"office_director"}),
            lambda w: {"pk": w.unit.pk},
            POST,
            data=lambda w: {"points": "2", "reason": "协助处置突发事件"},
        )
    ],
    "dashboards:bulletin_docx": [Case(STAFF)],
    "dashboards:dashboard": [
        Case(STAFF, lambda w, name=name: {"name": name}, variant=name)
        for name in ("verification", "intake", "meetings", "ledger")
    ],
    # --- Reporting: a round asking the police (a draft) and the tax office (submitted) ----
    "reporting:round_list": [Case(READERS | LIAISONS)],
    "reporting:round_create": [Case(OFFICE, methods=BOTH)],
    "reporting:round_detail": [Case(READERS, pk("round"))],
    "reporting:round_table": [Case(READERS, pk("round"))],
    "reporting:round_table_xlsx": [Case(READERS, pk("round"))],
    "reporting:report_detail": [Case(READERS | LIAISON, pk("report"))],
    "reporting:report_edit": [Case(LIAISON, pk("report"), BOTH)],
    "reporting:report_template": [Case(LIAISON, pk("report"))],
    "reporting:report_upload": [Case(LIAISON, pk("report"), POST)],
    "reporting:report_accept": [Case(OFFICE, pk("submitted_report"), POST)],
    "reporting:report_return": [
        Case(OFFICE, pk("submitted_report"), POST, data=lambda w: {"comment": "请核实。"})
    ],
    "intake:referral_chase": [Case(OFFICE, pk("referral"), POST)],
    # --- The ledger: the police's entry and month's file; the office's lists and pictures
    "ledger:entry_list": [Case(LIAISONS)],
    "ledger:entry_create": [Case(LIAISONS, methods=BOTH, data=lambda w: {"id_number": "x"})],
    "ledger:entry_detail": [Case(OFFICE | LIAISON, pk("ledger_entry"))],
    "ledger:entry_edit": [Case(LIAISON, pk("ledger_entry"), BOTH)],
    "ledger:entry_end": [
        Case(
            LIAISON,
            pk("ledger_entry"),
            POST,
            data=lambda w: {"period_to": "2099-12-31", "reason": "已迁出本区。"},
        )
    ],
    "ledger:import_list": [Case(LIAISONS, methods=BOTH)],
    "ledger:import_uploads": [Case(LIAISONS)],
    "ledger:import_template_csv": [Case(LIAISONS)],
    "ledger:import_template_xlsx": [Case(LIAISONS)],
    # The file holds full ID numbers: its unit's and the office's only, logged.
    "ledger:import_download": [
        Case(OFFICE | LIAISON, pk("ledger_import"), full_ids=OFFICE | LIAISON)
    ],
    "ledger:conflicts": [Case(OFFICE)],
    "ledger:household": [Case(OFFICE, pk("household"))],
    "ledger:household_find": [
        Case(OFFICE, methods=POST, data=lambda w: {"id_number": w.member.id_number})
    ],
    # --- Monitoring: the office's list and scores; a warning given to the police to visit
    "monitoring:warning_list": [Case(OFFICE)],
    "monitoring:evaluate": [Case(OFFICE, methods=POST)],
    "monitoring:household_score": [Case(OFFICE, pk("monitoring_household"))],
    "monitoring:warning_detail": [Case(OFFICE | LIAISON, pk("warning"))],
    "monitoring:warning_assign": [
        Case(OFFICE, pk("warning"), POST, data=lambda w: {"unit": w.unit.pk})
    ],
    # Refused by the form (a blank field), so the warning stays open for the other cases.
    "monitoring:warning_needed": [
        Case(LIAISON, pk("warning"), POST, data=lambda w: {"hardship": ""})
    ],
    "monitoring:warning_not_needed": [
        Case(LIAISON, pk("warning"), POST, data=lambda w: {"reason": ""})
    ],
    "monitoring:visit_list": [Case(LIAISONS)],
}


# --- The resolver ---------------------------------------------------------------------------


def url_names(patterns=None, namespace=""):
    """Every named URL pattern under ``patterns`` (the project's by default), with its
    namespace; an unnamed one is reported by its route so it cannot slip through."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
            names |= url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or f"(unnamed) {pattern.pattern}"
            names.add(f"{namespace}:{name}" if namespace else name)
    return names


def project_url_names():
    return {name for name in url_names() if not name.startswith("admin:")}


def test_every_url_is_declared():
    """A new view needs its line in ``URLS``: who may reach it and with what."""
    found = project_url_names()
    assert sorted(found - URLS.keys()) == [], "URL patterns missing from URLS"
    assert sorted(URLS.keys() - found) == [], "URLS names patterns the resolver does not have"


def _params():
    for name, cases in URLS.items():
        for case in cases:
            for persona in PERSONAS:
                for method in ("GET", *(m for m in ("POST", "DELETE") if m in case.methods)):
                    label = f"{name}[{case.variant}]" if case.variant else name
                    test_id = f"{label}-{persona}-{method}"
                    yield pytest.param(name, case, persona, method, id=test_id)


# --- The object set, once per module ----------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The objects and one signed-in session per persona, in a transaction rolled back at
    the end of the module; each test runs in a savepoint inside it."""
    media = tmp_path_factory.mktemp("media")
    fast_hashing = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast_hashing),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = build_world()
            w.media_root = media
            w.sessions = {}
            for persona, user in w.users.items():
                client = Client()
                client.force_login(user)
                w.sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, world):
    # The world's files live in its own folder, kept for the whole module.
    settings.MEDIA_ROOT = world.media_root


def client_for(world, persona) -> Client:
    """A fresh client (no cookie left by an earlier test) holding the persona's session."""
    client = Client()
    if persona != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    return client


# What a refused POST must leave as it was: every row of the project's tables (the
# sessions and Django's own bookkeeping aside).
WATCHED_APPS = {
    "assistance",
    "members",
    "meetings",
    "verification",
    "intake",
    "ledger",
    "monitoring",
    "reporting",
    "auth",
    "guardian",
    "otp_totp",
    "otp_static",
    "axes",
}


def database_state():
    """Every row of the watched tables; of the history tables, which only ever grow, the
    number of rows (a change anywhere else adds one)."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in WATCHED_APPS:
            continue
        rows = model._base_manager.order_by("pk")
        if model.__name__.startswith("Historical"):
            state[model._meta.label] = rows.count()
        else:
            state[model._meta.label] = list(rows.values_list())
    return state


def changed_tables(before, after):
    return sorted(label for label in before if before[label] != after.get(label))


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    if response.get("Content-Type") == XLSX_CONTENT_TYPE:
        # A workbook is a zip: look for names and ID numbers in its cells' text.
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return b"".join(book.read(name) for name in book.namelist())
    return body


@pytest.mark.parametrize(("name", "case", "persona", "method"), list(_params()))
def test_url_as_persona(world, name, case, persona, method):
    url = reverse(name, kwargs=case.kwargs(world))
    client = client_for(world, persona)
    allowed = persona in case.allowed
    watch = method != "GET" and not allowed
    before = database_state() if watch else None
    if method == "DELETE":
        response = client.delete(url)
    else:
        response = client.post(url, case.data(world)) if method == "POST" else client.get(url)
    status = response.status_code
    body = body_of(response)
    assert status < 500, f"{method} {url} as {persona}: {status}"
    if method not in case.methods:
        # A POST-only view refuses a GET before anything else, and says nothing.
        expected = {302} if persona == "anonymous" and not case.public else {405}
        assert status in expected, f"GET {url} as {persona}: {status}"
        assert world.personal.found_in(body) == []
        return
    if case.token_only:
        assert status == 401, f"{method} {url} as {persona}: {status} (a session opens no API)"
        assert world.personal.found_in(body) == []
        assert before is None or changed_tables(before, database_state()) == []
        return
    if persona == "anonymous" and not case.public:
        assert status == 302, f"{method} {url} anonymous: {status}"
        location = response["Location"]
        assert location.startswith(resolve_url(settings.LOGIN_URL)), location
    elif allowed:
        assert status not in (403, 404), f"{method} {url} as {persona}: {status} (over-denied)"
        if persona in NEVER_PERSONAL or (
            persona == "other_unit_liaison" and name not in OTHER_UNITS_WORK
        ):
            leaked = world.personal.found_in(body)
            assert leaked == [], f"{method} {url} as {persona} shows personal data: {leaked}"
        if persona not in case.full_ids:
            shown = [n for n in world.personal.id_numbers if n.encode() in body]
            assert shown == [], f"{method} {url} as {persona} shows full ID numbers: {shown}"
    else:
        assert status in (403, 404), f"{method} {url} as {persona}: {status} (should be denied)"
        leaked = world.personal.found_in(body)
        assert leaked == [], f"{method} {url} as {persona} shows personal data: {leaked}"
    if watch:
        assert changed_tables(before, database_state()) == [], f"POST {url} as {persona}"


def _missing_params():
    """Every URL naming an object, by each persona who may call it with one that exists."""
    for name, cases in URLS.items():
        case = cases[0]
        if case.kwargs is no_args or case.token_only:  # the API's own tests cover a token
            continue
        for persona in sorted(case.allowed - {"anonymous"}):
            yield pytest.param(name, case, persona, id=f"{name}-{persona}")


@pytest.mark.parametrize(("name", "case", "persona"), list(_missing_params()))
def test_an_object_that_does_not_exist_is_404(world, name, case, persona):
    """The same 404 as for an object one may not see (never a 500, never a hint)."""
    kwargs = {
        key: 10**9 if isinstance(value, int) else "no-such-code"
        for key, value in case.kwargs(world).items()
    }
    url = reverse(name, kwargs=kwargs)
    client = client_for(world, persona)
    response = client.get(url) if "GET" in case.methods else client.post(url, case.data(world))
    assert response.status_code == 404, f"{url} as {persona}: {response.status_code}"


def media_url() -> str:
    """Where files would be, were they served from MEDIA_URL (absolute, as in a page)."""
    return default_storage.url("")


# --- The admin site ---------------------------------------------------------------------------

# Per model registered in the admin: the staff personas who may open it (三权分立: the
# system administrator keeps the register and the catalogue, the security administrator
# the accounts and role grants; the access log is read on its own page, by auditors).
REGISTER = frozenset({"administrator"})
ACCOUNTS = frozenset({"security_administrator"})
ADMIN_MODELS = {
    "assistance.accesslog": NOBODY,
    "assistance.calendarday": REGISTER,
    "assistance.calendaryear": REGISTER,
    "auth.group": ACCOUNTS,
    "auth.user": ACCOUNTS,
    # Locked sign-ins are lifted by the security administrator; the authenticators
    # (their keys) and django-axes' own logs stay with the superuser (auditors read the
    # login log in the site).
    "axes.accessattempt": ACCOUNTS,
    "axes.accessfailurelog": NOBODY,
    "axes.accesslog": NOBODY,
    "otp_static.staticdevice": NOBODY,
    "otp_totp.totpdevice": NOBODY,
    "intake.application": NOBODY,
    "api.apiclient": ACCOUNTS,
    "api.eventdelivery": ACCOUNTS,
    "api.eventsubscription": ACCOUNTS,
    "intake.programrouting": REGISTER,
    "ledger.programrule": REGISTER,
    "ledger.localstandard": REGISTER,
    # Entries and files hold personal data: the services' pages only.
    "ledger.ledgerentry": NOBODY,
    "ledger.ledgerimport": NOBODY,
    "monitoring.warningrule": REGISTER,
    "monitoring.scoreindicator": REGISTER,
    # Warnings name people; evaluations are the system's record: the pages only.
    "monitoring.earlywarning": NOBODY,
    "monitoring.evaluationrun": NOBODY,
    "performance.indicator": REGISTER,
    "meetings.meeting": REGISTER,
    "reporting.figuredefinition": REGISTER,
    "members.assistanceprogram": REGISTER,
    "members.duty": REGISTER,
    "members.leadinggroup": REGISTER,
    "members.liaison": REGISTER,
    "members.memberunit": REGISTER,
    "members.position": REGISTER,
    "verification.registrysnapshot": REGISTER,
    "verification.reportnumberseries": REGISTER,
    "verification.unitconnector": REGISTER,
    "verification.verificationitem": REGISTER,
}
STAFF_PERSONAS = frozenset(
    persona for persona, spec in PERSONAS.items() if spec is not None and spec[1]
)


def test_every_admin_model_is_declared():
    """A model newly registered in the admin needs its line in ``ADMIN_MODELS``."""
    assert {m._meta.label_lower for m in admin.site._registry} == ADMIN_MODELS.keys()


def _admin_pages(model):
    """The model's list, its add page and, for one of its rows, its change and history
    pages."""
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    pages = [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
    row = model._base_manager.order_by("pk").first()
    if row is not None:
        pages += [reverse(f"{prefix}_{page}", args=[row.pk]) for page in ("change", "history")]
    return pages


@pytest.mark.parametrize("persona", list(PERSONAS))
@pytest.mark.parametrize("label", sorted(ADMIN_MODELS))
def test_admin_model_as_persona(world, label, persona):
    """Anyone not staff is sent to the admin's sign-in page; staff without the duty get
    403; nobody's admin page shows personal data or a raw link into the media folder."""
    model = apps.get_model(label)
    client = client_for(world, persona)
    allowed = persona in ADMIN_MODELS[label]
    for url in _admin_pages(model):
        response = client.get(url)
        status = response.status_code
        assert status < 500, f"{url} as {persona}: {status}"
        if persona not in STAFF_PERSONAS:
            # Anonymous users meet the site's sign-in first, signed-in ones the admin's.
            assert status == 302, f"{url} as {persona}: {status}"
            sign_in = (reverse("admin:login"), resolve_url(settings.LOGIN_URL))
            assert response["Location"].startswith(sign_in), response["Location"]
        elif not allowed:
            assert status in (403, 404), f"{url} as {persona}: {status} (should be denied)"
        elif url.endswith("/changelist/") or "/change/" in url:
            assert status not in (403, 404), f"{url} as {persona}: {status} (over-denied)"
        body = body_of(response)
        assert world.personal.found_in(body) == [], f"{url} as {persona} shows personal data"
        assert media_url().encode() not in body, f"{url} as {persona} links to a file"


# --- No upload from a public URL ------------------------------------------------------------


@pytest.fixture
def debug_urls(settings):
    """The URL configuration as ``bin/run`` builds it (DEBUG on), restored afterwards."""
    import office.urls

    settings.DEBUG = True
    importlib.reload(office.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(office.urls)
    clear_url_caches()


def _uploads(world):
    return [
        world.authorization.scan.name,
        world.snapshot.file.name,
        world.item_attachment.file.name,
        world.update_attachment.file.name,
        world.application_attachment.file.name,
        world.ledger_import.file.name,
    ]


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_no_upload_is_served_from_the_media_url(world, debug_urls, persona):
    """Scans, registry extracts and attachments leave only through the views behind their
    object's gateway: under MEDIA_URL there is nothing, for anyone, in any mode."""
    client = client_for(world, persona)
    for name in _uploads(world):
        url = media_url() + name
        response = client.get(url)
        expected = {302, 404} if persona == "anonymous" else {404}
        assert response.status_code in expected, f"{url} as {persona}: {response.status_code}"
        assert world.personal.found_in(body_of(response)) == []
