"""Moved to tests.support.admin; kept so that branches written against the old path merge.
Import from tests.support.admin."""

from tests.support.admin import *  # noqa: F403
from tests.support.admin import (  # noqa: F401
    admin_form_data,
    form_errors,
    messages_of,
    staff_user,
)
