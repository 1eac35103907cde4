"""Admin of the Jira integration: read-only records of what was pushed (runs and their
records) and received (webhook deliveries), and the item list's "Jira key not found"
filter. The pushes themselves are actions of the Ranking admin (scoring.admin), since
they start from a published ranking."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from roadmap.jira.models import JiraSyncRecord, JiraSyncRun, JiraWebhookDelivery
from roadmap.jira.push import jira_key_missing_clear

# --- Jira sync: read-only records of what was pushed and received -------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: viewed and filtered, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JiraSyncRun)
class JiraSyncRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "ranking_number",
        "status",
        "force",
        "queued_at",
        "finished_at",
        "item_count",
        "updated_count",
        "unchanged_count",
        "failed_count",
        "not_attempted_count",
        "key_missing_count",
        "rank_calls",
        "request_count",
        "records",
    )
    list_filter = ("status", "force", "rank_synced")
    search_fields = ("=ranking_number", "error")
    date_hierarchy = "queued_at"

    @admin.display(description=_("records"))
    def records(self, run: JiraSyncRun) -> str:
        url = reverse("admin:roadmap_jirasyncrecord_changelist")
        return format_html('<a href="{}?run__id__exact={}">{}</a>', url, run.pk, _("records"))


@admin.register(JiraSyncRecord)
class JiraSyncRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "jira_key",
        "action",
        "status",
        "http_status",
        "position",
        "item",
        "run",
        "error",
        "created_at",
    )
    list_filter = ("status", "action", ("run", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("run",)
    search_fields = ("jira_key", "error")

    @admin.display(description=_("item"), ordering="item_id")
    def item(self, record: JiraSyncRecord) -> str:
        url = reverse("admin:roadmap_roadmapitem_change", args=[record.item_id])
        return format_html('<a href="{}">{}</a>', url, record.item_id)


@admin.register(JiraWebhookDelivery)
class JiraWebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "event", "jira_key", "jira_status", "outcome", "detail")
    list_filter = ("outcome", "event")
    search_fields = ("jira_key", "delivery_id", "detail")
    date_hierarchy = "received_at"


class JiraKeyNotFoundFilter(admin.SimpleListFilter):
    """Items whose Jira key Jira answered 404 for: the push skips them until the key is
    corrected (changing it clears the flag)."""

    title = _("Jira key not found")
    parameter_name = "jira_key_not_found"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Jira key not found")), ("no", _("Jira key found or none"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(jira_key_missing_since__isnull=False)
        if self.value() == "no":
            return queryset.filter(jira_key_missing_since__isnull=True)
        return queryset


@admin.action(description=_("Try the Jira key again at the next push"), permissions=["change"])
def jira_key_retry(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    """An action of the item admin: for a key Jira answered 404 for whose issue is back."""
    cleared = jira_key_missing_clear(item_ids=list(queryset.values_list("pk", flat=True)))
    model_admin.message_user(
        request,
        ngettext(
            "%(count)d item will have its Jira key pushed again.",
            "%(count)d items will have their Jira key pushed again.",
            cleared,
        )
        % {"count": cleared},
        messages.SUCCESS,
    )
