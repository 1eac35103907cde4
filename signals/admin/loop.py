"""Admin of the loop back: expected results (product and marketing write, through the
services) and notifications (read only: the ship hook writes them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from config.admin_services import RoleAdminMixin, adopt, call_service, form_values
from config.roles import Role
from signals.loop import services
from signals.loop.models import ExpectedResult, Notification, NotificationPreference


@admin.register(ExpectedResult)
class ExpectedResultAdmin(RoleAdminMixin, SimpleHistoryAdmin):
    write_roles = (Role.PRODUCT, Role.MARKETING)
    list_display = ("launch_plan", "kpi_name", "segment", "channel", "expected_value",
                    "expected_lift", "due_date")  # fmt: skip
    list_filter = ("kpi", "channel")
    list_select_related = ("launch_plan__item", "segment")
    autocomplete_fields = ()
    raw_id_fields = ("launch_plan",)
    fields = services.EXPECTED_RESULT_FIELDS

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        values = form_values(form, form.fields)
        if change:
            fresh = ExpectedResult.objects.get(pk=obj.pk)
            saved = call_service(services.expected_result_update, expected=fresh, data=values)
        else:
            saved = call_service(services.expected_result_create, created_by=request.user, **values)
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        call_service(services.expected_result_delete, expected=obj)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("event", "item", "user", "created_at", "read_at", "emailed_at")
    list_filter = ("event",)
    list_select_related = ("item", "user")
    readonly_fields = ("user", "item", "event", "created_at", "read_at", "emailed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email_on_ship")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
