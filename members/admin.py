from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from assistance.accounts import AccountRuleError, held_roles, roles_change_check
from assistance.roles import Role

from .models import AssistanceProgram, Duty, LeadingGroup, Liaison, MemberUnit, Position
from .services import liaison_appoint, unit_set_active


class UnitsWithTheirGroup:
    """Units offered in a drop-down or an autocomplete are read with their group, so two
    units of the same name in different groups are told apart (``MemberUnit.__str__``)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is MemberUnit and "queryset" not in kwargs:
            kwargs["queryset"] = MemberUnit.objects.select_related("group")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is MemberUnit and "queryset" not in kwargs:
            kwargs["queryset"] = MemberUnit.objects.select_related("group")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class PositionInline(UnitsWithTheirGroup, admin.TabularInline):
    model = Position
    extra = 0
    fields = ["order", "role", "person", "title", "unit", "start_date", "end_date"]
    autocomplete_fields = ["unit"]


class DutyInline(admin.TabularInline):
    model = Duty
    extra = 0
    fields = ["order", "category", "text"]


class LiaisonForm(forms.ModelForm):
    """Checks, before anything is saved, that the person may be given the liaison role by
    the one appointing them (``assistance.accounts``: never oneself, never an account that
    grants roles)."""

    actor = None  # set per request by the admin classes below

    def clean_user(self):
        user = self.cleaned_data.get("user")
        if user is None or (self.instance.pk and self.instance.user_id == user.pk):
            return user
        try:
            roles_change_check(
                actor=self.actor, user=user, roles=held_roles(user) | {Role.UNIT_LIAISON}
            )
        except AccountRuleError as error:
            raise ValidationError(error.message) from error
        return user


class LiaisonUserChoices:
    """A plain list of active accounts to appoint from: the system administrator holds no
    permission on accounts, so the admin's account search (autocomplete) is not theirs."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = (
                get_user_model().objects.filter(is_active=True).order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class LiaisonInline(LiaisonUserChoices, admin.TabularInline):
    model = Liaison
    form = LiaisonForm
    extra = 0
    fields = ["user", "title", "phone", "active"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type("LiaisonForm", (formset.form,), {"actor": request.user})
        return formset


@admin.register(LeadingGroup)
class LeadingGroupAdmin(UnitsWithTheirGroup, SimpleHistoryAdmin):
    list_display = ["name", "kind", "region", "document_number", "issued_on", "office_host_unit"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name", "region", "document_number"]
    prepopulated_fields = {"code": ["short_name"]}
    inlines = [PositionInline]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "code", "kind", "region", "order"]}),
        (
            _("Founding notice"),
            {"fields": ["notice_title", "document_number", "issuing_office", "issued_on"]},
        ),
        (_("Duties"), {"fields": ["duties", "office_host_unit", "office_duties"]}),
        (
            _("Meeting rule"),
            {"fields": ["meeting_rule", "meetings_per_year", "holds_kickoff", "holds_year_end"]},
        ),
    ]
    autocomplete_fields = ["office_host_unit"]


@admin.register(MemberUnit)
class MemberUnitAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "short_name",
        "code",
        "kind",
        "group",
        "is_member",
        "answer_days",
        "order",
        "active",
    ]
    list_filter = ["group", "kind", "is_member", "active"]
    list_editable = ["order"]
    search_fields = ["name", "short_name", "code"]
    list_select_related = ["group"]
    inlines = [DutyInline, LiaisonInline]

    def get_queryset(self, request):
        # The autocomplete of every form that picks a unit reads from here: each unit is
        # named with its group (MemberUnit.__str__).
        return super().get_queryset(request).select_related("group")

    actions = ["deactivate", "activate"]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Liaison:
            return super().save_formset(request, form, formset, change)
        # New liaisons go through the service, which gives the role and tells the person.
        new_forms = [f for f in formset.forms if f not in formset.initial_forms]
        for f in new_forms:
            if f.has_changed() and not formset._should_delete_form(f):
                data = f.cleaned_data
                liaison_appoint(
                    actor=request.user,
                    user=data["user"],
                    unit=form.instance,
                    title=data.get("title", ""),
                    phone=data.get("phone", ""),
                )
        formset.forms = [f for f in formset.forms if f not in new_forms]
        return super().save_formset(request, form, formset, change)

    def get_readonly_fields(self, request, obj=None):
        # The code names the unit's queue; once saved it stays.
        return ["code"] if obj is not None else []

    @admin.action(description=_("Deactivate selected units"))
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, active=False)

    @admin.action(description=_("Reactivate selected units"))
    def activate(self, request, queryset):
        self._set_active(request, queryset, active=True)

    def _set_active(self, request, queryset, *, active):
        changed = sum(
            unit_set_active(actor=request.user, unit=unit, active=active) for unit in queryset
        )
        self.message_user(
            request,
            ngettext("%(count)d unit changed.", "%(count)d units changed.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )


@admin.register(Position)
class PositionAdmin(UnitsWithTheirGroup, SimpleHistoryAdmin):
    list_display = ["person", "title", "role", "unit", "group", "order"]
    list_filter = ["group", "role"]
    search_fields = ["person", "title", "unit__name"]
    list_select_related = ["group", "unit__group"]
    autocomplete_fields = ["unit"]


@admin.register(Duty)
class DutyAdmin(UnitsWithTheirGroup, SimpleHistoryAdmin):
    list_display = ["unit", "category", "short_text", "order"]
    list_filter = ["category", "unit__group"]
    search_fields = ["text", "unit__name"]
    list_select_related = ["unit__group"]
    autocomplete_fields = ["unit"]

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 60 else obj.text[:60] + "…"


@admin.register(Liaison)
class LiaisonAdmin(LiaisonUserChoices, UnitsWithTheirGroup, SimpleHistoryAdmin):
    form = LiaisonForm
    list_display = ["user", "unit", "title", "phone", "active"]
    list_filter = ["active", "unit__group"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    list_select_related = ["user", "unit__group"]
    autocomplete_fields = ["unit"]

    def get_readonly_fields(self, request, obj=None):
        # Another person is another appointment (a new liaison), which grants the role.
        return ["notified_at", "user"] if obj is not None else ["notified_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type("LiaisonForm", (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # A new liaison goes through the service, which gives the role and tells the person.
        appointed = liaison_appoint(
            actor=request.user, user=obj.user, unit=obj.unit, title=obj.title, phone=obj.phone
        )
        obj.pk = appointed.pk


@admin.register(AssistanceProgram)
class AssistanceProgramAdmin(UnitsWithTheirGroup, SimpleHistoryAdmin):
    list_display = ["name", "kind", "lead_unit", "group", "order"]
    list_filter = ["group", "kind"]
    search_fields = ["name", "content", "lead_unit__name"]
    list_select_related = ["lead_unit__group", "group"]
    autocomplete_fields = ["lead_unit"]
    filter_horizontal = ["responsible_units"]
