"""Consommation (€): cost per day (or per month for a year) from the saved tariff prices and the
date-versioned HC/HP and Tempo split, and Base vs HC/HP vs Tempo over the last 12 months."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from nicegui import ui

from myelectricaldata.domain.tariffs import UNCLASSIFIED, TariffPrices, tags_for
from myelectricaldata.domain.types import Direction, PricingOption
from myelectricaldata.runtime import saved_prices
from myelectricaldata.ui import charts, i18n
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.data import (
    Comparison,
    DayCost,
    compare_options,
    cost_model,
    day_costs,
)
from myelectricaldata.ui.layout import TEMPO_COLORS, PageContext, PagedTable, message, shell, stat
from myelectricaldata.ui.period import Selection, picker, select

TAG_COLORS = {
    "base": "#1976d2",
    "hc": "#26a69a",
    "hp": "#ef6c00",
    "bluehc": "#64b5f6",
    "bluehp": TEMPO_COLORS["BLUE"],
    "whitehc": "#cfd8dc",
    "whitehp": "#90a4ae",
    "redhc": "#ef9a9a",
    "redhp": TEMPO_COLORS["RED"],
    "subscription": "#8d6e63",
}


def _energy_by_tag(
    model_prices: TariffPrices, cost: DayCost, tags: tuple[str, ...]
) -> dict[str, float]:
    """EUR of each tag of a day (a day without split puts its whole energy on one bar)."""
    if not cost.wh_by_tag:
        return {tags[-1]: cost.energy_eur}
    result = {
        tag: cost.wh_by_tag.get(tag, 0.0) / 1000 * model_prices.price_of_tag(tag) for tag in tags
    }
    # Whatever the split could not price (unknown Tempo colour, incomplete day) stays visible.
    rest = cost.energy_eur - sum(result.values())
    if abs(rest) > 1e-9:
        result[tags[-1]] += rest
    return result


def _chart(
    ctx: PageContext, selection: Selection, costs: list[DayCost], prices: TariffPrices
) -> None:
    tags = tags_for(selection.point.point.pricing_option)
    by_month = selection.period.days > 62
    groups: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for cost in costs:
        key = cost.day.strftime("%Y-%m") if by_month else cost.day.isoformat()
        for tag, eur in _energy_by_tag(prices, cost, tags).items():
            groups[key][tag] += eur
        groups[key]["subscription"] += cost.subscription_eur
    categories = sorted(groups)
    names = {tag: ctx.t(f"tag.{tag}") for tag in tags} | {
        "subscription": ctx.t("cost.subscription")
    }
    stacks = {names[tag]: [groups[c][tag] for c in categories] for tag in (*tags, "subscription")}
    colors = {names[tag]: TAG_COLORS[tag] for tag in (*tags, "subscription")}
    ui.label(ctx.t("cost.per_month" if by_month else "cost.per_day")).classes(
        "text-base font-medium"
    )
    chart = charts.Chart(charts.stacked_bars(categories, stacks, colors, "€", ctx.dark), ctx.lang)
    chart.classes("med-chart")
    m.apply(chart, m.CHART_COST, value=len(categories), unit="bars")


def _table(ctx: PageContext, costs: list[DayCost]) -> None:
    columns: list[dict[str, Any]] = [
        {"name": "date", "label": ctx.t("common.date"), "field": "date", "align": "left"},
        {"name": "kwh", "label": "kWh", "field": "kwh", "align": "right"},
        {"name": "energy", "label": ctx.t("cost.energy"), "field": "energy", "align": "right"},
        {"name": "sub", "label": ctx.t("cost.subscription"), "field": "sub", "align": "right"},
        {"name": "total", "label": ctx.t("cost.total"), "field": "total", "align": "right"},
        {"name": "note", "label": "", "field": "note", "align": "left"},
    ]
    rows = [
        {
            "date": c.day.isoformat(),
            "kwh": i18n.kwh(sum(c.wh_by_tag.values()) / 1000, ctx.lang) if c.wh_by_tag else "—",
            "energy": i18n.eur(c.energy_eur, ctx.lang),
            "sub": i18n.eur(c.subscription_eur, ctx.lang),
            "total": i18n.eur(c.energy_eur + c.subscription_eur, ctx.lang),
            "note": "≈" if c.estimated else ("∅" if c.missing else ""),
        }
        for c in costs
    ]
    table = PagedTable(columns=columns, rows=rows, row_key="date").classes("w-full")
    table.props("dense flat bordered")
    m.apply(table, m.TABLE_COST)


def _comparison(ctx: PageContext, selection: Selection, comparison: Comparison) -> None:
    pdl = selection.pdl
    current = selection.point.point.pricing_option
    ui.label(ctx.t("cost.compare")).classes("text-base font-medium")
    ui.label(
        ctx.t(
            "cost.compare_hint",
            start=i18n.day_text(comparison.start, ctx.lang),
            end=i18n.day_text(comparison.end, ctx.lang),
        )
    ).classes("text-xs opacity-70")
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
    chart = charts.Chart(options, ctx.lang).classes("med-chart")
    m.apply(chart, m.CHART_COMPARE, value=len(names), unit="options")


async def build(ctx: PageContext) -> None:
    """The Consommation (€) page."""
    store = ctx.runtime.store
    points = await asyncio.to_thread(store.usage_points)
    prices = await asyncio.to_thread(saved_prices, store)
    with shell(ctx, m.PAGE_COST):
        ui.page_title(f"{ctx.t('nav.cost')} — MyElectricalData")
        selection = await select(ctx, Direction.CONSUMPTION, points)
        if selection is None:
            message(ctx.t("common.no_pdl"))
            return
        picker(ctx, selection, points)
        period = selection.period
        # Days after the newest stored one have no consumption yet: no cost, no subscription.
        last = min(period.end, selection.anchor)
        if last < period.start:
            message(ctx.t("common.no_data"))
            return
        model = await asyncio.to_thread(
            cost_model, store, selection.point, prices, period.start, last
        )
        costs = day_costs(model, period.start, last)
        breakdown = model.cost(period.start, last)
        pdl = selection.pdl
        with ui.card().classes("w-full"):
            with ui.row().classes("gap-8 flex-wrap items-end"):
                stat(
                    ctx.t("cost.total"),
                    i18n.eur(breakdown.total_eur, ctx.lang),
                    m.value(pdl, "cost_total_eur"),
                    round(breakdown.total_eur, 2),
                    "EUR",
                )
                stat(
                    ctx.t("cost.energy"),
                    i18n.eur(breakdown.energy_eur, ctx.lang),
                    m.value(pdl, "cost_energy_eur"),
                    round(breakdown.energy_eur, 2),
                    "EUR",
                )
                stat(
                    ctx.t("cost.subscription"),
                    i18n.eur(breakdown.subscription_eur, ctx.lang),
                    m.value(pdl, "cost_subscription_eur"),
                    round(breakdown.subscription_eur, 2),
                    "EUR",
                )
            if breakdown.estimated_days:
                message(ctx.t("cost.estimated", days=breakdown.estimated_days), "warning")
            option = selection.point.point.pricing_option or PricingOption.BASE
            used = [t for t in tags_for(option) if t != UNCLASSIFIED]
            ui.label(
                f"{ctx.t('cost.prices')} : "
                + " · ".join(
                    f"{ctx.t(f'tag.{t}')} {i18n.number(prices.price_of_tag(t), 4, ctx.lang)} €/kWh"
                    for t in used
                )
                + f" · {ctx.t('cost.subscription')} "
                + f"{i18n.number(prices.subscription_eur_month, 2, ctx.lang)} €/"
                + ("mois" if ctx.lang == "fr" else "month")
            ).classes("text-xs opacity-70")
        with ui.card().classes("w-full"):
            _chart(ctx, selection, costs, prices)
        with ui.card().classes("w-full"):
            comparison = await asyncio.to_thread(
                compare_options, store, selection.point, prices, selection.anchor
            )
            _comparison(ctx, selection, comparison)
        with ui.card().classes("w-full"):
            _table(ctx, costs)
