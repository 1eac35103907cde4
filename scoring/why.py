"""Why something moved, in words people use in a committee: "down 2: passed by *SSO for
small teams* (new) and *CSV export* (+ friction report #65 by Carla Diaz, marketing)".

One wording for the board (in the reader's language) and the API (which renders it in
English, see scoring.api.views): both call these functions on the data of
scoring.selectors.causes and scoring.selectors.diffs, so they never tell two stories.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypedDict

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.formatting import format_number
from signals.choices import SignalKind

if TYPE_CHECKING:
    # Types only: scoring.selectors imports this module (its diffs speak with it).
    from scoring.selectors.causes import (
        EstimateChange,
        EvidenceCount,
        EvidenceRef,
        ItemCauses,
    )

# The kind under which friction reports are counted next to the signal kinds.
FRICTION_REPORT = "friction_report"


class OtherItem(TypedDict):
    """An item that passed (or was passed by) the one explained, with its own headline."""

    item: int
    title: str
    new: bool
    left: bool
    headline: str


def _kind_label(kind: str) -> str:
    if kind == FRICTION_REPORT:
        return _("friction report")
    try:
        return str(SignalKind(kind).label).lower()
    except ValueError:
        return kind


def _team_label(team: str) -> str:
    return {"product": _("product"), "marketing": _("marketing")}.get(team, _("other"))


def _field_label(field: str) -> str:
    return {
        "reach": _("reach"),
        "impact": _("impact"),
        "confidence": _("confidence"),
        "effort": _("effort"),
    }.get(field, field)


def _reason_label(reason: str) -> str:
    return {
        "addressed": _("addressed"),
        "dismissed": _("dismissed"),
        "reopened": _("reopened"),
        "restored": _("restored"),
    }.get(reason, "")


def evidence_text(ref: EvidenceRef) -> str:
    """ "+ friction report #65 by Carla Diaz, marketing" (− when it was unlinked), with
    the status that made it count or stop counting: "(addressed)"."""
    text = _evidence_name(ref)
    reason = _reason_label(ref.get("reason", ""))
    return _("%(evidence)s (%(reason)s)") % {"evidence": text, "reason": reason} if reason else text


def _evidence_name(ref: EvidenceRef) -> str:
    sign = "+" if ref["change"] == "added" else "−"
    who = ref["submitted_by"]
    if who is None:
        return _("%(sign)s %(kind)s #%(id)d") % {
            "sign": sign,
            "kind": _kind_label(ref["kind"]),
            "id": ref["id"],
        }
    return _("%(sign)s %(kind)s #%(id)d by %(who)s, %(team)s") % {
        "sign": sign,
        "kind": _kind_label(ref["kind"]),
        "id": ref["id"],
        "who": who,
        "team": _team_label(ref["team"]),
    }


def estimate_text(change: EstimateChange) -> str:
    """ "effort 2 → 5 by Camille Martin on 3 Nov 2026"."""
    values = {
        "field": _field_label(change["field"]),
        "before": "—" if change["before"] is None else format_number(change["before"]),
        "after": "—" if change["after"] is None else format_number(change["after"]),
        "when": date_format(change["changed_at"], "DATE_FORMAT"),
        "who": change["changed_by"],
    }
    if change["changed_by"] is None:
        return _("%(field)s %(before)s → %(after)s on %(when)s") % values
    return _("%(field)s %(before)s → %(after)s by %(who)s on %(when)s") % values


def evidence_count_text(count: EvidenceCount) -> str:
    """ "+3 × customer request (marketing)"."""
    return _("%(sign)s%(count)d × %(kind)s (%(team)s)") % {
        "sign": "+" if count["change"] == "added" else "−",
        "count": count["count"],
        "kind": _kind_label(count["kind"]),
        "team": _team_label(count["team"]),
    }


def causes_texts(causes: ItemCauses) -> list[str]:
    """Every cause, one phrase each: estimates first (product's numbers), then evidence
    (counts, then the largest piece named), then the model version."""
    texts = [estimate_text(change) for change in causes["estimates"]]
    texts += [evidence_count_text(count) for count in causes["evidence"]]
    if causes["largest_evidence"] is not None:
        texts.append(
            _("largest: %(evidence)s") % {"evidence": evidence_text(causes["largest_evidence"])}
        )
    if causes["model"] is not None:
        texts.append(
            _("scoring model v%(before)d → v%(after)d")
            % {"before": causes["model"]["before"], "after": causes["model"]["after"]}
        )
    return texts


def headline(causes: ItemCauses) -> str:
    """The one cause that names the change best: the largest piece of evidence, else the
    first estimate change, else the model version; empty when no input changed (decay
    alone)."""
    if causes["largest_evidence"] is not None:
        return evidence_text(causes["largest_evidence"])
    if causes["estimates"]:
        return estimate_text(causes["estimates"][0])
    if causes["model"] is not None:
        return _("scoring model v%(after)d") % {"after": causes["model"]["after"]}
    return ""


def _other_text(other: OtherItem) -> str:
    if other["new"]:
        return _("%(title)s (new)") % {"title": other["title"]}
    if other["left"]:
        return _("%(title)s (left the ranking)") % {"title": other["title"]}
    if other["headline"]:
        return _("%(title)s (%(cause)s)") % {"title": other["title"], "cause": other["headline"]}
    return other["title"]


def _names(others: Sequence[OtherItem], total: int) -> str:
    names = [_other_text(other) for other in others]
    if total > len(others):
        names.append(
            ngettext("%(count)d other", "%(count)d others", total - len(others))
            % {"count": total - len(others)}
        )
    if len(names) == 1:
        return names[0]
    return _("%(list)s and %(last)s") % {"list": ", ".join(names[:-1]), "last": names[-1]}


def move_summary(
    *,
    from_position: int,
    to_position: int,
    score_before: float,
    score_after: float,
    causes: ItemCauses,
    others: Sequence[OtherItem],
    others_count: int,
) -> str:
    """The whole move in one sentence: the places, who passed it (or whom it passed) and
    its own change with its causes."""
    places = abs(from_position - to_position)
    if to_position > from_position:
        text = ngettext("down %(n)d", "down %(n)d", places) % {"n": places}
        if others_count:
            text += _(": ") + _("passed by %(names)s") % {"names": _names(others, others_count)}
    else:
        text = ngettext("up %(n)d", "up %(n)d", places) % {"n": places}
        if others_count:
            text += _(": ") + _("passed %(names)s") % {"names": _names(others, others_count)}
    if score_before == score_after:
        return text + _("; ") + _("its own score did not change")
    own = _("own score %(before)s → %(after)s") % {
        "before": format_number(score_before),
        "after": format_number(score_after),
    }
    texts = causes_texts(causes)
    if texts:
        own += " (" + _("; ").join(texts) + ")"
    else:
        own += " (" + _("no input changed: evidence aged") + ")"
    return text + _("; ") + own
