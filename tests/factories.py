"""Moved to tests.support.factories; kept so that branches written against the old path
merge. Import from tests.support.factories."""

from tests.support.factories import *  # noqa: F403
