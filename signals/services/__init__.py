"""Write use-cases for market signals, friction reports and their links to items, and for
outcomes (KPIs measured after an item shipped).

Every write that can change a score marks the linked items dirty in the same transaction:
the items linked before the write as well as after it, so unlinking an item rescores it.
Signals, reports and outcomes share their logic (external ids, bulk upserts) through an
`EvidenceKind` that names the models. Outcomes are no score input: they change no score.

| module | what it writes |
|---|---|
| `common.py` | nothing: the errors, the kinds of evidence, the dirty and radar marks |
| `evidence.py` | signals and reports one at a time (and what one-record writes share) |
| `outcomes.py` | outcomes one at a time |
| `links.py` | links one at a time, and the set-based link sync |
| `bulk.py` | the bulk upserts, answered record by record |
"""

from roadmap.services import items_mark_dirty
from signals.services.bulk import (
    BulkOutcome,
    BulkRecord,
    BulkResult,
    evidence_bulk_upsert,
    outcomes_bulk_upsert,
    reports_bulk_upsert,
    signals_bulk_upsert,
)
from signals.services.common import (
    OUTCOMES,
    REPORT_TRANSITIONS,
    REPORTS,
    SIGNALS,
    AnyEvidence,
    AnyLink,
    BulkWriteConflict,
    DuplicateExternalId,
    EvidenceKind,
    InvalidTransition,
    LinkPairs,
    team_of,
)
from signals.services.evidence import (
    report_create,
    report_delete,
    report_set_status,
    report_update,
    signal_create,
    signal_delete,
    signal_update,
    signals_set_dismissed,
)
from signals.services.links import evidence_link, evidence_link_upsert, evidence_unlink
from signals.services.outcomes import outcome_create, outcome_delete, outcome_update

__all__ = [
    "OUTCOMES",
    "REPORTS",
    "REPORT_TRANSITIONS",
    "SIGNALS",
    "AnyEvidence",
    "AnyLink",
    "BulkOutcome",
    "BulkRecord",
    "BulkResult",
    "BulkWriteConflict",
    "DuplicateExternalId",
    "EvidenceKind",
    "InvalidTransition",
    "LinkPairs",
    "evidence_bulk_upsert",
    "evidence_link",
    "evidence_link_upsert",
    "evidence_unlink",
    "items_mark_dirty",
    "outcome_create",
    "outcome_delete",
    "outcome_update",
    "outcomes_bulk_upsert",
    "report_create",
    "report_delete",
    "report_set_status",
    "report_update",
    "reports_bulk_upsert",
    "signal_create",
    "signal_delete",
    "signal_update",
    "signals_bulk_upsert",
    "signals_set_dismissed",
    "team_of",
]
