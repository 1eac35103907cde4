"""Moved to tests.support.api; kept so that branches written against the old path merge.
Import from tests.support.api."""

from tests.support.api import *  # noqa: F403
from tests.support.api import (  # noqa: F401
    API,
    api_client_for,
    assert_error,
    count_queries,
    error_fields,
    sqlite_real_variable_limit,
)
