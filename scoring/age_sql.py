"""The SQL of an input's age in days, as SCORING.md defines it: (now − observed_at) in
days, exact to the microsecond in both dialects.

SQLite keeps datetimes as text (`YYYY-MM-DD HH:MM:SS[.ffffff]`, naive UTC). Its date
functions (`julianday`, `unixepoch`) count whole milliseconds, which with a half-life of
one day moves a score by ~5e-9 relative. So the whole seconds come from `strftime('%s')`
(an exact integer) and the microseconds from the text itself. `now` is bound as
`%(now)s`, in the same text form on SQLite (see `_now_param` in the selectors)."""

from __future__ import annotations

from django.db import connection


def age_days_sql(column: str) -> str:
    """SQL for max(0, now − column) in days; `now` is the query parameter `%(now)s`."""
    if connection.vendor == "postgresql":
        return f"GREATEST(0.0, EXTRACT(EPOCH FROM (%(now)s - {column}))::float8 / 86400.0)"
    now_whole = "CAST(strftime('%%s', substr(%(now)s, 1, 19)) AS INTEGER)"
    now_fraction = "CAST('0' || substr(%(now)s, 20) AS REAL)"
    col_whole = f"CAST(strftime('%%s', substr({column}, 1, 19)) AS INTEGER)"
    col_fraction = f"CAST('0' || substr({column}, 20) AS REAL)"
    seconds = f"(({now_whole} - {col_whole}) + ({now_fraction} - {col_fraction}))"
    return f"MAX(0.0, {seconds} / 86400.0)"
