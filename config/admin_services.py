"""The admin as a thin caller of the services: what every app's admin shares.

The admin's own save path (`save_model`, `save_related`, `formset.save()`,
`delete_model`) writes models directly, around the services' validation, transitions and
dirty marks. `ServiceAdminMixin` replaces it with service calls, and turns a service's
refusal into what a person in the admin expects: the form again, with their input and the
reason, and nothing written. `ServiceFormSet` does the same for inlines.

`config` knows no app: the concrete services are named by each app's admin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.forms import ModelForm
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from config.roles import Role, has_role

T = TypeVar("T")

# Set on the request by the first pass of a refused change form, read by the second.
_REFUSAL_ATTR = "_admin_service_refusal"
# Set on the request of a history "Revert": it saves a past version, not the one read.
_REVERT_ATTR = "_admin_history_revert"


def is_history_revert(request: HttpRequest) -> bool:
    return bool(getattr(request, _REVERT_ATTR, False))


class ServiceRefused(Exception):
    """A service refused the admin's write; `error` says why. Raised out of the admin's
    atomic block, so whatever the same save wrote before is rolled back."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(error)
        self.error = error


def refusal_messages(error: ValidationError) -> list[str]:
    """The refusal as sentences, each naming its field (for admin messages)."""
    if hasattr(error, "error_dict"):
        return [
            text if name == NON_FIELD_ERRORS else f"{name}: {text}"
            for name, texts in error.message_dict.items()
            for text in texts
        ]
    return list(error.messages)


def call_service(
    service: Callable[..., T],
    /,
    *,
    refusals: Iterable[tuple[type[Exception], Callable[[Exception], ValidationError]]] = (),
    **kwargs: Any,
) -> T:
    """Call `service`; its ValidationError, or an exception listed in `refusals` (with the
    function that explains it as one), becomes `ServiceRefused`."""
    translators = tuple(refusals)
    try:
        return service(**kwargs)
    except ValidationError as exc:
        raise ServiceRefused(exc) from exc
    except Exception as exc:
        for kind, explain in translators:
            if isinstance(exc, kind):
                raise ServiceRefused(explain(exc)) from exc
        raise


def adopt(obj: Model, saved: Model) -> None:
    """Copy what the service saved onto the admin's instance, which the admin goes on
    using (its log entry, its redirect, the inlines' foreign key)."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def form_values(form: forms.BaseForm, names: Iterable[str]) -> dict[str, Any]:
    """The cleaned values of those of `names` the form edits (read-only fields are not in
    the form, so they never reach a service)."""
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


class _RefusedForm(forms.BaseForm):
    """The second pass of a refused save: the form shows the service's reason as its own
    errors, so the admin re-renders it with the input kept and saves nothing."""

    service_error: ValidationError

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns (its stub says "or None")
        error = self.service_error
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                if name in self.fields:
                    self.add_error(name, errors)
                else:
                    for text in ValidationError(errors).messages:
                        label = "" if name == NON_FIELD_ERRORS else f"{name}: "
                        self.add_error(None, f"{label}{text}")
        else:
            self.add_error(None, error)
        return cleaned


class ServiceAdminMixin(ModelAdmin):
    """Change forms whose service refusals come back as form errors, deletions whose
    refusals come back as messages, never a 500 and never a half-written row.

    Subclasses call their services from `save_model`, `save_related` and `delete_model`
    through `call_service`, and leave `save_related` without `form.save_m2m()` when the
    service sets the many-to-many fields itself.
    """

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # Rolled back. Again, with the reason as the form's errors: the same page,
            # the same input, this time invalid, so nothing is saved.
            setattr(request, _REFUSAL_ATTR, refused.error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, _REFUSAL_ATTR, None)
        if error is None:
            return form
        return type(form.__name__, (_RefusedForm, form), {"service_error": error})

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except ServiceRefused as refused:
            self.refused_message(request, refused)
            return HttpResponseRedirect(request.get_full_path())

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """simple-history's "Revert" saves through `save_model` (so through the services
        here), but lets anyone who may view the history post it: only those who may change
        the record may revert it."""
        if request.method == "POST":
            current = self.get_object(request, unquote(object_id))
            if current is None or not self.has_change_permission(request, current):
                raise PermissionDenied
            setattr(request, _REVERT_ATTR, True)
        view = super().history_form_view  # type: ignore[misc]
        try:
            with transaction.atomic():
                return view(request, object_id, version_id, extra_context)
        except ServiceRefused as refused:
            self.refused_message(request, refused)
            return HttpResponseRedirect(request.get_full_path())

    def refused_message(self, request: HttpRequest, refused: ServiceRefused) -> None:
        for text in refusal_messages(refused.error):
            self.message_user(request, text, messages.ERROR)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        raise NotImplementedError(f"{type(self).__name__} saves through its services")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # No form.save_m2m(): the services set the many-to-many fields they own.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        # "Delete selected" runs outside the admin's own transaction: all or nothing.
        try:
            with transaction.atomic():
                for obj in queryset:
                    self.delete_model(request, obj)
        except ServiceRefused as refused:
            self.refused_message(request, refused)


class RoleAdminMixin(ServiceAdminMixin):
    """Writes through the services, by the roles the API lets write (`write_roles`), on
    top of the Django permissions the admin already checks."""

    write_roles: tuple[str, ...] = (Role.PRODUCT,)

    def may_write(self, request: HttpRequest) -> bool:
        return has_role(request.user, *self.write_roles)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self.may_write(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_write(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_write(request) and super().has_delete_permission(request, obj)


class CrudServiceAdmin(RoleAdminMixin, ModelAdmin):
    """A model written by three services, `create`, `update` and `delete`, which take the
    record by the keyword `noun` (themes and segments)."""

    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    noun: str

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        values = form_values(form, form.fields)
        if change:
            fresh = type(obj).objects.get(pk=obj.pk)
            saved = call_service(type(self).update, **{self.noun: fresh, "data": values})
        else:
            saved = call_service(type(self).create, **values)
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        call_service(type(self).delete, **{self.noun: obj})


class ServiceFormSet(BaseInlineFormSet):
    """An inline formset that writes each row through a service: subclasses define
    `service_create`, `service_update` and `service_delete`. Runs inside the change
    form's transaction; a refusal rolls the whole save back."""

    # Rows the admin's "Change message" reads, as Django's own formset sets them.
    new_objects: list[Any]
    changed_objects: list[tuple[Any, list[str]]]
    deleted_objects: list[Any]

    def service_create(self, form: forms.ModelForm) -> Model:
        raise NotImplementedError

    def service_update(self, form: forms.ModelForm) -> Model:
        raise NotImplementedError

    def service_delete(self, form: forms.ModelForm) -> None:
        raise NotImplementedError

    def row_values(self, form: forms.ModelForm) -> dict[str, Any]:
        """The row's edited fields, without the parent's key and the formset's own."""
        skip = {self.fk.name, "id", "DELETE", "ORDER"}
        return form_values(form, [name for name in form.fields if name not in skip])

    def save(self, commit: bool = True) -> list[Any]:
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        for form in self.initial_forms:
            if form.instance.pk is None:
                continue
            if self.can_delete and form.cleaned_data.get(DELETION_FIELD_NAME, False):
                self.service_delete(form)
                self.deleted_objects.append(form.instance)
            elif form.has_changed():
                self.changed_objects.append((self.service_update(form), form.changed_data))
        for form in self.extra_forms:
            if not form.has_changed() or (
                self.can_delete and form.cleaned_data.get(DELETION_FIELD_NAME, False)
            ):
                continue
            self.new_objects.append(self.service_create(form))
        return [*self.new_objects, *(obj for obj, _ in self.changed_objects)]
