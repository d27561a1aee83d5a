"""Consommation (€): cost per day (or per month beyond two months) priced on the load curve with
the date-versioned HC/HP and Tempo split, against the same dates a year earlier; the cost per
tariff slot and per Tempo colour; Base vs HC/HP vs Tempo over the last 12 months."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from nicegui import ui

from myelectricaldata.domain.costs import CostBreakdown
from myelectricaldata.domain.measures import MeterReadings, evolution
from myelectricaldata.domain.tariffs import UNCLASSIFIED, tag_is_offpeak
from myelectricaldata.domain.types import Direction, PricingOption, TempoColor
from myelectricaldata.store.repo import Store
from myelectricaldata.ui import charts, i18n, summaries
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.data import (
    Comparison,
    DayCost,
    bars,
    comparable_day,
    compare_options,
    cost_by_tag,
    cost_model,
    day_costs,
)
from myelectricaldata.ui.layout import (
    TAG_COLORS,
    PageContext,
    column,
    day_table,
    heading,
    message,
    shell,
    stat,
    value_label,
)
from myelectricaldata.ui.period import Selection, picker, select


@dataclass(frozen=True, slots=True)
class Costs:
    """What the page shows: the period's costs and those of the same dates a year earlier."""

    model: MeterReadings
    days: list[DayCost]
    breakdown: CostBreakdown
    previous: CostBreakdown
    previous_days: dict[date, float]  # total EUR of each day a year earlier, by its own date

    @property
    def by_tag(self) -> dict[str, float]:
        """Energy EUR per tariff tag over the period (adds up to the energy cost)."""
        totals: dict[str, float] = defaultdict(float)
        for cost in self.days:
            for tag, eur in cost_by_tag(self.model, cost).items():
                totals[tag] += eur
        return dict(totals)


def _read(store: Store, selection: Selection) -> Costs:
    period = selection.period
    last = selection.last
    model = cost_model(store, selection.point, period.start, last)
    first_before = comparable_day(period.start, period.kind)
    last_before = comparable_day(last, period.kind)
    before = cost_model(store, selection.point, first_before, last_before)
    previous_days = {
        c.day: c.energy_eur + c.subscription_eur
        for c in day_costs(before, first_before, last_before)
        if not c.missing
    }
    return Costs(
        model,
        day_costs(model, period.start, last),
        model.cost(period.start, last),
        before.cost(first_before, last_before),
        previous_days,
    )


def _totals(ctx: PageContext, selection: Selection, costs: Costs) -> None:
    pdl = selection.pdl
    breakdown = costs.breakdown
    with ui.row().classes("gap-x-8 gap-y-3 flex-wrap items-end"):
        for key, title, eur in (
            ("cost_total_eur", "cost.total", breakdown.total_eur),
            ("cost_energy_eur", "cost.energy", breakdown.energy_eur),
            ("cost_subscription_eur", "cost.subscription", breakdown.subscription_eur),
        ):
            stat(ctx.t(title), i18n.eur(eur, ctx.lang), m.value(pdl, key), round(eur, 2), "EUR")
    previous = costs.previous
    before = round(previous.total_eur, 2) if costs.previous_days else None
    change = None if before is None else round(breakdown.total_eur - previous.total_eur, 2)
    change_pct = evolution(breakdown.total_eur, previous.total_eur) if before is not None else None
    with ui.row().classes("gap-x-8 gap-y-3 flex-wrap items-end"):
        stat(
            ctx.t("yoy.previous"),
            i18n.eur(before, ctx.lang),
            m.value(pdl, "cost_prev_eur"),
            before,
            "EUR",
        )
        with ui.column().classes("gap-0"):
            ui.label(ctx.t("yoy.change")).classes("text-xs med-muted")
            with ui.row().classes("items-baseline gap-3"):
                value_label(
                    i18n.signed(i18n.eur(change, ctx.lang), change),
                    m.value(pdl, "cost_change_eur"),
                    change,
                    "EUR",
                )
                value_label(
                    i18n.percent(change_pct, ctx.lang),
                    m.value(pdl, "cost_change_pct"),
                    change_pct,
                    "%",
                    "text-lg",
                )
    if before is None:
        ui.label(ctx.t("yoy.none")).classes("text-xs med-muted")
    elif previous.missing_days:
        ui.label(ctx.t("yoy.unmatched", days=previous.missing_days)).classes("text-xs med-muted")
    if breakdown.estimated_days:
        message(ctx.t("cost.estimated", days=breakdown.estimated_days), "warning")
    prices = costs.model.prices
    option = selection.point.point.pricing_option or PricingOption.BASE
    used = [t for t in costs.model.tags if t != UNCLASSIFIED]
    ui.label(
        f"{ctx.t('cost.prices')} : "
        + " · ".join(
            f"{ctx.t(f'tag.{t}')} {i18n.number(prices.price_of_tag(t), 4, ctx.lang)} €/kWh"
            for t in used
        )
        + f" · {ctx.t('cost.subscription')} "
        + f"{i18n.number(prices.subscription_eur_month, 2, ctx.lang)} €/{ctx.t('cost.month_unit')}"
        + f" · {ctx.t('dash.option')} : {ctx.label('opt', option)}"
    ).classes("text-xs med-muted")
    note = ui.label(ctx.t("source.cost")).classes("text-xs med-muted")
    m.apply(note, m.SOURCE_NOTE)


def _by_slot(ctx: PageContext, selection: Selection, costs: Costs) -> None:
    """Energy cost per tariff slot, and per Tempo colour on a Tempo contract."""
    pdl = selection.pdl
    by_tag = costs.by_tag
    tempo = costs.model.option is PricingOption.TEMPO
    heading(ctx.t("cost.by_color" if tempo else "cost.by_tag"))
    with ui.row().classes("gap-x-8 gap-y-3 flex-wrap items-end"):
        if tempo:
            for color in TempoColor:
                low = color.value.lower()
                hc, hp = by_tag.get(f"{low}hc", 0.0), by_tag.get(f"{low}hp", 0.0)
                stat(
                    ctx.label("tempo", color),
                    i18n.eur(hc + hp, ctx.lang),
                    m.value(pdl, f"cost_{low}_eur"),
                    round(hc + hp, 2),
                    "EUR",
                    note=f"{ctx.t('split.hc')} {i18n.eur(hc, ctx.lang)} · "
                    f"{ctx.t('split.hp')} {i18n.eur(hp, ctx.lang)}",
                )
        for tag, eur in by_tag.items():
            stat(
                ctx.t(f"tag.{tag}"),
                i18n.eur(eur, ctx.lang),
                m.value(pdl, f"cost_{tag}_eur"),
                round(eur, 2),
                "EUR",
            )


def _chart(ctx: PageContext, selection: Selection, costs: Costs) -> None:
    period = selection.period
    last = selection.last
    tags = [t for t in costs.model.tags if t != UNCLASSIFIED]
    per_tag: dict[str, dict[date, float]] = {tag: {} for tag in (*tags, "subscription")}
    totals: dict[date, float] = {}
    for cost in costs.days:
        if cost.missing:
            continue
        for tag, eur in cost_by_tag(costs.model, cost).items():
            per_tag[tag][cost.day] = eur
        per_tag["subscription"][cost.day] = cost.subscription_eur
        totals[cost.day] = cost.energy_eur + cost.subscription_eur
    total_bars = bars(period, last, totals, costs.previous_days)
    names = {tag: ctx.t(f"tag.{tag}") for tag in tags} | {
        "subscription": ctx.t("cost.subscription")
    }
    stacks = {
        names[tag]: [v or 0.0 for v in bars(period, last, values, {}).values]
        for tag, values in per_tag.items()
    }
    colors = {names[tag]: TAG_COLORS[tag] for tag in per_tag}
    title = ctx.t("cost.per_month" if total_bars.monthly else "cost.per_day")
    heading(title)
    year = period.start.year
    chart = charts.Chart(
        charts.stacked_bars(
            summaries.bar_labels(total_bars, ctx.lang),
            stacks,
            colors,
            "€",
            ctx.dark,
            previous=total_bars.previous,
            previous_name=ctx.t("series.previous", year=year - 1),
        ),
        ctx.lang,
        unit="€",
        title=title,
    ).classes("med-chart")
    charts.chart_card(
        chart,
        m.CHART_COST,
        len(total_bars.labels),
        "bars",
        summaries.bars_text(
            ctx.lang,
            ctx.t("cost.title"),
            total_bars,
            period.start,
            last,
            lambda v: i18n.eur(v, ctx.lang),
        ),
        ctx.lang,
    )


def _table(ctx: PageContext, costs: Costs) -> None:
    model = costs.model
    tempo = model.option is PricingOption.TEMPO
    split = len([t for t in model.tags if t != UNCLASSIFIED]) > 1
    columns: list[dict[str, Any]] = [column("date", ctx.t("common.date"), align="left")]
    if tempo:
        columns.append(column("tempo", ctx.t("col.tempo"), align="left", key=False))
    columns.append(column("kwh", ctx.t("cost.kwh_curve"), key=False))
    if split:
        columns += [
            column("hc", ctx.t("col.hc_eur"), key=False),
            column("hp", ctx.t("col.hp_eur"), key=False),
        ]
    columns += [
        column("energy", ctx.t("cost.energy"), key=False),
        column("sub", ctx.t("cost.subscription"), key=False),
        column("total", ctx.t("cost.total")),
        column("note", ctx.t("col.note"), align="left", key=False),
    ]
    rows = []
    for c in costs.days:
        by_tag = cost_by_tag(model, c)
        row: dict[str, Any] = {
            "date": i18n.day_text(c.day, ctx.lang),
            "kwh": i18n.number(sum(c.wh_by_tag.values()) / 1000, 2, ctx.lang)
            if c.wh_by_tag
            else "—",
            "energy": i18n.eur(c.energy_eur, ctx.lang),
            "sub": i18n.eur(c.subscription_eur, ctx.lang),
            "total": i18n.eur(c.energy_eur + c.subscription_eur, ctx.lang),
            "note": ctx.t("note.estimated")
            if c.estimated
            else (ctx.t("note.missing") if c.missing else ""),
        }
        if tempo:
            row["tempo"] = ctx.label("tempo", model.tempo.get(c.day))
        if split:
            row["hc"] = i18n.eur(sum(v for k, v in by_tag.items() if tag_is_offpeak(k)), ctx.lang)
            row["hp"] = i18n.eur(
                sum(v for k, v in by_tag.items() if not tag_is_offpeak(k)), ctx.lang
            )
        rows.append(row)
    heading(ctx.t("energy.table"))
    day_table(ctx, columns, rows, m.TABLE_COST)


def _comparison(ctx: PageContext, selection: Selection, comparison: Comparison) -> None:
    pdl = selection.pdl
    current = selection.point.point.pricing_option
    heading(ctx.t("cost.compare"))
    ui.label(
        ctx.t(
            "cost.compare_hint",
            start=i18n.day_text(comparison.start, ctx.lang),
            end=i18n.day_text(comparison.end, ctx.lang),
        )
    ).classes("text-xs med-muted")
    keys = {"BASE": "compare_base_eur", "HC_HP": "compare_hc_hp_eur", "TEMPO": "compare_tempo_eur"}
    with ui.row().classes("gap-8 flex-wrap"):
        for option, breakdown in comparison.totals.items():
            title = ctx.t(f"opt.{option}")
            if current is not None and current.value == option:
                title += f" ({ctx.t('cost.current_option')})"
            stat(
                title,
                i18n.eur(breakdown.total_eur, ctx.lang),
                m.value(pdl, keys[option]),
                round(breakdown.total_eur, 2),
                "EUR",
            )
    names = [ctx.t(f"opt.{o}") for o in comparison.totals]
    options = charts.grouped_bars(
        names,
        {
            ctx.t("cost.energy"): [round(b.energy_eur, 2) for b in comparison.totals.values()],
            ctx.t("cost.subscription"): [
                round(b.subscription_eur, 2) for b in comparison.totals.values()
            ],
        },
        {ctx.t("cost.energy"): "#1976d2", ctx.t("cost.subscription"): TAG_COLORS["subscription"]},
        "€",
        ctx.dark,
    )
    for series in options["series"]:
        series["stack"] = "total"
    chart = charts.Chart(options, ctx.lang, unit="€", title=ctx.t("cost.compare")).classes(
        "med-chart"
    )
    parts = [
        (name, i18n.eur(b.total_eur, ctx.lang))
        for name, b in zip(names, comparison.totals.values(), strict=True)
    ]
    charts.chart_card(
        chart,
        m.CHART_COMPARE,
        len(names),
        "options",
        summaries.parts_text(ctx.lang, "sum.compare", parts),
        ctx.lang,
    )


async def build(ctx: PageContext) -> None:
    """The Consommation (€) page."""
    store = ctx.runtime.store
    points = await asyncio.to_thread(store.usage_points)
    with shell(ctx, m.PAGE_COST):
        selection = await select(ctx, Direction.CONSUMPTION, points)
        if selection is None:
            message(ctx.t("common.no_pdl"))
            return
        picker(ctx, selection, points)
        # Days after the newest stored one have no consumption yet: no cost, no subscription.
        if selection.last < selection.period.start:
            message(ctx.t("common.no_data"))
            return
        costs = await asyncio.to_thread(_read, store, selection)
        with ui.card().classes("w-full"):
            _totals(ctx, selection, costs)
        with ui.card().classes("w-full"):
            _by_slot(ctx, selection, costs)
        with ui.card().classes("w-full"):
            _chart(ctx, selection, costs)
        with ui.card().classes("w-full"):
            comparison = await asyncio.to_thread(
                compare_options, store, selection.point, selection.anchor
            )
            _comparison(ctx, selection, comparison)
        with ui.card().classes("w-full"):
            _table(ctx, costs)
