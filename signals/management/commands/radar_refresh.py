"""Run the radar now, in-process: what beat does in production, for the embedded default."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from signals.radar import index, services, topic_services


class Command(BaseCommand):
    help = (
        "Refresh the radar now (what beat does in production): evidence never read or "
        "changed since (--all: everything), then emerging topics."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--all", action="store_true", help="Rebuild every profile and doc.")
        parser.add_argument("--no-topics", action="store_true", help="Skip emerging topics.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            result = services.radar_rebuild_all()
        else:
            created = index.docs_missing_ensure()
            if created:
                self.stdout.write(f"radar: {created} pieces of evidence never read before")
            result = services.radar_refresh()
            while result.remaining:
                result = services.radar_refresh()
        self.stdout.write(f"radar: {result.profiles} profiles, {result.docs} docs refreshed")
        if not options["no_topics"]:
            topics = topic_services.radar_topics_refresh()
            self.stdout.write(
                f"topics: {topics.topics} from {topics.docs} unlinked, {topics.emerging} emerging"
            )
