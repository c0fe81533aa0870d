"""What several admin pages share: showing rows, never adding, changing or deleting one."""


class ViewOnlyMixin:
    """An admin page that shows rows and never adds, changes or deletes one (a refused
    change shows the read-only page)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
