"""The language switch, the user's notifications and the auditors' logs (access log, login
log, audit events of bulk work, account changes). The home pages are the project shell's
(``office.views``): they read every app."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _
from django.views.i18n import set_language as django_set_language

from . import account_changes as account_log
from . import services
from .forms import NotificationPreferenceForm
from .localtime import zone_name
from .models import AccessLog, AuditEvent, HistoricalUser, LoginLog, Notification
from .roles import Role, has_role
from .spreadsheets import EXPORT_CHUNK, xlsx_response

# The language switch must work on the sign-in page too, before anyone is signed in.
set_language = login_not_required(django_set_language)


# --- Notifications --------------------------------------------------------------------------

NOTIFICATIONS_PAGE_SIZE = 50


def notification_list(request):
    """The user's notifications, newest first. Reading the list marks nothing read: the
    user does that with the button (a POST), so a glance does not lose a reminder."""
    notifications = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        marked = notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
        if marked:
            messages.success(
                request,
                ngettext(
                    "%(count)d notification marked read.",
                    "%(count)d notifications marked read.",
                    marked,
                )
                % {"count": marked},
            )
        return redirect("notifications")
    page = Paginator(notifications.order_by("-created_at", "-pk"), NOTIFICATIONS_PAGE_SIZE)
    page = page.get_page(request.GET.get("page"))
    return render(request, "assistance/notification_list.html", {"page": page})


def notification_preferences(request):
    """The user's own choice: notifications by e-mail (important ones, all, none) and the
    language of those e-mails. Without an e-mail address on the account nothing is sent,
    and the page says so."""
    preference = services.notification_preference_get(request.user)
    if request.method == "POST":
        form = NotificationPreferenceForm(request.POST)
        if form.is_valid():
            services.notification_preference_set(actor=request.user, **form.cleaned_data)
            messages.success(request, gettext("Your notification preferences are saved."))
            return redirect("notification_preferences")
        status = 400
    else:
        form = NotificationPreferenceForm(
            initial={"email": preference.email, "language": preference.language}
        )
        status = 200
    return render(
        request, "assistance/notification_preferences.html", {"form": form}, status=status
    )


# --- The auditors' logs ----------------------------------------------------------------------

LOG_PAGE_SIZE = 50


def _auditor_only(request):
    # Auditors alone read the logs; to everyone else the pages do not exist.
    if not has_role(request.user, Role.AUDITOR):
        raise Http404


def _choice(request, name, choices) -> str:
    value = request.GET.get(name, "")
    return value if value in choices.values else ""


def _user_filter(request):
    user_id = request.GET.get("user", "")
    return int(user_id) if user_id.isdigit() else None


def _people_in(queryset, field):
    # Only people who appear in the log are offered as a filter.
    return (
        get_user_model()
        .objects.filter(pk__in=queryset.exclude(**{f"{field}__isnull": True}).values(field))
        .order_by("username")
    )


def _log_page(request, entries):
    page = Paginator(entries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "query": query.urlencode()}


def _access_log_entries(request):
    entries = AccessLog.objects.select_related("user").order_by("-at", "-pk")
    purpose = _choice(request, "purpose", AccessLog.Purpose)
    if purpose:
        entries = entries.filter(purpose=purpose)
    action = _choice(request, "action", AccessLog.Action)
    if action:
        entries = entries.filter(action=action)
    user_id = _user_filter(request)
    if user_id is not None:
        entries = entries.filter(user_id=user_id)
    return entries, {"purpose": purpose, "action": action, "user_id": user_id}


def access_log(request):
    """Who saw, searched for, downloaded or exported personal data in full, when (Beijing
    time) and why: for auditors only, and a 404 for everyone else (the page is not even
    admitted to exist)."""
    _auditor_only(request)
    entries, chosen = _access_log_entries(request)
    return render(
        request,
        "assistance/access_log.html",
        {
            **_log_page(request, entries),
            **chosen,
            "users": _people_in(AccessLog.objects.all(), "user_id"),
            "purposes": AccessLog.Purpose.choices,
            "actions": AccessLog.Action.choices,
        },
    )


def access_log_xlsx(request):
    """The access log with the page's filters applied, every matching entry. Auditors
    only. The entries name what was seen masked, so the export holds no ID number."""
    _auditor_only(request)
    entries, _chosen = _access_log_entries(request)
    header = [
        _("When (%(zone)s)") % {"zone": zone_name()},
        _("Who"),
        _("Account"),
        _("Action"),
        _("Purpose"),
        _("What was seen"),
        _("Page"),
    ]
    rows = (
        [
            entry.at,
            entry.user.get_full_name(),
            entry.user.get_username(),
            entry.get_action_display(),
            entry.get_purpose_display(),
            entry.object_repr,
            entry.path,
        ]
        for entry in entries.iterator(chunk_size=EXPORT_CHUNK)
    )
    return xlsx_response(header, rows, title=_("Access log"), filename="access-log")


# --- Account changes ------------------------------------------------------------------------

ACCOUNT_CHANGES_PAGE_SIZE = 50


def account_changes(request):
    """Every change to accounts, role grants and passwords: who changed whose account, what
    and when (UTC). For auditors only; everyone else gets a 404. The query count does not
    grow with the page (``account_changes.account_changes``)."""
    _auditor_only(request)
    records = HistoricalUser.objects.select_related("history_user").order_by(
        "-history_date", "-history_id"
    )
    page = Paginator(records, ACCOUNT_CHANGES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assistance/account_changes.html",
        {"page": page, "rows": account_log.account_changes(page.object_list)},
    )


def login_log(request):
    """Every sign-in, failed sign-in and sign-out: when (UTC), which account, from which
    address and browser. Auditors only; a 404 for everyone else."""
    _auditor_only(request)
    entries = LoginLog.objects.select_related("user").order_by("-at", "-pk")
    event = _choice(request, "event", LoginLog.Event)
    if event:
        entries = entries.filter(event=event)
    user_id = _user_filter(request)
    if user_id is not None:
        entries = entries.filter(user_id=user_id)
    # Failed attempts on accounts that do not exist have no user: search the name typed.
    username = request.GET.get("username", "").strip()[:150]
    if username:
        entries = entries.filter(username__iexact=username)
    return render(
        request,
        "assistance/login_log.html",
        {
            **_log_page(request, entries),
            "users": _people_in(LoginLog.objects.all(), "user_id"),
            "events": LoginLog.Event.choices,
            "event": event,
            "user_id": user_id,
            "username": username,
        },
    )


def audit_events(request):
    """Bulk and set-based changes (sweeps, recounts, batch steps): when, by whom or by
    which system job, what and how many. Auditors only; a 404 for everyone else."""
    _auditor_only(request)
    entries = AuditEvent.objects.select_related("actor").order_by("-at", "-pk")
    action = _choice(request, "action", AuditEvent.Action)
    if action:
        entries = entries.filter(action=action)
    return render(
        request,
        "assistance/audit_events.html",
        {**_log_page(request, entries), "actions": AuditEvent.Action.choices, "action": action},
    )
