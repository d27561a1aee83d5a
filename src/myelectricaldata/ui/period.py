"""The period picker shared by the Consommation, Consommation (€), Production and Bilan pages.

The period lives in the URL (``?pdl=&period=&start=&end=``): every change is a navigation, so
a page can be bookmarked, shared, reloaded or opened by a test on an exact period.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from nicegui import ui

from myelectricaldata.domain.types import Direction
from myelectricaldata.store.repo import StoredUsagePoint
from myelectricaldata.ui import i18n
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.data import (
    PERIOD_KINDS,
    Period,
    newest_day,
    read_period,
    resolve_period,
)
from myelectricaldata.ui.layout import PageContext, keep_period, pdl_label, problems_banner
from myelectricaldata.ui.query import MAX_DAY, MIN_DAY, QueryProblem, read_typed_day


@dataclass(frozen=True)
class Selection:
    """The usage point and period a page shows."""

    point: StoredUsagePoint
    period: Period
    anchor: date  # newest stored day of the point (up to yesterday)
    problems: tuple[QueryProblem, ...] = ()  # URL parameters refused (the default applies)

    @property
    def pdl(self) -> str:
        """The usage point id."""
        return self.point.point.pdl

    @property
    def last(self) -> date:
        """The last day of the period that can have a value (not after the newest stored)."""
        return min(self.period.end, self.anchor)


async def select(
    ctx: PageContext,
    direction: Direction,
    points: list[StoredUsagePoint],
    *,
    default_kind: str = "month",
    wants: Callable[[StoredUsagePoint], bool] | None = None,
) -> Selection | None:
    """The point (``?pdl=``, else the first that has ``direction``) and the period of the URL."""
    if not points:
        return None
    usable = [p for p in points if (wants or _has(direction))(p)] or points
    wanted = ctx.query("pdl")
    problems: list[QueryProblem] = []
    point = next((p for p in usable if p.point.pdl == wanted), None)
    if point is None:
        if wanted and not any(p.point.pdl == wanted for p in points):
            problems.append(QueryProblem("pdl", wanted, "query.unknown_pdl"))
        point = next((p for p in points if p.point.pdl == wanted), usable[0])
    anchor = await asyncio.to_thread(
        newest_day, ctx.runtime.store, point.point.pdl, direction, ctx.today
    )
    read = read_period(
        ctx.query("period"), ctx.query("start"), ctx.query("end"), anchor, default_kind
    )
    return Selection(point, read.period, anchor, (*problems, *read.problems))


#: How a date field is written and masked in each language (Quasar mask and picker format).
DATE_FORMS = {
    "fr": ("##/##/####", "DD/MM/YYYY", "jj/mm/aaaa"),
    "en": ("####-##-##", "YYYY-MM-DD", "yyyy-mm-dd"),
}


def date_field(ctx: PageContext, label: str, day: date, marker: str) -> ui.input:
    """A date typed the page's way (``06/12/2026`` in French, ``2026-12-06`` in English), with
    a calendar in the page's language beside it. Not the browser's native date input, whose
    format follows the browser's own language rather than the page's."""
    mask, picker_mask, placeholder = DATE_FORMS["en" if ctx.lang == "en" else "fr"]
    field = ui.input(label, value=i18n.day_text(day, ctx.lang)).props(
        f'dense mask="{mask}" inputmode=numeric'
    )
    field.props["placeholder"] = placeholder
    field.classes("w-40")
    with field.add_slot("append"), ui.icon("event").classes("cursor-pointer"):
        menu = ui.menu()

    def picker_on_first_open() -> None:
        # Built when first opened: a page that never opens it does not carry it.
        if not menu.default_slot.children:
            with menu:
                ui.date(mask=picker_mask).bind_value(field)

    menu.on("before-show", picker_on_first_open)
    m.apply(field, marker)
    return field


def range_fields(
    ctx: PageContext, first: date, last: date, choose: Callable[[date, date], None]
) -> None:
    """The start and end fields of a chosen range and their *Appliquer* button: ``choose``
    gets the two days typed, or the user is told the bounds when one is not a valid day."""
    start = date_field(ctx, ctx.t("period.start"), first, m.PERIOD_START)
    end = date_field(ctx, ctx.t("period.end"), last, m.PERIOD_END)

    def apply_custom() -> None:
        typed_first = read_typed_day(str(start.value or ""))
        typed_last = read_typed_day(str(end.value or ""))
        if typed_first is None or typed_last is None:
            ui.notify(
                ctx.t(
                    "period.bad_dates",
                    min=i18n.day_text(MIN_DAY, ctx.lang),
                    max=i18n.day_text(MAX_DAY, ctx.lang),
                ),
                type="warning",
            )
            return
        choose(typed_first, typed_last)

    apply_button = ui.button(ctx.t("period.apply"), on_click=apply_custom).props("flat no-caps")
    m.apply(apply_button, m.PERIOD_APPLY)


def _has(direction: Direction) -> Callable[[StoredUsagePoint], bool]:
    def check(point: StoredUsagePoint) -> bool:
        if direction is Direction.PRODUCTION:
            return point.point.has_production
        return point.point.has_consumption

    return check


def picker(
    ctx: PageContext,
    selection: Selection,
    points: list[StoredUsagePoint],
    *,
    kinds: tuple[str, ...] = PERIOD_KINDS,
) -> None:
    """Usage point select, period kind buttons, previous/next, custom start/end; the refused
    URL parameters above them; the drawer's period links set to this period."""
    path = ctx.request.url.path
    period = selection.period
    problems_banner(ctx, selection.problems)
    keep_period(ctx, period.query(selection.pdl))

    def go(target: Period, pdl: str | None = None) -> None:
        ui.navigate.to(ctx.url(path, **target.query(pdl or selection.pdl)))

    with ui.card().classes("w-full"), ui.row().classes("w-full items-center gap-3 flex-wrap"):
        if len(points) > 1:
            options = {p.point.pdl: pdl_label(ctx, p.point.pdl, p.point.name) for p in points}
            chooser = ui.select(
                options,
                value=selection.pdl,
                label=ctx.t("period.pdl"),
                on_change=lambda e: go(period, str(e.value)),
            ).classes("min-w-[16rem]")
            m.apply(chooser, m.PERIOD_PDL)
        # A wrapping row, not a button group: five buttons are wider than a phone.
        with ui.row().classes("gap-1 flex-wrap"):
            for kind in kinds:
                button = ui.button(
                    ctx.t(f"period.{kind}"),
                    on_click=lambda k=kind: go(
                        resolve_period(k, period.start, period.end, selection.anchor)
                        if k == "custom"
                        else resolve_period(
                            k, min(period.end, selection.anchor), None, selection.anchor
                        )
                    ),
                ).props(
                    "no-caps" + (" unelevated color=primary" if kind == period.kind else " flat")
                )
                m.apply(button, m.period(kind))
        with ui.row().classes("items-center gap-1"):
            prev_button = ui.button(icon="chevron_left", on_click=lambda: go(period.shifted(-1)))
            prev_button.props("flat round dense").tooltip(ctx.t("period.prev"))
            prev_button.props["aria-label"] = ctx.t("period.prev")
            m.apply(prev_button, m.PERIOD_PREV)
            label = ui.label(
                ctx.t(
                    "period.range",
                    start=i18n.day_text(period.start, ctx.lang),
                    end=i18n.day_text(period.end, ctx.lang),
                )
            ).classes("text-sm font-medium")
            m.apply(label, m.PERIOD_LABEL, value=f"{period.start}..{period.end}", unit="")
            next_button = ui.button(icon="chevron_right", on_click=lambda: go(period.shifted(1)))
            next_button.props("flat round dense").tooltip(ctx.t("period.next"))
            next_button.props["aria-label"] = ctx.t("period.next")
            m.apply(next_button, m.PERIOD_NEXT)
        with ui.row().classes("items-center gap-2"):
            range_fields(
                ctx,
                period.start,
                period.end,
                lambda first, last: go(resolve_period("custom", first, last, selection.anchor)),
            )
