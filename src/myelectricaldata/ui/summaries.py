"""The text summary of each chart: what a screen reader says instead of the picture, and a
one-line reading for everyone (written under the chart, see ``charts.chart_card``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from myelectricaldata.ui import i18n
from myelectricaldata.ui.data import Bars

Format = Callable[[float | None], str]


def bar_label(bars: Bars, index: int, lang: str) -> str:
    """The label of one bar: its day, or its month."""
    day = bars.labels[index]
    return i18n.month_text(day, lang) if bars.monthly else i18n.day_text(day, lang)


def bar_labels(bars: Bars, lang: str) -> list[str]:
    """Every bar's label."""
    return [bar_label(bars, i, lang) for i in range(len(bars.labels))]


def bars_text(lang: str, what: str, bars: Bars, start: date, end: date, fmt: Format) -> str:
    """``what`` from ``start`` to ``end``: how many bars, the total, the highest and lowest bar,
    and last year's total on the same dates."""
    known = [(v, i) for i, v in enumerate(bars.values) if v is not None]
    if not known:
        return i18n.text(lang, "sum.empty", what=what)
    high, high_at = max(known)
    low, low_at = min(known)
    summary = i18n.text(
        lang,
        "sum.bars",
        what=what,
        start=i18n.day_text(start, lang),
        end=i18n.day_text(end, lang),
        count=len(bars.labels),
        unit_bars=i18n.text(lang, "sum.months" if bars.monthly else "sum.days"),
        total=fmt(sum(v for v, _ in known)),
        max=fmt(high),
        max_at=bar_label(bars, high_at, lang),
        min=fmt(low),
        min_at=bar_label(bars, low_at, lang),
    )
    before = [v for v in bars.previous if v is not None]
    if before:
        summary += i18n.text(lang, "sum.bars_prev", total=fmt(sum(before)))
    return summary


def parts_text(lang: str, key: str, parts: Sequence[tuple[str, str]]) -> str:
    """A sentence listing ``name value`` pairs (a split, a comparison)."""
    joiner = "; " if lang == "en" else " ; "
    return i18n.text(lang, key, parts=joiner.join(f"{name} {value}" for name, value in parts))
