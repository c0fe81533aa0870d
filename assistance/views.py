"""The home page, one per role, the language switch, the user's notifications, and the
auditors' access log and account change log."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.i18n import set_language as django_set_language

from members import selectors as member_selectors
from verification import selectors as verification_selectors
from verification import services as verification_services

from . import account_history
from .models import AccessLog, Notification
from .roles import Role, has_role, primary_role

# Roles whose home page lists the units that still have to name a liaison.
ROLES_FOLLOWING_LIAISONS = {Role.ADMINISTRATOR, Role.CONVENER, Role.OFFICE_DIRECTOR}


def home(request):
    role = primary_role(request.user)
    context = {"role": role}
    if role == Role.UNIT_LIAISON:
        unit = member_selectors.liaison_unit(request.user)
        context["unit"] = member_selectors.unit_get(unit.code) if unit else None
    elif role != Role.SECURITY_ADMINISTRATOR:  # keeps accounts only, not the register
        context["groups"] = member_selectors.group_summaries()
    if role in ROLES_FOLLOWING_LIAISONS:
        context["units_without_liaison"] = member_selectors.units_without_liaison()
    if role in (Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR):
        context["verification"] = verification_selectors.office_summary()
    elif role == Role.UNIT_LIAISON:
        context["checks"] = verification_selectors.liaison_summary(request.user)
    elif role == Role.ADMINISTRATOR:
        context["provisional_years"] = verification_services.provisional_deadline_years()
    template = f"assistance/home_{role}.html" if role else "assistance/home_none.html"
    return render(request, template, context)


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


# --- Access log -----------------------------------------------------------------------------

ACCESS_LOG_PAGE_SIZE = 50


def access_log(request):
    """Who saw personal data in full, when (UTC) and why: for auditors only, and a 404 for
    everyone else (the page is not even admitted to exist)."""
    if not has_role(request.user, Role.AUDITOR):
        raise Http404
    entries = AccessLog.objects.select_related("user").order_by("-at", "-pk")
    purpose = request.GET.get("purpose", "")
    if purpose not in AccessLog.Purpose.values:
        purpose = ""
    if purpose:
        entries = entries.filter(purpose=purpose)
    user_id = request.GET.get("user", "")
    user_id = int(user_id) if user_id.isdigit() else None
    if user_id is not None:
        entries = entries.filter(user_id=user_id)
    # Only people who appear in the log are offered as a filter.
    users = (
        get_user_model()
        .objects.filter(pk__in=AccessLog.objects.values("user_id"))
        .order_by("username")
    )
    page = Paginator(entries, ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assistance/access_log.html",
        {
            "page": page,
            "users": users,
            "purposes": AccessLog.Purpose.choices,
            "purpose": purpose,
            "user_id": user_id,
            "query": query.urlencode(),
        },
    )


# --- Account changes ------------------------------------------------------------------------

ACCOUNT_CHANGES_PAGE_SIZE = 50


def account_changes(request):
    """Every change to accounts, role grants and passwords: who changed whose account, what
    and when (UTC). For auditors only; everyone else gets a 404. The query count does not
    grow with the page (``account_history.account_changes``)."""
    if not has_role(request.user, Role.AUDITOR):
        raise Http404
    from .models import HistoricalUser

    records = HistoricalUser.objects.select_related("history_user").order_by(
        "-history_date", "-history_id"
    )
    page = Paginator(records, ACCOUNT_CHANGES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assistance/account_changes.html",
        {"page": page, "rows": account_history.account_changes(page.object_list)},
    )
