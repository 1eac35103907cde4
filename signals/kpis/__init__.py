"""The KPIs of outcomes: their ranges and good direction (`ranges`, pure) and the shared
KPIs computed from the outcomes of shipped items (`selectors`)."""

from signals.kpis.ranges import (
    KPI_RANGES,
    MAX_ABS_VALUE,
    RATE,
    RATE_KPIS,
    KpiRange,
    kpi_lift,
    kpi_value_error,
)

__all__ = [
    "KPI_RANGES",
    "MAX_ABS_VALUE",
    "RATE",
    "RATE_KPIS",
    "KpiRange",
    "kpi_lift",
    "kpi_value_error",
]
