"""Navigation for the signed-in user's roles, built once per request."""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from assistance.models import Notification
from assistance.roles import Role, primary_role, user_roles
from members.selectors import liaison_unit

# The register is the office's directory, read by everyone who works in it; the security
# administrator keeps accounts only (三权分立) and is not led into it.
NOT_SECURITY_ADMINISTRATOR = "not security administrator"

# (url name, label, roles that see it; None = every signed-in user)
NAVIGATION = [
    ("home", _("Home"), None),
    ("members:group_list", _("Leading groups"), NOT_SECURITY_ADMINISTRATOR),
    (
        "verification:request_list",
        _("Verification requests"),
        {Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR},
    ),
    ("verification:household_list", _("Households"), {Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR}),
    (
        "verification:batch_list",
        _("Batch re-verification"),
        {Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR},
    ),
    ("verification:overdue_list", _("Overdue checks"), {Role.OFFICE_DIRECTOR}),
    ("verification:inbox", _("Check inbox"), {Role.UNIT_LIAISON}),
    ("verification:snapshot_list", _("Registry snapshots"), {Role.UNIT_LIAISON}),
    (
        "meetings:meeting_list",
        _("Meetings"),
        {Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR, Role.CONVENER, Role.UNIT_LIAISON},
    ),
    (
        "meetings:followup",
        _("Decisions"),
        {Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR, Role.CONVENER, Role.UNIT_LIAISON},
    ),
    (
        "intake:application_list",
        _("Applications"),
        {Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR, Role.AUDITOR},
    ),
    ("intake:inbox", _("Referrals"), {Role.UNIT_LIAISON}),
    ("ledger:conflicts", _("Assistance ledger"), {Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR}),
    ("ledger:entry_list", _("Assistance ledger"), {Role.UNIT_LIAISON}),
    ("monitoring:warning_list", _("Monitoring"), {Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR}),
    ("monitoring:visit_list", _("Households to visit"), {Role.UNIT_LIAISON}),
    (
        "dashboards:index",
        _("Dashboards"),
        {Role.CONVENER, Role.OFFICE_DIRECTOR, Role.OFFICE_CLERK},
    ),
    (
        "performance:scores",
        _("Performance"),
        {Role.CONVENER, Role.OFFICE_DIRECTOR, Role.OFFICE_CLERK, Role.UNIT_LIAISON},
    ),
    (
        "reporting:round_list",
        _("Periodic reports"),
        {Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR, Role.AUDITOR, Role.UNIT_LIAISON},
    ),
    ("liaison_unit", _("My unit"), {Role.UNIT_LIAISON}),
    ("members:change_log", _("Change log"), {Role.AUDITOR, Role.ADMINISTRATOR}),
    ("access_log", _("Access log"), {Role.AUDITOR}),
    ("account_changes", _("Account changes"), {Role.AUDITOR}),
    ("login_log", _("Login log"), {Role.AUDITOR}),
    ("audit_events", _("Bulk changes"), {Role.AUDITOR}),
    ("locked_signins", _("Locked sign-ins"), {Role.SECURITY_ADMINISTRATOR}),
    ("task_queues", _("Task queues"), {Role.ADMINISTRATOR, Role.OFFICE_DIRECTOR}),
    ("notifications", _("Notifications"), None),
    ("admin:index", _("Administration"), {Role.ADMINISTRATOR, Role.SECURITY_ADMINISTRATOR}),
]


def unread_count(request) -> int:
    """The user's unread notifications: one COUNT query per request, however many parts
    of the page ask."""
    if not hasattr(request, "_unread_notifications"):
        request._unread_notifications = Notification.objects.filter(
            user=request.user, read_at__isnull=True
        ).count()
    return request._unread_notifications


def _notifications_label(request, label):
    count = unread_count(request)
    if not count:
        return label
    return format_html(
        '{} <span class="badge rounded-pill text-bg-light" data-testid="unread-count">{}'
        '<span class="visually-hidden"> {}</span></span>',
        label,
        count,
        _("unread"),
    )


def _items(request):
    roles = user_roles(request.user)
    items = []
    for name, label, allowed in NAVIGATION:
        if allowed == NOT_SECURITY_ADMINISTRATOR:
            if Role.SECURITY_ADMINISTRATOR in roles:
                continue
        elif allowed is not None and not roles & allowed:
            continue
        if name == "liaison_unit":
            unit = liaison_unit(request.user)
            if unit is None:
                continue
            url = reverse("members:unit_detail", kwargs={"code": unit.code})
        else:
            url = reverse(name)
        if name == "notifications":
            label = _notifications_label(request, label)
        items.append({"url": url, "label": label, "active": request.path == url})
    return items


def navigation(request):
    if not request.user.is_authenticated:
        return {}
    return {
        "nav_items": SimpleLazyObject(lambda: _items(request)),
        "nav_role": SimpleLazyObject(lambda: primary_role(request.user)),
        "unread_notifications": SimpleLazyObject(lambda: unread_count(request)),
    }
