"""Admin of outbound webhooks: subscriptions (managed by product), the outbox, deliveries
with their attempt log, and redelivery. Writes go through the services, like the API's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.roles import acting_user
from config.webhooks import services
from config.webhooks.events import EVENT_TYPES
from config.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(name, f"{name}: {text}") for name, text in EVENT_TYPES.items()],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookSubscription
        fields = ["url", "description", "events", "is_active"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns (its stub says "or None")
        candidate = WebhookSubscription(
            url=data.get("url") or "", events=list(data.get("events") or [])
        )
        try:
            services._validate(candidate)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        return data


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = (
        "url",
        "description",
        "is_active",
        "consecutive_failures",
        "disabled_at",
        "owner",
    )
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    readonly_fields = ("secret", "owner", "consecutive_failures", "disabled_at", "disabled_reason")
    actions = ("enable", "rotate_secret")

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # The owner's notice: a subscription disabled after repeated failures says so here.
        disabled = WebhookSubscription.objects.filter(
            owner_id=request.user.pk, is_active=False, disabled_at__isnull=False
        )
        for subscription in disabled:
            self.message_user(
                request,
                _(
                    "Your webhook subscription to %(url)s was disabled (%(reason)s); fix the "
                    "receiver, then enable it."
                )
                % {"url": subscription.url, "reason": subscription.disabled_reason},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in WebhookSubscriptionForm.Meta.fields}
        data["events"] = list(data["events"])
        if change:
            saved = services.subscription_update(subscription=obj, data=data)
        else:
            saved = services.subscription_create(owner=acting_user(request.user), **data)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.subscription_delete(subscription=obj)

    @admin.action(description=_("Enable (and send what was waiting)"), permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet) -> None:
        for subscription in queryset:
            services.subscription_update(subscription=subscription, data={"is_active": True})
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d subscription enabled.", "%(count)d subscriptions enabled.", count)
            % {"count": count},
        )

    @admin.action(description=_("Rotate the signing secret"), permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet) -> None:
        for subscription in queryset:
            services.subscription_rotate_secret(subscription=subscription)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d secret rotated.", "%(count)d secrets rotated.", count)
            % {"count": count},
        )


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("attempted_at", "ok", "status_code", "duration_ms", "error", "response_excerpt")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "event",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "event__type", "subscription")
    list_select_related = ("event", "subscription")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = (WebhookAttemptInline,)
    actions = ("redeliver",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Redeliver"), permissions=["change"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet) -> None:
        done, refused = 0, 0
        for delivery in queryset:
            try:
                services.delivery_redeliver(delivery=delivery)
                done += 1
            except ValidationError:
                refused += 1
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", done)
            % {"count": done},
        )
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(count)d left alone: its subscription is disabled.",
                    "%(count)d left alone: their subscription is disabled.",
                    refused,
                )
                % {"count": refused},
                messages.WARNING,
            )


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("message_id", "type", "created_at")
    list_filter = ("type",)
    readonly_fields = ("id", "type", "payload", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
