"""Navigation for the signed-in user's roles, built once per request."""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from members.selectors import liaison_unit

from .roles import Role, primary_role, user_roles

# (url name, label, roles that see it; None = every signed-in user)
NAVIGATION = [
    ("home", _("Home"), None),
    ("members:group_list", _("Leading groups"), None),
    (
        "verification:request_list",
        _("Verification requests"),
        {Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR},
    ),
    ("verification:household_list", _("Households"), {Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR}),
    ("verification:overdue_list", _("Overdue checks"), {Role.OFFICE_DIRECTOR}),
    ("verification:inbox", _("Check inbox"), {Role.UNIT_LIAISON}),
    ("liaison_unit", _("My unit"), {Role.UNIT_LIAISON}),
    ("members:change_log", _("Change log"), {Role.AUDITOR, Role.ADMINISTRATOR}),
    ("access_log", _("Access log"), {Role.AUDITOR}),
    ("notifications", _("Notifications"), None),
    ("admin:index", _("Administration"), {Role.ADMINISTRATOR}),
]


def _items(request):
    roles = user_roles(request.user)
    items = []
    for name, label, allowed in NAVIGATION:
        if allowed is not None and not roles & allowed:
            continue
        if name == "liaison_unit":
            unit = liaison_unit(request.user)
            if unit is None:
                continue
            url = reverse("members:unit_detail", kwargs={"code": unit.code})
        else:
            url = reverse(name)
        items.append({"url": url, "label": label, "active": request.path == url})
    return items


def navigation(request):
    if not request.user.is_authenticated:
        return {}
    return {
        "nav_items": SimpleLazyObject(lambda: _items(request)),
        "nav_role": SimpleLazyObject(lambda: primary_role(request.user)),
    }
