"""API clients, kept by the security administrator: registered, their secret rotated or the
client revoked; the token (``<key>.<secret>``) is shown once, in a message."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import ApiClient, Scope


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiClient
        fields = ["name", "unit", "scopes", "allowed_addresses", "expires_at"]


@admin.register(ApiClient)
class ApiClientAdmin(SimpleHistoryAdmin):
    form = ApiClientForm
    list_display = ("name", "unit", "key_id", "expires_at", "revoked_at")
    list_filter = ("unit__group",)
    readonly_fields = ("key_id", "created_at", "revoked_at")
    actions = ["rotate", "revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        client, token = services.client_register(
            actor=request.user,
            name=obj.name,
            unit=obj.unit,
            scopes=form.cleaned_data["scopes"],
            allowed_addresses=obj.allowed_addresses,
            expires_at=obj.expires_at,
        )
        obj.pk = client.pk
        obj.key_id = client.key_id
        messages.warning(
            request, _("The client's token, shown this once: %(token)s") % {"token": token}
        )

    @admin.action(description=_("Rotate the secret"))
    def rotate(self, request, queryset):
        for client in queryset:
            token = services.client_rotate(actor=request.user, client=client)
            messages.warning(
                request,
                _("New token of %(client)s, shown this once: %(token)s")
                % {"client": client.name, "token": token},
            )

    @admin.action(description=_("Revoke"))
    def revoke(self, request, queryset):
        for client in queryset:
            services.client_revoke(actor=request.user, client=client)
        messages.success(request, _("The clients were revoked."))
