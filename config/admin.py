from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from config.models import ApiKey, IdempotencyRecord

# The package's own key model is unused: our keys belong to users.
admin.site.unregister(APIKey)
# "View site" leads to the committee board (`/` redirects there).
admin.site.site_url = "/"


@admin.register(ApiKey)
class ApiKeyAdmin(APIKeyModelAdmin):
    # The library's attributes are inferred as tuples of their exact length: extending them
    # is an [assignment] error to mypy only.
    list_display = [*APIKeyModelAdmin.list_display, "user", "last_used_at"]  # type: ignore[assignment]
    list_filter = [*APIKeyModelAdmin.list_filter, "user__groups"]  # type: ignore[assignment]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    search_fields = ["name", "prefix", "user__username"]  # type: ignore[assignment]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["key", "method", "path", "status_code", "created_at"]
    list_filter = ["method", "status_code"]
    search_fields = ["key", "path"]
    readonly_fields = [f.name for f in IdempotencyRecord._meta.fields]

    def has_add_permission(self, request):
        return False


from config.webhooks import admin as webhooks_admin  # noqa: E402, F401  (registers the admin)
