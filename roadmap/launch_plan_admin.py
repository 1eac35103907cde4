"""Admin for launch plans: an inline on the item page (roadmap.admin) and their own list,
shared by product and marketing as in the API, written through the launch plan services."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.db.models import IntegerField, QuerySet
from django.db.models.functions import Cast
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.admin_services import RoleAdminMixin, ServiceFormSet, adopt, call_service, form_values
from config.roles import Role
from roadmap import services
from roadmap.choices import LAUNCH_CHECKLIST, LAUNCH_CHECKLIST_FIELDS, Channel
from roadmap.models import LaunchPlan

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec


class LinesField(forms.CharField):
    """A list of strings edited as lines of text (one key message per line)."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    # A list of lines where CharField returns one text: the point of this field.
    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class LaunchPlanForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=capfirst(LaunchPlan._meta.get_field("channels").verbose_name),
    )
    key_messages = LinesField(
        required=False,
        help_text=_("One message per line."),
        label=capfirst(LaunchPlan._meta.get_field("key_messages").verbose_name),
    )

    class Meta:
        model = LaunchPlan
        fields = (
            "item",
            "status",
            "target_launch_date",
            "product_owner",
            "marketing_owner",
            "target_segments",
            "value_proposition",
            "key_messages",
            "channels",
            *LAUNCH_CHECKLIST_FIELDS,
        )


_LAUNCH_FIELDSETS: _FieldsetSpec = (
    (
        None,
        {
            "fields": (
                "status",
                "target_launch_date",
                ("product_owner", "marketing_owner"),
                "target_segments",
                "value_proposition",
                "key_messages",
                "channels",
            )
        },
    ),
    (_("Readiness checklist"), {"fields": LAUNCH_CHECKLIST_FIELDS}),
)


class LaunchPlanFormSet(ServiceFormSet):
    """The item page's launch plan, written through the launch plan services."""

    def service_create(self, form: forms.ModelForm) -> LaunchPlan:
        values = self.row_values(form)
        segments = values.pop("target_segments", None)
        return call_service(
            services.launch_plan_create, item=self.instance, target_segments=segments, **values
        )

    def service_update(self, form: forms.ModelForm) -> LaunchPlan:
        plan = LaunchPlan.objects.get(pk=form.instance.pk)
        return call_service(services.launch_plan_update, plan=plan, data=self.row_values(form))

    def service_delete(self, form: forms.ModelForm) -> None:
        call_service(services.launch_plan_delete, plan=form.instance)


class LaunchPlanInline(admin.StackedInline):
    """The item's launch plan, on the item page (at most one)."""

    model = LaunchPlan
    form = LaunchPlanForm
    formset = LaunchPlanFormSet
    fieldsets = _LAUNCH_FIELDSETS
    autocomplete_fields = ("product_owner", "marketing_owner")
    filter_horizontal = ("target_segments",)
    extra = 0
    max_num = 1
    verbose_name = _("launch plan")
    verbose_name_plural = _("launch plan")


def _readiness_sql() -> Any:
    """The number of checklist items done, as an SQL expression."""
    total: Any = None
    for name in LAUNCH_CHECKLIST_FIELDS:
        term = Cast(name, IntegerField())
        total = term if total is None else total + term
    return total


class LaunchDateFilter(admin.SimpleListFilter):
    """Target dates as a launch calendar reads them: what is coming, and how soon."""

    title = _("target launch date")
    parameter_name = "launch"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [
            ("upcoming", _("Today or later")),
            ("30", _("Next 30 days")),
            ("90", _("Next 90 days")),
            ("past", _("Before today")),
            ("none", _("No date")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        value = self.value()
        if value == "upcoming":
            return queryset.filter(target_launch_date__gte=today)
        if value in ("30", "90"):
            end = today + timedelta(days=int(value))
            return queryset.filter(target_launch_date__gte=today, target_launch_date__lte=end)
        if value == "past":
            return queryset.filter(target_launch_date__lt=today)
        if value == "none":
            return queryset.filter(target_launch_date__isnull=True)
        return queryset


class ReadinessFilter(admin.SimpleListFilter):
    title = _("readiness")
    parameter_name = "readiness"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        total = len(LAUNCH_CHECKLIST)
        return [(str(n), f"{n}/{total}") for n in range(total, -1, -1)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value is None or not value.isdigit():
            return queryset
        return queryset.alias(done=_readiness_sql()).filter(done=int(value))


@admin.register(LaunchPlan)
class LaunchPlanAdmin(RoleAdminMixin, SimpleHistoryAdmin):
    """Launch plans, shared by product and marketing as in the API."""

    write_roles: tuple[str, ...] = (Role.PRODUCT, Role.MARKETING)
    form = LaunchPlanForm
    list_display = (
        "item",
        "status",
        "target_launch_date",
        "readiness_display",
        "product_owner",
        "marketing_owner",
        "updated_at",
    )
    list_filter = (
        "status",
        LaunchDateFilter,
        ReadinessFilter,
        ("product_owner", admin.RelatedOnlyFieldListFilter),
        ("marketing_owner", admin.RelatedOnlyFieldListFilter),
        "target_segments",
    )
    list_select_related = ("item", "product_owner", "marketing_owner")
    search_fields = ("item__title", "value_proposition")
    date_hierarchy = "target_launch_date"
    autocomplete_fields = ("item", "product_owner", "marketing_owner")
    filter_horizontal = ("target_segments",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("item",)}),
        *_LAUNCH_FIELDSETS,
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.display(description=_("readiness"))
    def readiness_display(self, plan: LaunchPlan) -> str:
        return f"{plan.readiness}/{len(LAUNCH_CHECKLIST)}"

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        values = form_values(form, form.fields)
        if change:
            plan = LaunchPlan.objects.get(pk=obj.pk)
            saved = call_service(services.launch_plan_update, plan=plan, data=values)
        else:
            segments = values.pop("target_segments", None)
            saved = call_service(services.launch_plan_create, target_segments=segments, **values)
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        call_service(services.launch_plan_delete, plan=obj)
