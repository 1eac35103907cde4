"""Admin of the roadmap share links: product creates them (through the service, which
draws the token) and revokes them (an action); a link is never edited or deleted, so
what an outsider was shown stays on record."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.admin_services import RoleAdminMixin, adopt, call_service, form_values
from scoring.models import RoadmapShareLink
from scoring.sharing import services

CREATE_FIELDS = ("label", "group", "by", "show_scores", "show_positions", "show_readiness",
                 "show_evidence", "expires_at")  # fmt: skip


@admin.register(RoadmapShareLink)
class RoadmapShareLinkAdmin(RoleAdminMixin, admin.ModelAdmin):
    list_display = ("label", "by", "group", "expires_at", "revoked_at", "active", "created_by")
    list_select_related = ("created_by",)
    actions = ("revoke",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return CREATE_FIELDS
        return (*CREATE_FIELDS, "link", "revoked_at", "created_by", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return (*CREATE_FIELDS, "link", "revoked_at", "created_by", "created_at")

    @admin.display(boolean=True, description=_("active"))
    def active(self, obj: RoadmapShareLink) -> bool:
        return obj.is_active

    @admin.display(description=_("link"))
    def link(self, obj: RoadmapShareLink) -> Any:
        path = reverse("roadmap-shared", kwargs={"token": obj.token})
        return format_html('<a href="{}">{}</a>', path, path)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if change:
            return  # nothing is editable on an existing link
        values = form_values(form, form.fields)
        saved = call_service(services.share_link_create, created_by=request.user, **values)
        adopt(obj, saved)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected links"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[RoadmapShareLink]) -> None:
        if not self.may_write(request):
            self.message_user(request, _("Only product may revoke."), messages.ERROR)
            return
        for link in queryset:
            services.share_link_revoke(link=link)
        self.message_user(request, _("Revoked."), messages.SUCCESS)
