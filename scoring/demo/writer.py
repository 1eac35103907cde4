"""Write the demo data set (`scoring.demo.data`) through every app's services.

Demo data is written only where it is missing, keyed on natural keys (theme name, segment
slug, username, item title, an item's launch plan, `(source="demo", external_id)` for
evidence and outcomes): a row that exists is left exactly as it is, whoever changed it, so
running the seed again after using the admin or the API keeps every change. Rows deleted
since are missing, so they come back. A demo item whose Jira key another item took since
is created without a key (the key stays with the item that has it).

On a database without the demo items, the seed also replays three months of committee
history (`data.RANKINGS`, `data.ESTIMATE_CHANGES`, the evidence's dates): dated events in
order, a recomputation through the scoring services every week and three publications, so
that scores, positions and rankings come from the engine as they would have then. The
services stamp "now" on what they write; `demo_backdate` and `demo_history_stamp` (demo
only) move those stamps to the replayed date afterwards.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import models, transaction
from django.db.models import Max

from config.roles import Role
from roadmap import services as roadmap_services
from roadmap.models import LaunchPlan, RoadmapItem, Segment, Theme
from scoring import engine, selectors
from scoring import services as scoring_services
from scoring.committees.demo import committees_demo_seed
from scoring.demo import data
from scoring.models import Ranking, ScoreHistory, ScoringModel
from signals import services as signals_services
from signals.campaigns.demo import campaigns_demo_seed
from signals.models import FrictionReport, MarketSignal, Outcome, ReportLink, SignalLink

SOURCE = data.SOURCE
CHANGE_REASON = data.CHANGE_REASON
SENT_AFTER = timedelta(hours=2)  # evidence is sent a couple of hours after it is observed


@dataclass
class DemoSeedResult:
    """What a run found and wrote."""

    planned: dict[str, int]  # rows of each kind in the demo data set
    created: Counter[str] = field(default_factory=Counter)
    jira_keys_left_out: list[str] = field(default_factory=list)
    history_replayed: bool = False
    rankings_published: int = 0

    @property
    def created_total(self) -> int:
        return sum(self.created.values())


def demo_seed(*, anchor: datetime) -> DemoSeedResult:
    """Create whatever of the demo data set is missing (see the module docstring)."""
    plan = data.build_plan(anchor=anchor)
    result = DemoSeedResult(
        planned={
            "themes": len(data.THEMES),
            "segments": len(data.SEGMENTS),
            "users": len(data.USERS),
            "items": len(plan.items),
            "signals": len(plan.signals),
            "reports": len(plan.reports),
            "launch_plans": len(plan.launch_plans),
            "outcomes": len(plan.outcomes),
            "signal_links": len(plan.signal_links),
            "report_links": len(plan.report_links),
        }
    )
    with transaction.atomic():
        _Writer(plan, anchor, result).run()
        # Four channels over six months, one campaign whose sign-ups rise while its
        # activation collapses: the proposed friction report of the first visit.
        campaigns = campaigns_demo_seed(
            user=get_user_model().objects.filter(username="claire.dubois").first(),
            segments=list(Segment.objects.filter(slug__in=[s[0] for s in data.SEGMENTS])),
            today=anchor.date(),
        )
        result.created["campaigns"] = campaigns.campaigns
        result.created["funnel_snapshots"] = campaigns.snapshots
        result.created["committee_meetings"] = committees_demo_seed(anchor=anchor)
    # Whatever the replay left dirty (or a partial run marked), scored now.
    scoring_services.item_scores_recompute_dirty()
    return result


# --- Demo-only timestamps -----------------------------------------------------------------


def demo_backdate(model: type[models.Model], pk: int, **stamps: datetime) -> None:
    """Demo only: set timestamp fields (created_at, published_at...) a service stamped
    with "now" to the replayed date. One UPDATE, no save(): no new history row."""
    model._default_manager.filter(pk=pk).update(**stamps)


def demo_history_stamp(
    obj: models.Model,
    *,
    when: datetime,
    user: User | None,
    reason: str = CHANGE_REASON,
    after_history_id: int = 0,
) -> None:
    """Demo only: date the history rows of `obj` the service just wrote (those after
    `after_history_id`; all of a new row's) at `when`, by `user`, so "who changed what,
    when" reads as in the story."""
    history = obj.history.model  # type: ignore[attr-defined]
    history.objects.filter(id=obj.pk, history_id__gt=after_history_id).update(
        history_date=when, history_user=user, history_change_reason=reason
    )


_Sent = TypeVar("_Sent", MarketSignal, FrictionReport)


def demo_backdate_created(model: type[_Sent], sent: dict[int, datetime]) -> None:
    """Demo only: date new signals or reports (by id), their history rows and their
    links' history rows at the time each was sent, in a few bulk statements."""
    if not sent:
        return
    rows = list(model.objects.filter(pk__in=list(sent)))
    for row in rows:
        row.created_at = row.updated_at = sent[row.pk]
    model.objects.bulk_update(rows, ["created_at", "updated_at"], batch_size=500)
    history = model.history.model
    link_model, fk = (
        (SignalLink, "signal_id") if model is MarketSignal else (ReportLink, "report_id")
    )
    link_history = link_model.history.model
    for historical, key in ((history, "id"), (link_history, fk)):
        stamped = list(historical.objects.filter(**{f"{key}__in": list(sent)}))
        for entry in stamped:
            entry.history_date = sent[getattr(entry, key)]
        historical.objects.bulk_update(stamped, ["history_date"], batch_size=500)


def _last_history_id(obj: models.Model) -> int:
    history = obj.history.model  # type: ignore[attr-defined]
    return history.objects.filter(id=obj.pk).aggregate(n=Max("history_id"))["n"] or 0


# --- The writer ---------------------------------------------------------------------------


class _Writer:
    def __init__(self, plan: data.Plan, anchor: datetime, result: DemoSeedResult) -> None:
        self.plan = plan
        self.anchor = anchor
        self.result = result
        self.created = result.created
        self.themes: dict[str, Theme] = {}
        self.segments: dict[str, Segment] = {}
        self.users: dict[str, Any] = {}
        self.items: dict[str, RoadmapItem] = {}

    def run(self) -> None:
        self._themes()
        self._segments()
        self._users()
        existing = self._existing_items()
        # The committee history needs every item from its start: only on a database
        # without any of the demo items (a first run).
        replay = not existing
        self._items(existing, replay=replay)
        new_items = {title for title in self.items if title not in existing}
        self._launch_plans()
        self._outcomes()
        self._story_paths(new_items)
        pending = self._pending_evidence()
        if replay:
            self._replay(pending)
            self.result.history_replayed = True
        else:
            self._send(pending)

    # Reference rows ------------------------------------------------------------------

    def _themes(self) -> None:
        existing = {t.name: t for t in Theme.objects.filter(name__in=list(data.THEMES))}
        for name, (description, _, _) in data.THEMES.items():
            if name not in existing:
                existing[name] = roadmap_services.theme_create(name=name, description=description)
                self.created["themes"] += 1
        self.themes = existing

    def _segments(self) -> None:
        slugs = [slug for slug, _, _ in data.SEGMENTS]
        existing = {s.slug: s for s in Segment.objects.filter(slug__in=slugs)}
        for slug, name, description in data.SEGMENTS:
            if slug not in existing:
                existing[slug] = roadmap_services.segment_create(
                    slug=slug, name=name, description=description
                )
                self.created["segments"] += 1
        self.segments = existing

    def _users(self) -> None:
        # Users have no service of ours: Django's manager is their service.
        user_model = get_user_model()
        groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
        for username, first, last, role, is_staff in data.USERS:
            user = user_model.objects.filter(username=username).first()
            if user is None:
                user = user_model(
                    username=username,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@demo.example",
                    is_staff=is_staff,
                )
                # Personas own data; the two that sign in get a password from
                # `ensure_demo_logins`, the others never sign in.
                user.set_unusable_password()
                user.save()
                user.groups.add(groups[role])
                self.created["users"] += 1
            self.users[username] = user

    # Items ---------------------------------------------------------------------------

    def _existing_items(self) -> dict[str, RoadmapItem]:
        found: dict[str, RoadmapItem] = {}
        # The oldest item of a title is the demo's (a user may have made a namesake).
        for item in RoadmapItem.objects.filter(title__in=list(self.plan.items)).order_by("pk"):
            found.setdefault(item.title, item)
        return found

    def _items(self, existing: dict[str, RoadmapItem], *, replay: bool) -> None:
        self.items = dict(existing)
        taken = set(RoadmapItem.objects.exclude(jira_key="").values_list("jira_key", flat=True))
        before = {(c.title, c.field): c.before for c in self.plan.changes} if replay else {}
        created_at = self.anchor - timedelta(days=365)
        for title, wanted in self.plan.items.items():
            if title in existing:
                continue
            values = dict(wanted)
            owner = values.pop("owner")
            values["owner"] = self.users[owner] if owner else None
            values["theme"] = self.themes[values.pop("theme")]
            if values["jira_key"] in taken:
                self.result.jira_keys_left_out.append(values["jira_key"])
                values["jira_key"] = ""
            for (changed_title, name), value in before.items():
                if changed_title == title:
                    values[name] = value
            segments, _ = self.plan.item_segments[title]
            item = roadmap_services.item_create(
                title=title, segments=[self.segments[s] for s in segments], **values
            )
            demo_backdate(RoadmapItem, item.pk, created_at=created_at, updated_at=created_at)
            demo_history_stamp(item, when=created_at, user=values["owner"])
            self.items[title] = item
            self.created["items"] += 1

    def _launch_plans(self) -> None:
        have = set(
            LaunchPlan.objects.filter(item__in=list(self.items.values())).values_list(
                "item_id", flat=True
            )
        )
        for title, wanted in self.plan.launch_plans.items():
            item = self.items[title]
            if item.pk in have:
                continue
            values = dict(wanted)
            for role in ("product_owner", "marketing_owner"):
                username = values.pop(role)
                values[role] = self.users[username] if username else None
            roadmap_services.launch_plan_create(
                item=item,
                target_segments=[self.segments[s] for s in self.plan.launch_segments[title]],
                **values,
            )
            self.created["launch_plans"] += 1

    def _outcomes(self) -> None:
        have = _external_ids(Outcome, self.plan.outcomes)
        for external_id, row in self.plan.outcomes.items():
            if external_id in have:
                continue
            values = dict(row, source=SOURCE, external_id=external_id)
            values["item"] = self.items[values.pop("item")]
            segment = values.pop("segment")
            values["segment"] = self.segments[segment] if segment else None
            submitter = self.users[values.pop("submitted_by")]
            team = values.pop("team")
            outcome = signals_services.outcome_create(submitted_by=submitter, **values)
            if outcome.team != team:  # the service derives it from the submitter's role
                raise ValueError(f"{external_id}: team {outcome.team}, planned {team}")
            self.created["outcomes"] += 1

    def _story_paths(self, new_items: set[str]) -> None:
        """The dated path of each new shipped story item, candidate to shipped: a history
        row per step, and before shipping the score the ranking saw then (calibration
        reads it as the score's assumptions). No service writes the past, so these rows
        are written here, their scores computed by the engine."""
        history = RoadmapItem.history.model
        model = ScoringModel.objects.filter(is_active=True).first()
        params = selectors.scoring_model_params(model) if model is not None else None
        rows, points = [], []
        for title, steps in self.plan.paths.items():
            if title not in new_items:
                continue
            item, story = self.items[title], data.STORIES[title]
            for step, when in steps:
                row = history(
                    history_date=when,
                    history_type="~",
                    history_change_reason=data.PATH_REASON,
                    history_user=item.owner,
                    **{f.attname: getattr(item, f.attname) for f in history.tracked_fields},
                )
                row.status = step.status.value
                row.reach, row.impact = step.reach, step.impact
                rows.append(row)
                if step.status != data.S and model is not None and params is not None:
                    points.append(
                        _story_point(item, story, step, model, params, when + timedelta(hours=1))
                    )
        history.objects.bulk_create(rows)
        ScoreHistory.objects.bulk_create(points)
        self.created["history"] += len(rows) + len(points)

    # Evidence ------------------------------------------------------------------------

    def _pending_evidence(self) -> list[_Pending]:
        """Every missing signal and report, oldest first."""
        pending: list[_Pending] = []
        for model, rows, links in (
            (MarketSignal, self.plan.signals, self.plan.signal_links),
            (FrictionReport, self.plan.reports, self.plan.report_links),
        ):
            have = _external_ids(model, rows)
            by_evidence: dict[str, list[tuple[str, float]]] = {}
            for (external_id, title), weight in links.items():
                by_evidence.setdefault(external_id, []).append((title, weight))
            pending += [
                _Pending(
                    row["observed_at"], model, external_id, row, by_evidence.get(external_id, [])
                )
                for external_id, row in rows.items()
                if external_id not in have
            ]
        pending.sort(key=lambda entry: (entry.observed_at, entry.external_id))
        return pending

    def _send(self, batch: list[_Pending]) -> None:
        """Send a batch of evidence as its submitters would: through the bulk services
        (the API's `POST .../bulk/` path), one call per kind and submitter, then date
        each record and its links when it was sent, a couple of hours after it was
        observed."""
        groups: dict[tuple[Any, str], list[_Pending]] = {}
        for entry in batch:
            groups.setdefault((entry.model, entry.row["submitted_by"]), []).append(entry)
        for (model, username), entries in sorted(
            groups.items(), key=lambda group: (group[0][0].__name__, group[0][1])
        ):
            user = self.users[username]
            records = []
            for index, entry in enumerate(entries):
                values = dict(entry.row, source=SOURCE, external_id=entry.external_id)
                del values["submitted_by"]
                segment = values.pop("segment")
                values["segment"] = self.segments[segment] if segment else None
                values["links"] = [(self.items[t].pk, weight) for t, weight in entry.links]
                records.append(signals_services.BulkRecord(index=index, data=values))
            bulk = (
                signals_services.signals_bulk_upsert
                if model is MarketSignal
                else signals_services.reports_bulk_upsert
            )
            result = bulk(records=records, user=user)
            if result.rejected or result.updated:
                refused = [o.errors for o in result.results if o.status != "created"]
                raise ValueError(f"demo {model.__name__} refused: {refused}")
            sent = {
                outcome.id: min(
                    entries[outcome.index].observed_at + timedelta(hours=2), self.anchor
                )
                for outcome in result.results
                if outcome.id is not None
            }
            demo_backdate_created(model, sent)
            self.created["signals" if model is MarketSignal else "reports"] += len(entries)
            self.created["links"] += sum(len(entry.links) for entry in entries)

    # The committee's three months ----------------------------------------------------

    def _replay(self, pending: list[_Pending]) -> None:
        start = self.anchor - timedelta(days=data.HISTORY_DAYS)
        publications = {when: (user, note) for when, user, note in self.plan.rankings}
        checkpoints = sorted(
            {start + timedelta(days=7 * week) for week in range(data.HISTORY_DAYS // 7 + 1)}
            | set(publications)
            | {self.anchor}
        )
        changes = sorted(self.plan.changes, key=lambda change: change.when)
        for checkpoint in checkpoints:
            # What happened since the last checkpoint; the scores only see it at the
            # checkpoint, so the order within a week does not matter.
            due = [entry for entry in pending if entry.observed_at <= checkpoint]
            pending = pending[len(due) :]
            self._send(due)
            while changes and changes[0].when <= checkpoint:
                _Change(self, changes.pop(0))()
            scoring_services.item_scores_recompute_all(now=checkpoint)
            if checkpoint in publications:
                user, note = publications[checkpoint]
                # Nothing is dirty after the recomputation: the publication freezes the
                # scores as they were at the checkpoint.
                ranking = scoring_services.ranking_publish(note=note, published_by=self.users[user])
                demo_backdate(Ranking, ranking.pk, published_at=checkpoint)
                self.result.rankings_published += 1
        self._send(pending)
        for change in changes:
            _Change(self, change)()


@dataclass(frozen=True)
class _Pending:
    """A planned signal or report not in the database yet."""

    observed_at: datetime
    model: type[MarketSignal] | type[FrictionReport]
    external_id: str
    row: dict[str, Any]
    links: list[tuple[str, float]]


class _Change:
    """Product revises one estimate through `item_update`, dated and signed."""

    def __init__(self, writer: _Writer, change: data.PlannedChange) -> None:
        self.writer, self.change = writer, change

    def __call__(self) -> None:
        w, change = self.writer, self.change
        last = _last_history_id(w.items[change.title])
        item = roadmap_services.item_update(
            item=w.items[change.title], data={change.field: change.after}
        )
        w.items[change.title] = item
        demo_backdate(RoadmapItem, item.pk, updated_at=change.when)
        demo_history_stamp(
            item,
            when=change.when,
            user=w.users[change.user],
            reason=change.reason,
            after_history_id=last,
        )


def _external_ids(model: type[models.Model], rows: Iterable[str]) -> set[str]:
    return set(
        model._default_manager.filter(source=SOURCE, external_id__in=list(rows)).values_list(
            "external_id", flat=True
        )
    )


def _story_point(
    item: RoadmapItem,
    story: data.Story,
    step: data.Step,
    model: ScoringModel,
    params: engine.Params,
    when: datetime,
) -> ScoreHistory:
    """The score an item had at a step of its path, by the engine, from the estimates then
    and marketing's measured reach (evidence's confidence left out: it is product's)."""
    marketing = step.reach_marketing or 0.0
    result = engine.score_from_sums(
        engine.Estimates(
            reach=step.reach, impact=step.impact, confidence=story.confidence, effort=story.effort
        ),
        # Marketing's reach at the item's impact: severity-weighted people / people.
        engine.EvidenceSums(reach_marketing=marketing, severity_weighted=marketing * step.impact),
        params,
    )
    return ScoreHistory(
        item=item,
        model=model,
        computed_at=when,
        score=result.score,
        reach=result.reach.value,
        impact=result.impact.value,
        confidence=result.confidence.value,
        effort=result.effort.value,
        reach_product=result.reach.product,
        reach_marketing=result.reach.marketing,
        impact_product=result.impact.product,
        impact_marketing=result.impact.marketing,
    )
