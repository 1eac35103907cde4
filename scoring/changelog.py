"""The changelog: shipped items with their value proposition, newest ship first, as a
page and an Atom feed (django.contrib.syndication), in English or French."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import Max
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from roadmap.choices import ItemStatus
from roadmap.models import RoadmapItem

CHANGELOG_LANGUAGES = ("en", "fr")
CHANGELOG_LIMIT = 100


@dataclass(frozen=True)
class ChangelogEntry:
    item_id: int
    title: str
    theme: str | None
    value_proposition: str
    shipped_at: datetime


def changelog_entries(*, limit: int = CHANGELOG_LIMIT) -> list[ChangelogEntry]:
    """Shipped items, newest ship first: the ship time is the latest history row that
    set the status to shipped (the item's last change when history has none). Two
    queries."""
    items = list(
        RoadmapItem.objects.filter(status=ItemStatus.SHIPPED).select_related("theme", "launch_plan")
    )
    shipped_at = dict(
        RoadmapItem.history.filter(id__in=[item.pk for item in items], status=ItemStatus.SHIPPED)
        .values("id")
        .annotate(at=Max("history_date"))
        .values_list("id", "at")
    )
    entries = [
        ChangelogEntry(
            item_id=item.pk,
            title=item.title,
            theme=item.theme.name if item.theme else None,
            value_proposition=(
                getattr(getattr(item, "launch_plan", None), "value_proposition", "") or ""
            ),
            shipped_at=shipped_at.get(item.pk) or item.updated_at,
        )
        for item in items
    ]
    entries.sort(key=lambda entry: (entry.shipped_at, entry.item_id), reverse=True)
    return entries[:limit]


class ChangelogFeed(Feed):
    """The Atom feed of the changelog; `?lang=fr` for French."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        language = request.GET.get("lang", "en")
        return language if language in CHANGELOG_LANGUAGES else "en"

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with translation.override(self.get_object(request)):
            return super().__call__(request, *args, **kwargs)

    def title(self, obj: str) -> str:
        return _("Roadmap changelog: what shipped")

    def subtitle(self, obj: str) -> str:
        return _("Shipped items and the value they bring.")

    def link(self, obj: str) -> str:
        return reverse("changelog") + ("?lang=fr" if obj == "fr" else "")

    def feed_guid(self, obj: str) -> str:
        return f"tag:roadmap,2026:changelog:{obj}"

    def items(self, obj: str) -> list[ChangelogEntry]:
        return changelog_entries()

    def item_title(self, item: ChangelogEntry) -> str:
        return _("Shipped: %(title)s") % {"title": item.title}

    def item_description(self, item: ChangelogEntry) -> str:
        return item.value_proposition or _("No value proposition written yet.")

    def item_link(self, item: ChangelogEntry) -> str:
        return reverse("changelog") + f"#item-{item.item_id}"

    def item_guid(self, item: ChangelogEntry) -> str:
        return f"tag:roadmap,2026:item-{item.item_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: ChangelogEntry) -> datetime:
        return item.shipped_at

    def item_updateddate(self, item: ChangelogEntry) -> datetime:
        return item.shipped_at
