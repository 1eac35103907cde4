"""The push of a published ranking to Jira (`jira_ranking_push`), queued by
roadmap.jira.queue and run by the task of roadmap.jira.tasks.

The push (`jira_ranking_push`) takes plain data, one `JiraPushItem` per ranking entry with
a Jira key, in ranking order, and runs in two steps:

1. **Fields.** Each issue gets its values (score, and reach/impact/confidence/effort when
   their JIRA_*_FIELD is set) with `PUT /rest/api/3/issue/{key}`, but only when they
   differ from the values of that key's last successful push (its last `ok` fields
   record); unchanged issues get a `skipped` record and no request. A 404 fails that
   issue alone: it is recorded, left out of the order, and the rest goes on.
2. **Order.** `jira_rank_plan` compares the order of the last push that completed its rank
   step with the wanted order and plans the fewest rank calls that make Jira's relative
   order of our issues equal the ranking's (see its docstring). A call that Jira refuses
   for some issues (207) fails those issues alone; a call refused whole (400/404) is
   explained (is the anchor gone?) and retried issue by issue, so one missing issue never
   costs the others their place.

`force=True` sends every value and re-ranks everything, whatever was pushed before.

No database transaction is open during an HTTP call: the run is started and committed,
records are written after the calls they describe (in batches), and the run is finished
at the end. At most one run is `running` at a time (a partial unique constraint): a push
that finds another one running raises `JiraPushBusy`, and its task retries later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from roadmap.jira import JiraSettings, jira_settings
from roadmap.jira.client import JiraClient, JiraResponse, JiraUnavailable
from roadmap.jira.models import JiraSyncRecord, JiraSyncRun
from roadmap.jira.planner import RankCall, RankOrder, jira_rank_plan
from roadmap.jira.runs import (
    last_pushed_values,
    last_rank_order,
    run_finish,
    run_start,
)
from roadmap.models import RoadmapItem

logger = logging.getLogger(__name__)

# Values are pushed with this many significant digits: Jira shows them to people, and a
# change below that (decay of old evidence, float noise) is not worth a request.
SIGNIFICANT_DIGITS = 6
# Records are written in batches of this many (and at the end of each step).
_FLUSH_EVERY = 50

Run = JiraSyncRun
Record = JiraSyncRecord


class _Abort(Exception):
    """Stop the run: nothing more can go through (Jira gone, credentials refused)."""

    def __init__(self, message: str, *, status: int | None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class JiraPushItem:
    """One ranking entry with a Jira key, as the push needs it."""

    item_id: int
    jira_key: str
    position: int
    score: float
    reach: float | None
    impact: float | None
    confidence: float | None
    effort: float | None


@dataclass(frozen=True)
class JiraPushRanking:
    """A published ranking as the push needs it: its number and its entries with a Jira
    key (what scoring's provider answers; see roadmap.jira.tasks)."""

    number: int
    items: list[JiraPushItem]


# --- The push -------------------------------------------------------------------------------


def jira_ranking_push(
    *,
    ranking_number: int,
    items: Sequence[JiraPushItem],
    force: bool = False,
    run_id: int | None = None,
    client: JiraClient | None = None,
    config: JiraSettings | None = None,
) -> JiraSyncRun:
    """Push a published ranking to Jira (see the module docstring) and return its run.

    `run_id` names the queued run to carry out (jira_push_queue); without it a run is
    created. A run that is no longer queued (a redelivered task) is returned untouched.
    Raises JiraPushBusy when another push is running. `client` and `config` are for tests.
    """
    config = config or jira_settings()
    run = run_start(run_id=run_id, ranking_number=ranking_number, force=force)
    if run.status != Run.Status.RUNNING:
        return run
    if not config.push_enabled:
        return run_finish(run, error="Jira is not configured; set the JIRA_* variables.")
    own_client = client is None
    client = client or JiraClient.from_settings(config)
    push = _Push(run=run, items=sorted(items, key=lambda i: i.position), config=config)
    try:
        push.execute(client)
    except _Abort as exc:
        push.error = str(exc)
    except Exception as exc:
        # A bug or an interrupted task (soft time limit): say so on the run, then let it
        # propagate to the worker's log.
        push.error = f"interrupted: {type(exc).__name__}: {exc}"
        push.finish(client)
        raise
    finally:
        if own_client:
            client.close()
    return push.finish(client)


def _significant(value: float | None) -> float | None:
    if value is None:
        return None
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


@dataclass
class _Push:
    """The state of one push while it runs; `finish` writes it to the run."""

    run: JiraSyncRun
    items: list[JiraPushItem]
    config: JiraSettings
    error: str = ""
    pending: list[JiraSyncRecord] = field(default_factory=list)
    by_key: dict[str, JiraPushItem] = field(default_factory=dict)
    # Keys with any failure (the run's failed count), keys Jira does not have, keys whose
    # place could not be set.
    failed: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)
    unranked: set[str] = field(default_factory=set)
    # (key, action) of every record written: what an aborted run never reached is the rest.
    done: set[tuple[str, str]] = field(default_factory=set)
    updated: int = 0
    unchanged: int = 0
    not_attempted: int = 0
    key_missing: int = 0
    rank_calls: int = 0
    order_uncertain: bool = False

    def execute(self, client: JiraClient) -> None:
        self.run.item_count = len(self.items)
        self.leave_out_missing_keys()
        self.by_key = {item.jira_key: item for item in self.items}
        self.push_fields(client)
        self.push_order(client)

    def leave_out_missing_keys(self) -> None:
        """Keys Jira answered 404 for before (flagged on their item, until the key
        changes) are not sent: each would fail again and keep every run partial. They are
        recorded as `key_missing`, for both steps, and counted apart."""
        flagged = dict(
            RoadmapItem.objects.filter(
                jira_key__in=[item.jira_key for item in self.items],
                jira_key_missing_since__isnull=False,
            ).values_list("jira_key", "jira_key_missing_since")
        )
        if not flagged:
            return
        sent = []
        for item in self.items:
            since = flagged.get(item.jira_key)
            if since is None:
                sent.append(item)
                continue
            note = (
                f"Jira key not found: Jira answered 404 for {item.jira_key} on "
                f"{since:%Y-%m-%d %H:%M} UTC; not sent until the item's Jira key changes"
            )
            for action in (Record.Action.FIELDS, Record.Action.RANK):
                self.record(item, action, Record.Status.KEY_MISSING, error=note)
        self.key_missing = len(self.items) - len(sent)
        self.items = sent

    # --- Step 1: field values --------------------------------------------------------------

    def values_of(self, item: JiraPushItem) -> dict[str, float | None]:
        return {
            field_id: _significant(getattr(item, value))
            for value, field_id in self.config.value_fields.items()
        }

    def push_fields(self, client: JiraClient) -> None:
        last = {} if self.run.force else last_pushed_values([i.jira_key for i in self.items])
        for item in self.items:
            values = self.values_of(item)
            if last.get(item.jira_key) == values:
                self.unchanged += 1
                self.record(item, Record.Action.FIELDS, Record.Status.SKIPPED, values=values)
                continue
            try:
                response = self.call(client.issue_update_fields, item.jira_key, values)
            except _Abort as exc:
                self.fail(item, Record.Action.FIELDS, str(exc), values=values, status=exc.status)
                raise
            if response.ok:
                self.updated += 1
                self.record(item, Record.Action.FIELDS, Record.Status.OK, response, values)
            elif response.status == 404:
                self.missing.add(item.jira_key)
                error = (
                    f"issue not found (or not visible to the Jira user): {response.error_message()}"
                )
                self.fail(item, Record.Action.FIELDS, error, response, values)
            else:
                self.fail(item, Record.Action.FIELDS, response.error_message(), response, values)
            self.flush(every=_FLUSH_EVERY)
        self.flush()

    # --- Step 2: order ---------------------------------------------------------------------

    def push_order(self, client: JiraClient) -> None:
        # Issues Jira just told us it does not have are left out of the order.
        desired = [i.jira_key for i in self.items if i.jira_key not in self.missing]
        for key in sorted(self.missing, key=lambda k: self.by_key[k].position):
            self.fail(self.by_key[key], Record.Action.RANK, "not ranked: Jira has no such issue")
        previous = [] if self.run.force else last_rank_order(exclude_run=self.run.pk)
        plan = jira_rank_plan(previous=previous, desired=desired)
        # Until the plan is carried out, Jira's order is unknown: say so first, so that a
        # run that dies halfway makes the next one re-rank everything.
        self.run.rank_synced = False
        self.run.save(update_fields=["rank_synced"])
        order = RankOrder(desired=desired, moved={key for call in plan for key in call.issues})
        for call in plan:
            self.rank(client, call, order)
        for key in desired:
            if key in self.unranked:
                continue  # recorded when it failed
            item = self.by_key[key]
            # Sent in a call: where it went. Else it kept its place (or headed the chain).
            sent = order.placed.get(key)
            status = Record.Status.OK if sent else Record.Status.SKIPPED
            self.record(
                item, Record.Action.RANK, status, values={"position": item.position, **(sent or {})}
            )
        self.flush()
        self.run.rank_synced = not self.order_uncertain

    def rank(self, client: JiraClient, call: RankCall, order: RankOrder) -> None:
        """Carry out one planned call: on another anchor when the planned one failed, one
        issue at a time when Jira refuses the call as a whole."""
        issues = [key for key in call.issues if key not in self.unranked]
        for _ in range(3):  # at most two anchors found missing per call
            if not issues:
                return
            anchor = order.anchor(call, unusable=self.unranked)
            if anchor is None:
                # No issue in place above or below any more: the first one stays where it
                # is and the others follow it. Its place against the issues further down
                # is not known, so the next push re-ranks everything.
                self.order_uncertain = True
                head, issues = issues[0], issues[1:]
                order.placed[head] = {}
                if not issues:
                    return
                anchor = ("after", head)
            side, anchor_key = anchor
            response = self.send_rank(client, issues, side, anchor_key)
            if response.status in (200, 204):
                order.place(issues, side, anchor_key)
                return
            if response.status == 207:
                self.partial_rank(response, issues, side, anchor_key, order)
                return
            if response.status in (400, 404) and not self.exists(client, anchor_key):
                self.missing.add(anchor_key)
                self.fail(
                    self.by_key[anchor_key],
                    Record.Action.RANK,
                    "Jira has no such issue (found as the anchor of a rank call; the others "
                    "were ranked around it)",
                    response,
                )
                continue
            if response.status in (400, 404) and len(issues) > 1:
                self.rank_one_by_one(client, issues, side, anchor_key, order)
                return
            for key in issues:
                self.fail(self.by_key[key], Record.Action.RANK, response.error_message(), response)
            return
        for key in issues:
            self.fail(
                self.by_key[key], Record.Action.RANK, "not ranked: no issue left to rank it by"
            )

    def send_rank(
        self, client: JiraClient, issues: list[str], side: str, anchor: str
    ) -> JiraResponse:
        self.rank_calls += 1
        try:
            return self.call(
                client.issues_rank,
                issues,
                after=anchor if side == "after" else None,
                before=anchor if side == "before" else None,
                rank_field_id=self.config.rank_field_id,
            )
        except _Abort as exc:
            for key in issues:
                self.fail(self.by_key[key], Record.Action.RANK, str(exc), status=exc.status)
            raise

    def partial_rank(
        self, response: JiraResponse, issues: list[str], side: str, anchor: str, order: RankOrder
    ) -> None:
        """207: Jira moved some issues and says, per issue, which it could not."""
        refused: dict[str, str] = {}
        body = response.body if isinstance(response.body, dict) else {}
        for entry in body.get("entries") or []:
            if not isinstance(entry, dict) or 200 <= int(entry.get("status") or 0) < 300:
                continue
            errors = "; ".join(str(e) for e in entry.get("errors") or [])
            refused[str(entry.get("issueKey") or "")] = errors or (
                f"refused with status {entry.get('status')}"
            )
            if int(entry.get("status") or 0) == 404:
                self.missing.add(str(entry.get("issueKey") or ""))
        for key in issues:
            if key in refused:
                self.fail(self.by_key[key], Record.Action.RANK, refused[key], response)
        order.place([key for key in issues if key not in refused], side, anchor)

    def rank_one_by_one(
        self, client: JiraClient, issues: list[str], side: str, anchor: str, order: RankOrder
    ) -> None:
        """Jira refused the whole call (an issue in it is gone): rank each issue on its
        own after the last one placed, so only the missing ones fail."""
        for key in issues:
            response = self.send_rank(client, [key], side, anchor)
            if response.ok:
                order.place([key], side, anchor)
                side, anchor = "after", key
            else:
                self.fail(self.by_key[key], Record.Action.RANK, response.error_message(), response)

    def exists(self, client: JiraClient, key: str) -> bool:
        return self.call(client.issue_exists, key).status != 404

    # --- Bookkeeping -------------------------------------------------------------------------

    def call(self, method: Callable[..., JiraResponse], *args: Any, **kwargs: Any) -> JiraResponse:
        """One client call; 401 (credentials refused) and giving up stop the run."""
        try:
            response = method(*args, **kwargs)
        except JiraUnavailable as exc:
            raise _Abort(str(exc), status=exc.status) from exc
        if response.status == 401:
            raise _Abort(
                f"Jira refused the credentials (401): {response.error_message()}", status=401
            )
        return response

    def record(
        self,
        item: JiraPushItem,
        action: str,
        status: str,
        response: JiraResponse | None = None,
        values: dict[str, Any] | None = None,
        error: str = "",
        http_status: int | None = None,
    ) -> None:
        self.done.add((item.jira_key, action))
        self.pending.append(
            JiraSyncRecord(
                run=self.run,
                item_id=item.item_id,
                jira_key=item.jira_key,
                position=item.position,
                action=action,
                status=status,
                http_status=http_status if response is None else response.status,
                error=error[:2000],
                values=values or {},
            )
        )

    def fail(
        self,
        item: JiraPushItem,
        action: str,
        error: str,
        response: JiraResponse | None = None,
        values: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        self.failed.add(item.jira_key)
        if action == Record.Action.RANK:
            self.unranked.add(item.jira_key)
        self.record(item, action, Record.Status.FAILED, response, values, error, status)

    def flush(self, *, every: int = 0) -> None:
        if len(self.pending) > every:
            JiraSyncRecord.objects.bulk_create(self.pending)
            self.pending = []

    def record_not_attempted(self) -> None:
        """The run stopped: record each step it never reached for each item, and count
        the items it never reached at all."""
        reached = {key for key, _ in self.done}
        self.not_attempted = sum(1 for item in self.items if item.jira_key not in reached)
        for item in self.items:
            for action in (Record.Action.FIELDS, Record.Action.RANK):
                if (item.jira_key, action) not in self.done:
                    self.record(
                        item,
                        action,
                        Record.Status.NOT_ATTEMPTED,
                        error="not attempted: the run stopped before this step reached it",
                    )

    def flag_missing_keys(self) -> None:
        """Mark the items whose key Jira answered 404 for (see leave_out_missing_keys)."""
        if self.missing:
            RoadmapItem.objects.filter(
                jira_key__in=self.missing, jira_key_missing_since__isnull=True
            ).update(jira_key_missing_since=timezone.now())

    def finish(self, client: JiraClient) -> JiraSyncRun:
        if self.error:
            self.record_not_attempted()
        self.flush()
        self.flag_missing_keys()
        run = self.run
        run.updated_count = self.updated
        run.unchanged_count = self.unchanged
        run.failed_count = len(self.failed)
        run.not_attempted_count = self.not_attempted
        run.key_missing_count = self.key_missing
        run.rank_calls = self.rank_calls
        run.request_count = len(client.attempts)
        run.error = self.error[:2000]
        if self.error or (run.item_count and run.failed_count == run.item_count):
            run.status = Run.Status.FAILED
        elif run.failed_count:
            run.status = Run.Status.PARTIAL
        else:
            run.status = Run.Status.SUCCEEDED
        run.finished_at = timezone.now()
        run.save()
        log = logger.warning if run.status != Run.Status.SUCCEEDED else logger.info
        log(
            "jira push of ranking %s: %s (%d updated, %d unchanged, %d failed, %d not attempted, "
            "%d with a Jira key not found, %d rank calls)%s",
            run.ranking_number,
            run.status,
            run.updated_count,
            run.unchanged_count,
            run.failed_count,
            run.not_attempted_count,
            run.key_missing_count,
            run.rank_calls,
            f": {run.error}" if run.error else "",
        )
        return run


def jira_key_missing_clear(*, item_ids: Sequence[int]) -> int:
    """Let the push try these items' Jira keys again (the issue was restored in Jira, or
    its permissions fixed): clear the flag set when Jira answered 404. Changing the key
    clears it too (item_update). Returns how many items were flagged."""
    return RoadmapItem.objects.filter(
        pk__in=list(item_ids), jira_key_missing_since__isnull=False
    ).update(jira_key_missing_since=None)
