"""`manage.py seed_demo`: create whatever of the demo data set is missing (scoring.demo)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from scoring.demo.data import today_anchor
from scoring.demo.writer import demo_seed


class Command(BaseCommand):
    help = "Create the demo data set where it is missing (safe to run again: keeps changes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print nothing on success.")
        parser.add_argument(
            "--anchor",
            type=date.fromisoformat,
            help="Date the data is dated back from (YYYY-MM-DD, default today, UTC).",
        )

    def handle(
        self, *args: Any, quiet: bool = False, anchor: date | None = None, **opts: Any
    ) -> None:
        when = (
            datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC)
            if anchor
            else today_anchor()
        )
        # Each service call queues a debounced recompute after commit; without a broker
        # they run in-process, hundreds of no-ops after the seed: keep their log lines out
        # of `make run`'s terminal.
        trace = logging.getLogger("celery.app.trace")
        level = trace.level
        trace.setLevel(logging.WARNING)
        try:
            result = demo_seed(anchor=when)
        finally:
            trace.setLevel(level)
        if quiet:
            return
        planned = result.planned
        self.stdout.write(
            "Demo data: {themes} themes, {segments} segments, {users} users, "
            "{items} items, {signals} signals, {reports} reports, "
            "{launch_plans} launch plans, {outcomes} outcomes, "
            "{signal_links} signal links, {report_links} report links "
            "({created} rows created; existing rows left as they are).".format(
                **planned, created=result.created_total
            )
        )
        if result.history_replayed:
            self.stdout.write(
                f"Committee history: three months replayed, "
                f"{result.rankings_published} rankings published."
            )
        for key in result.jira_keys_left_out:
            self.stdout.write(f"Jira key {key} is taken by another item: its demo item has none.")
