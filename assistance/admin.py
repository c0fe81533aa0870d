"""The access log, which the admin shows and nobody, not even a superuser, adds to, edits
or deletes. Notifications are each user's own and stay out of the admin. The working-day
calendar's admin is the project shell's (``office.admin``): a change to it recounts
verification's deadlines."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """The list only: there is no page to add, change or delete an entry, and no action."""

    list_display = ["at", "user", "action", "purpose", "what", "path"]
    list_display_links = None
    list_filter = ["action", "purpose", "at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "object_repr", "path"]
    date_hierarchy = "at"
    actions = None

    @admin.display(description=_("object"), ordering="object_repr")
    def what(self, entry):
        # In the reader's language, whoever's action wrote the entry.
        return entry.text

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # The list is the whole record; a page per entry would only be another door to it.
        return obj is None and super().has_view_permission(request)


# Accounts and roles: Django's pages replaced by the security administrator's.
from . import auth_admin  # noqa: E402, F401
