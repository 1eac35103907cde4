"""The roadmap over time as the web pages show it, for staff and for a share link's
outsiders (only the fields the link chose)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from config.formatting import format_number
from scoring.board.presenters.common import evidence_rows
from scoring.selectors.roadmap import RoadmapCard, RoadmapView


@dataclass(frozen=True)
class CardFields:
    """What a card shows beyond its title, theme, status and launch date."""

    scores: bool = True
    positions: bool = True
    readiness: bool = True
    evidence: bool = True
    links: bool = True  # links to the item page (staff only)


STAFF_FIELDS = CardFields()


def _card(card: RoadmapCard, fields: CardFields) -> dict[str, Any]:
    return {
        "item_id": card.item_id,
        "title": card.title,
        "status": card.status,
        "status_label": card.status_label,
        "theme": card.theme,
        "launch_date": card.launch_date,
        "score": format_number(card.score, empty=_("unscored")) if fields.scores else None,
        "position": card.position if fields.positions else None,
        "readiness": (
            None
            if not fields.readiness or card.readiness_done is None
            else f"{card.readiness_done}/{card.readiness_total}"
        ),
        "evidence": evidence_rows(card.evidence) if fields.evidence else [],
    }


def roadmap_page(*, view: RoadmapView, fields: CardFields) -> dict[str, Any]:
    return {
        "roadmap": view,
        "fields": fields,
        "columns": [{"key": key, "label": label} for key, label in view.columns],
        "rows": [
            {
                "key": row.key,
                "label": row.label,
                "cells": [
                    {
                        "key": view.columns[i][0],
                        "label": view.columns[i][1],
                        "cards": [_card(card, fields) for card in cell],
                    }
                    for i, cell in enumerate(row.cells)
                ],
            }
            for row in view.rows
        ],
    }
