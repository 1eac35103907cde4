"""python manage.py recompute_scores [--all]

The sweeper on demand: recompute the dirty items (or every item with --all). Useful
without a beat scheduler (the embedded default) and after restoring a backup.
"""

from typing import Any

from django.core.management.base import BaseCommand

from scoring.services import item_scores_recompute_all, item_scores_recompute_dirty


class Command(BaseCommand):
    help = "Recompute dirty item scores (or all with --all)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--all", action="store_true", help="recompute every item")

    def handle(self, *args: Any, **options: Any) -> None:
        result = item_scores_recompute_all() if options["all"] else item_scores_recompute_dirty()
        self.stdout.write(
            f"recomputed {result.items} items ({result.scored} scored, "
            f"{result.history_rows} history rows) in {result.seconds:.3f}s"
        )
