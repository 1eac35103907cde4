"""What the admin tests share: the form a browser would post back, the messages shown,
and a staff user of each role with the Django permissions the admin asks for."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.forms import MultiWidget

from tests.support.factories import UserFactory


def admin_form_data(response: Any) -> dict[str, Any]:
    """The POST body a browser would send back for an admin change form as rendered,
    inlines included, so a test can change one field and submit the rest unchanged."""
    forms = [response.context["adminform"].form]
    # A history "Revert" form has no inlines.
    inlines = response.context.get("inline_admin_formsets") or []
    for inline in inlines:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data: dict[str, Any] = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None:
                continue
            if isinstance(bound.field.widget, MultiWidget):
                for index, part in enumerate(bound.field.widget.decompress(value)):
                    data[f"{bound.html_name}_{index}"] = str(part)
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = str(value)
    return data


def messages_of(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def form_errors(response: Any) -> str:
    """Every error of the re-rendered admin form, as one text."""
    form = response.context["adminform"].form
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def staff_user(username: str, role: str, *app_labels: str) -> Any:
    """A staff user of `role` holding every Django permission of those apps: what the
    admin checks before our role and ownership rules have their say."""
    user = UserFactory(username=username, role=role, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=app_labels))
    return user
