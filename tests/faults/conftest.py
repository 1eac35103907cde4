"""The fault tests' fixtures; the helpers (servers, workers, a private Redis) live in
tests.support.processes."""

from tests.support.processes import own_redis, shared_db  # noqa: F401
