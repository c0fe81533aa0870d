"""Accounts and roles in the admin site, for the security administrator (三权分立).

Django's own user and group pages let whoever holds the ``auth`` permissions make
superusers and give any permission, their own account included. These replace them: roles
are chosen from the office's roles and granted through ``assistance.accounts``, which
holds the rules; the superuser flag and direct permissions are not in any form; nobody
changes their own roles or flags; groups (the roles) are read only, since what a role may
do is set in code (``assistance.roles``).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .accounts import (
    AccountRuleError,
    account_change_check,
    held_roles,
    roles_change_check,
    user_roles_set,
)
from .admin_viewonly import ViewOnlyMixin
from .roles import Role
from .signin.services import second_factor_reset

User = get_user_model()

# What a person may not change on their own account, whoever they are.
OWN_ACCOUNT_READONLY = ["is_active", "is_staff"]


class AccountForm(UserChangeForm):
    """The account page's form: the roles are a choice among the office's roles, checked
    against the rules for the person making the change."""

    roles = forms.MultipleChoiceField(
        label=_("roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A security administrator holds no other role; nobody changes their own roles."
        ),
    )
    actor = None  # set per request by UserAdmin.get_form

    class Meta(UserChangeForm.Meta):
        # Never the superuser flag, the groups or direct permissions: roles are chosen
        # above, and the superuser flag is set on the command line only.
        fields = ["username", "password", "first_name", "last_name", "email", "is_active"]
        fields += ["is_staff"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.actor is not None and self.instance.pk == self.actor.pk:
            # One's own roles are shown (read only), never offered for change.
            del self.fields["roles"]
        else:
            self.fields["roles"].initial = sorted(held_roles(self.instance))

    def clean(self):
        cleaned = super().clean()
        try:
            account_change_check(actor=self.actor, user=self.instance)
            if "roles" in self.fields and "roles" in cleaned:
                roles_change_check(actor=self.actor, user=self.instance, roles=cleaned["roles"])
        except AccountRuleError as error:
            raise ValidationError(error.message) from error
        return cleaned


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts: created with a password, then given roles on their own page."""

    form = AccountForm
    list_display = ["username", "first_name", "last_name", "role_list", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups"]
    readonly_fields = ["is_superuser", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Roles and access"), {"fields": ["roles", "is_active", "is_staff", "is_superuser"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]

    actions = ["reset_second_factor"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.action(
        description=_("Reset the second factor (lost phone): set up again at next sign-in"),
        permissions=["change"],
    )
    def reset_second_factor(self, request, queryset):
        done = 0
        for user in queryset:
            try:
                second_factor_reset(actor=request.user, user=user)
            except AccountRuleError as error:
                self.message_user(request, f"{user.username}: {error}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "The second factor of %(count)d account was reset.",
                    "The second factors of %(count)d accounts were reset.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.display(description=_("roles"))
    def role_list(self, obj):
        names = sorted(group.name for group in obj.groups.all() if group.name in Role.values)
        return ", ".join(str(Role(name).label) for name in names) or "—"

    def _own(self, request, obj):
        return obj is not None and obj.pk == request.user.pk

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._own(request, obj):
            return fieldsets
        # One's own roles are shown, never offered for change.
        return [
            (
                name,
                {
                    **options,
                    "fields": ["role_list" if f == "roles" else f for f in options["fields"]],
                },
            )
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._own(request, obj):
            readonly += OWN_ACCOUNT_READONLY + ["role_list"]
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.pk != request.user.pk:
            try:
                account_change_check(actor=request.user, user=obj)
            except AccountRuleError:
                return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, not deleted: their history and their work stay named.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "roles" in form.cleaned_data:
            user_roles_set(actor=request.user, user=form.instance, roles=form.cleaned_data["roles"])

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        # A change of roles alone is recorded by user_roles_set; an empty save would only
        # add a row without a change to the account's history.
        if change and not set(form.changed_data) - {"roles"}:
            return
        super().save_model(request, obj, form, change)


@admin.register(Group)
class GroupAdmin(ViewOnlyMixin, DjangoGroupAdmin):
    """The roles and the units' groups, to read: their permissions are set in code and their
    members are given on the accounts' pages (or by appointing a liaison)."""

    list_display = ["name", "member_count"]
    readonly_fields = ["name", "permissions", "members"]
    fields = ["name", "members", "permissions"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(members_count=Count("user"))

    @admin.display(description=_("members"), ordering="members_count")
    def member_count(self, obj):
        return obj.members_count

    @admin.display(description=_("members"))
    def members(self, obj):
        return ", ".join(obj.user_set.order_by("username").values_list("username", flat=True))
