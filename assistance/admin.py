"""The access log, which the admin shows and nobody, not even a superuser, adds to, edits
or deletes. Notifications are each user's own and stay out of the admin. The working-day
calendar's admin is the project shell's (``office.admin``): a change to it recounts
verification's deadlines."""

from django.contrib import admin
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .admin_viewonly import ViewOnlyMixin
from .localtime import zone_name
from .models import AccessLog


def _when_heading() -> str:
    return gettext("When (%(zone)s)") % {"zone": zone_name()}


# The field's own name says "when (UTC)", which is how it is stored, not how the admin
# shows it: the admin shows the office's time (Beijing time), and says so.
WHEN_HEADING = lazy(_when_heading, str)()


class WhenFilter(admin.DateFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("When")


@admin.register(AccessLog)
class AccessLogAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """The list only: there is no page to add, change or delete an entry, and no action."""

    list_display = ["when", "user", "action", "purpose", "what", "path"]
    list_display_links = None
    list_filter = ["action", "purpose", ("at", WhenFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "object_repr", "path"]
    date_hierarchy = "at"
    actions = None

    @admin.display(description=WHEN_HEADING, ordering="at")
    def when(self, entry):
        return entry.at

    @admin.display(description=_("object"), ordering="object_repr")
    def what(self, entry):
        # In the reader's language, whoever's action wrote the entry.
        return entry.text

    def has_view_permission(self, request, obj=None):
        # The list is the whole record; a page per entry would only be another door to it.
        return obj is None and super().has_view_permission(request)


# Accounts and roles: Django's pages replaced by the security administrator's.
from . import auth_admin  # noqa: E402, F401
