"""Admin of the committee, writing through its services (config.admin_services): a meeting
is created and changed by the services, started and closed by actions; decisions are
recorded on the board or the API and followed up here (owner, due date, status)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from config.admin_services import RoleAdminMixin, adopt, call_service, form_values, refusal_messages
from config.roles import Role, acting_user
from scoring.committees import services
from scoring.committees.models import AgendaPoint, CommitteeMeeting, Decision

WRITERS = (Role.PRODUCT, Role.MARKETING)


class AgendaPointInline(admin.TabularInline):
    model = AgendaPoint
    fields = ("position", "kind", "title", "link", "added_by_hand")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CommitteeMeeting)
class CommitteeMeetingAdmin(RoleAdminMixin, admin.ModelAdmin):
    write_roles = WRITERS
    list_display = ("title", "date", "status", "ranking", "created_by")
    list_filter = ("status",)
    list_select_related = ("ranking", "created_by")
    fields = ("title", "date", "attendees", "status", "ranking", "started_at", "closed_at")
    readonly_fields = ("status", "ranking", "started_at", "closed_at")
    filter_horizontal = ("attendees",)
    inlines = (AgendaPointInline,)
    actions = ("start", "close", "regenerate")

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        values = form_values(form, ("title", "date", "attendees"))
        if change:
            fresh = CommitteeMeeting.objects.get(pk=obj.pk)
            saved = call_service(services.meeting_update, meeting=fresh, data=values)
        else:
            saved = call_service(
                services.meeting_create, created_by=acting_user(request.user), **values
            )
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        call_service(services.meeting_delete, meeting=obj)

    def _each(self, request: HttpRequest, queryset: QuerySet[CommitteeMeeting], act: Any) -> None:
        if not self.may_write(request):
            self.message_user(request, _("Only product and marketing may do this."), messages.ERROR)
            return
        done = 0
        for meeting in queryset:
            try:
                act(meeting)
                done += 1
            except ValidationError as error:
                for text in refusal_messages(error):
                    self.message_user(request, f"{meeting}: {text}", messages.ERROR)
        if done:
            self.message_user(request, _("Done for %(n)s meeting(s).") % {"n": done})

    @admin.action(description=_("Start the selected meeting"))
    def start(self, request: HttpRequest, queryset: QuerySet[CommitteeMeeting]) -> None:
        self._each(
            request,
            queryset,
            lambda m: services.meeting_start(meeting=m, user=acting_user(request.user)),
        )

    @admin.action(description=_("Close the selected meetings (without publishing)"))
    def close(self, request: HttpRequest, queryset: QuerySet[CommitteeMeeting]) -> None:
        self._each(
            request,
            queryset,
            lambda m: services.meeting_close(meeting=m, user=acting_user(request.user)),
        )

    @admin.action(description=_("Rebuild the agenda from the data"))
    def regenerate(self, request: HttpRequest, queryset: QuerySet[CommitteeMeeting]) -> None:
        self._each(request, queryset, lambda m: services.agenda_regenerate(meeting=m))


@admin.register(Decision)
class DecisionAdmin(RoleAdminMixin, admin.ModelAdmin):
    write_roles = WRITERS
    list_display = ("kind", "item", "owner", "team", "due_date", "status", "meeting")
    list_filter = ("status", "kind", "team")
    list_select_related = ("item", "owner", "meeting")
    fields = (
        "meeting", "item", "kind", "rationale", "item_status", "defer_until",
        "owner", "team", "due_date", "status", "done_at",
    )  # fmt: skip
    readonly_fields = ("meeting", "item", "kind", "rationale", "item_status", "defer_until",
                       "done_at")  # fmt: skip

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # decisions are taken in a meeting (the board, the API)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # on record

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        values = form_values(form, ("owner", "team", "due_date", "status"))
        fresh = Decision.objects.get(pk=obj.pk)
        changed = {k: v for k, v in values.items() if getattr(fresh, k) != v}
        saved = call_service(
            services.decision_update, decision=fresh, data=changed, user=acting_user(request.user)
        )
        adopt(obj, saved)
