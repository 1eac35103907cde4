"""The words of the board's charts (scoring.board.charts, which stays pure) in the
reader's language."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.templatetags.dates import month_abbreviation
from scoring.board.charts import ChartWords


def chart_words() -> ChartWords:
    return ChartWords(
        months=tuple(month_abbreviation(month) for month in range(1, 13)),
        no_points=_("No points yet."),
        no_history=_("No history yet"),
        no_data=_("No data yet"),
        describe=lambda count: ngettext(
            "%(count)s point from %(first)s to %(last)s (UTC).",
            "%(count)s points from %(first)s to %(last)s (UTC).",
            count,
        ),
        describe_values=" "
        + _("First %(first)s, latest %(latest)s, lowest %(lowest)s, highest %(highest)s."),
        gaps=" " + _("Gaps in the line are times when the item had no score."),
        y_label=_("Score"),
        x_label=_("Computed at (UTC)"),
        names=(_("Baseline"), _("Measured")),
        colon=_(": "),
    )
