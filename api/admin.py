"""API clients, kept by the security administrator: registered, their secret rotated or the
client revoked; the token (``<key>.<secret>``) is shown once, in a message. Beside them,
the clients' event subscriptions (the signing secret shown once in the same way) and,
read only, the deliveries of events and how each went."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from assistance.admin_viewonly import ViewOnlyMixin

from . import services, webhooks
from .models import ApiClient, Event, EventDelivery, EventSubscription, Scope


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


class EventSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("callback URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = EventSubscription
        fields = ["client", "url", "events", "active"]


@admin.register(EventSubscription)
class EventSubscriptionAdmin(SimpleHistoryAdmin):
    form = EventSubscriptionForm
    list_display = ("client", "url", "active", "created_at")
    list_filter = ("active",)
    list_select_related = ("client__unit",)
    readonly_fields = ("created_at",)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        try:
            subscription, secret = webhooks.subscription_create(
                actor=request.user,
                client=obj.client,
                url=obj.url,
                events=form.cleaned_data["events"],
            )
        except webhooks.SubscriptionRefused as refused:  # the form checked the same rules
            messages.error(request, refused.message)
            return None
        obj.pk = subscription.pk
        messages.warning(
            request,
            _("The subscription's signing secret, shown this once: %(secret)s")
            % {"secret": secret},
        )


@admin.register(EventDelivery)
class EventDeliveryAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Read only: what was sent to whom, and how it went."""

    list_display = ("pk", "event", "subscription", "status", "attempts", "created_at")
    list_filter = ("status", "event")
    list_select_related = ("subscription__client",)
    readonly_fields = [f.name for f in EventDelivery._meta.fields]
