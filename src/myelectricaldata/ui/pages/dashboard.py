"""Tableau de bord: one card per usage point, the sync button with live progress, the quota."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from nicegui import ui

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.exporters.base import MeasureValue
from myelectricaldata.exporters.snapshot import compute_snapshot
from myelectricaldata.runtime import saved_prices
from myelectricaldata.store.exports import ExportLog
from myelectricaldata.store.repo import Store, StoredUsagePoint, SyncBusy
from myelectricaldata.sync.service import SyncStatus
from myelectricaldata.ui import i18n
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.data import CostModel, month_cost
from myelectricaldata.ui.layout import (
    ECOWATT_COLORS,
    ECOWATT_TEXT,
    TEMPO_COLORS,
    TEMPO_TEXT,
    PageContext,
    heading,
    message,
    pdl_label,
    shell,
    value_label,
)
from myelectricaldata.ui.messages import localized
from myelectricaldata.ui.offers import offer_name

if TYPE_CHECKING:
    from myelectricaldata.runtime import Runtime

#: Seconds between two reads of the sync status while a sync runs.
POLL_S = 1.0


def _by_key(values: list[MeasureValue]) -> dict[str, MeasureValue]:
    return {v.key: v for v in values}


def _day(iso: str, lang: str) -> str:
    """A catalogue date (ISO) the page's way."""
    try:
        return i18n.day_text(date.fromisoformat(iso[:10]), lang)
    except ValueError:
        return iso


def _kwh_value(
    ctx: PageContext, values: dict[str, MeasureValue], pdl: str, key: str, title: str
) -> None:
    measure = values.get(key)
    raw = measure.value if measure else None
    number = float(raw) if isinstance(raw, int | float) else None
    with ui.column().classes("gap-0"):
        ui.label(title).classes("text-xs med-muted")
        value_label(i18n.kwh(number, ctx.lang), m.value(pdl, key), number, "kWh")
        evolution = values.get(f"{key}_evolution")
        if evolution is not None:
            change = evolution.value if isinstance(evolution.value, int | float) else None
            color = "" if change is None else ("text-negative" if change > 0 else "text-positive")
            with ui.row().classes("gap-1 items-center text-sm"):
                value_label(
                    i18n.percent(change, ctx.lang),
                    m.value(pdl, f"{key}_evolution"),
                    change,
                    "%",
                    classes=color,
                )
                ui.label(ctx.t("dash.vs_last_year")).classes("med-muted")
        if measure is not None and measure.date:
            ui.label(_day(measure.date, ctx.lang)).classes("text-xs med-muted")


def _card(
    ctx: PageContext,
    stored: StoredUsagePoint,
    values: dict[str, MeasureValue],
    status: SyncStatus,
    month: CostModel | None,
) -> None:
    point = stored.point
    pdl = point.pdl
    with ui.card().classes("med-card grow") as card:
        m.apply(card, m.pdl_card(pdl))
        with ui.row().classes("items-center w-full"):
            heading(pdl_label(ctx, pdl, point.name))
            ui.space()
            if stored.origin == "demo":
                ui.badge(ctx.t("shell.demo"), color="amber", text_color="black")
        with ui.row().classes("text-xs med-muted gap-3"):
            if point.pricing_option:
                ui.label(f"{ctx.t('dash.option')} : {ctx.label('opt', point.pricing_option)}")
            if point.subscribed_power_kva:
                ui.label(
                    f"{i18n.kva(point.subscribed_power_kva, ctx.lang)} {ctx.t('dash.subscribed')}"
                )
            state = ui.label(ctx.t("dash.consent_ok" if point.is_active else "dash.consent_off"))
            if not point.is_active:
                # Skipped by syncs (inactive on the site, or refused by the gateway): say why.
                state.classes("text-negative font-medium")
                if stored.inactive_reason:
                    state.tooltip(stored.inactive_reason)
        if point.has_consumption:
            with ui.row().classes("gap-6 w-full"):
                _kwh_value(ctx, values, pdl, "consumption_yesterday", ctx.t("dash.yesterday"))
                _kwh_value(ctx, values, pdl, "consumption_month", ctx.t("dash.month"))
                _kwh_value(ctx, values, pdl, "consumption_year", ctx.t("dash.year"))
        if point.has_production:
            with ui.row().classes("gap-6 w-full"):
                _kwh_value(
                    ctx, values, pdl, "production_yesterday", ctx.t("dash.production_yesterday")
                )
                _kwh_value(ctx, values, pdl, "production_month", ctx.t("dash.month"))
                _kwh_value(ctx, values, pdl, "production_year", ctx.t("dash.year"))
        with ui.row().classes("gap-6 w-full"):
            if point.has_consumption and month is not None:
                # Each day at the price of the PDL's offer in force that day (the € page's way).
                raw = round(month.bill.low_eur, 2)
                pricing = month.pricing
                with ui.column().classes("gap-0"):
                    ui.label(ctx.t("dash.cost_month")).classes("text-xs med-muted")
                    value_label(
                        i18n.eur(raw, ctx.lang), m.value(pdl, "cost_month"), raw, "EUR", "text-lg"
                    )
                    ui.label(offer_name(ctx.lang, pricing.offer, pricing.provider)).classes(
                        "text-xs med-muted"
                    )
            power = values.get("max_power_yesterday")
            if power is not None:
                raw_va = power.value if isinstance(power.value, int) else None
                with ui.column().classes("gap-0"):
                    ui.label(ctx.t("dash.max_power")).classes("text-xs med-muted")
                    value_label(
                        i18n.va(raw_va, ctx.lang),
                        m.value(pdl, "max_power_yesterday"),
                        raw_va,
                        "VA",
                        "text-lg",
                    )
        streams = [s for s in status.streams if s.pdl == pdl]
        successes = [s.last_success_at for s in streams if s.last_success_at]
        errors = [s for s in streams if s.last_error]
        last = max(successes) if successes else None
        with ui.row().classes("text-xs opacity-80 gap-2 items-center"):
            ui.icon("sync_problem" if errors else "sync").classes(
                "text-negative" if errors else "text-positive"
            )
            ui.label(
                f"{ctx.t('dash.last_sync')} : "
                + (
                    i18n.instant_text(last.astimezone(PARIS), ctx.lang)
                    if last
                    else ctx.t("dash.never")
                )
            )
        for stream in errors[:3]:
            ui.label(f"{ctx.label('kind', stream.stream)} : {stream.last_error}").classes(
                "text-xs text-negative"
            )


def _grid_card(ctx: PageContext, values: dict[str, MeasureValue]) -> None:
    """Tempo today and tomorrow, EcoWatt today and now (the measures catalogue's values)."""
    with ui.card().classes("med-card grow") as card:
        m.apply(card, m.GRID_CARD)
        heading(ctx.t("dash.grid"))
        with ui.row().classes("gap-x-8 gap-y-3 flex-wrap items-start"):
            for key, title in (
                ("tempo_today", "dash.tempo_today"),
                ("tempo_tomorrow", "dash.tempo_tomorrow"),
            ):
                measure = values.get(key)
                color = measure.value if measure is not None else None
                with ui.column().classes("gap-1"):
                    ui.label(ctx.t(title)).classes("text-xs med-muted")
                    chip = value_label(
                        ctx.label("tempo", color) if color else ctx.t("tempo.unknown"),
                        m.value("tempo", key),
                        color,
                        "",
                        "text-base font-medium px-2 rounded" if color else "text-sm",
                    )
                    if isinstance(color, str) and color in TEMPO_COLORS:
                        chip.style(f"background:{TEMPO_COLORS[color]};color:{TEMPO_TEXT[color]}")
            day = values.get("ecowatt_j0")
            now = values.get("ecowatt_now")
            level = day.value if day is not None and isinstance(day.value, int) else None
            with ui.column().classes("gap-1"):
                ui.label(ctx.t("dash.ecowatt_today")).classes("text-xs med-muted")
                badge = value_label(
                    f"{ctx.t('ecowatt.level', level=level)} "
                    f"({ctx.t(f'ecowatt.level_name.{level}')})"
                    if level
                    else ctx.t("ecowatt.unknown_day"),
                    m.value("ecowatt", "ecowatt_j0"),
                    level,
                    "",
                    "text-base font-medium px-2 rounded" if level else "text-sm",
                )
                if level:
                    badge.style(f"background:{ECOWATT_COLORS[level]};color:{ECOWATT_TEXT[level]}")
                hour = now.value if now is not None and isinstance(now.value, int) else None
                value_label(
                    ctx.t("dash.ecowatt_now", level=ctx.t(f"ecowatt.hour_level.{hour}"))
                    if hour is not None
                    else "",
                    m.value("ecowatt", "ecowatt_now"),
                    hour,
                    "",
                    "text-xs",
                )
        with ui.row().classes("gap-4 text-sm"):
            ui.link(ctx.t("nav.tempo"), "/tempo")
            ui.link(ctx.t("nav.ecowatt"), "/ecowatt")


@dataclass(frozen=True, slots=True)
class ExporterHealth:
    """One destination on the dashboard: whether it is on, its last run, and the days it has
    yet to re-send after a back-dated price, offer or off-peak change (``None``: none)."""

    name: str
    title: str
    enabled: bool
    last: ExportLog | None
    reprice: tuple[date, date] | None = None


def exporter_health(runtime: Runtime) -> list[ExporterHealth]:
    """Every destination that is enabled or ran at least once, with its last run."""
    exports = runtime.exports
    pending: dict[str, tuple[date, date]] = {}
    for mark in exports.pending_reprices():
        known = pending.get(mark.destination)
        pending[mark.destination] = (
            (min(known[0], mark.first), max(known[1], mark.last))
            if known
            else (mark.first, mark.last)
        )
    found = []
    for name, cls in sorted(exports.registry.types.items()):
        try:
            enabled = bool(exports.configs.load(name).enabled)
        except Exception:  # a broken saved config: shown by the Exporter page
            enabled = False
        logs = exports.repo.logs(name, 1)
        if enabled or logs:
            found.append(
                ExporterHealth(
                    name,
                    str(cls.title or name),
                    enabled,
                    logs[0] if logs else None,
                    pending.get(name),
                )
            )
    return found


def _exporters_card(ctx: PageContext, health: list[ExporterHealth]) -> None:
    """Each destination's last run and its error; a failed one is flagged."""
    with ui.card().classes("med-card grow") as card:
        m.apply(card, m.EXPORTERS_CARD)
        heading(ctx.t("dash.exporters"))
        if not health:
            ui.label(ctx.t("dash.exporters_none")).classes("text-sm med-muted")
        for item in health:
            last = item.last
            status = last.status if last else ""
            failed = status == "failed"
            with ui.row().classes("items-start gap-2 no-wrap w-full") as line:
                m.apply(line, m.exporter_health(item.name), value=status, unit="")
                icon = ui.icon(
                    "error" if failed else ("check_circle" if status == "success" else "schedule")
                ).classes("text-negative" if failed else "text-positive" if status else "")
                icon.props["aria-hidden"] = "true"
                with ui.column().classes("gap-0 min-w-0"):
                    title = item.title + (
                        "" if item.enabled else f" ({ctx.t('dash.exporter_disabled')})"
                    )
                    ui.link(title, ctx.url("/exporter", type=item.name)).classes("font-medium")
                    if last is None:
                        ui.label(ctx.t("dash.exporter_never")).classes("text-xs med-muted")
                    else:
                        ui.label(
                            ctx.t(
                                "dash.exporter_last",
                                when=i18n.instant_text(last.started_at.astimezone(PARIS), ctx.lang),
                                status=ctx.label("exp_status", status),
                            )
                            + f" · {ctx.t('dash.rows', rows=i18n.integer(last.records, ctx.lang))}"
                        ).classes("text-xs" + (" text-negative font-medium" if failed else ""))
                    if last is not None and last.error:
                        ui.label(localized(last.error, ctx.lang)).classes(
                            "text-xs text-negative break-words"
                        )
                    if item.reprice is not None:
                        first, end = item.reprice
                        note = ui.label(
                            ctx.t(
                                "dash.reprice",
                                first=i18n.day_text(first, ctx.lang),
                                last=i18n.day_text(end, ctx.lang),
                                destination=item.title,
                            )
                        ).classes("text-xs font-medium")
                        note.tooltip(ctx.t("dash.reprice_why"))
                        m.apply(
                            note,
                            m.reprice(item.name),
                            value=f"{first.isoformat()}/{end.isoformat()}",
                            unit="",
                        )


async def build(ctx: PageContext) -> None:
    """The dashboard page."""
    runtime = ctx.runtime
    prices = await asyncio.to_thread(saved_prices, runtime.store)
    snapshot = await compute_snapshot(runtime.store, now=ctx.now, prices=prices)
    points = await asyncio.to_thread(runtime.store.usage_points)
    months = await asyncio.to_thread(_month_costs, runtime.store, points, ctx.today)
    status = await asyncio.to_thread(runtime.sync.status)
    health = await asyncio.to_thread(exporter_health, runtime)
    with shell(ctx, m.PAGE_DASHBOARD):
        _sync_panel(ctx, status)
        if not points:
            message(ctx.t("common.no_pdl"))
        with ui.row().classes("w-full gap-4 items-stretch"):
            for stored in points:
                pdl = stored.point.pdl
                _card(ctx, stored, _by_key(snapshot.for_scope(pdl)), status, months.get(pdl))
        grid = _by_key(snapshot.for_scope("tempo") + snapshot.for_scope("ecowatt"))
        with ui.row().classes("w-full gap-4 items-stretch"):
            _grid_card(ctx, grid)
            _exporters_card(ctx, health)


def _month_costs(store: Store, points: list[StoredUsagePoint], today: date) -> dict[str, CostModel]:
    """This month's cost of each usage point, at its offer's dated prices."""
    costs = {}
    for stored in points:
        if stored.point.has_consumption:
            model = month_cost(store, stored, today)
            if model is not None:
                costs[stored.point.pdl] = model
    return costs


def _status_text(ctx: PageContext, status: SyncStatus) -> tuple[str, str, float | None]:
    run = status.current or (status.last[0] if status.last else None)
    if run is None:
        return ctx.t("dash.never"), "", None
    percent = (100.0 * run.steps_done / run.steps_total) if run.steps_total else None
    if status.running and status.current is not None:
        label = f"{ctx.t('dash.sync_running')} {run.current}"
        return label, "running", percent
    when = i18n.instant_text(run.started_at.astimezone(PARIS), ctx.lang)
    label = f"{ctx.t('dash.last_sync')} : {when} — {ctx.label('status', run.status)}"
    label += f" ({ctx.t('dash.rows', rows=i18n.integer(run.rows_written, ctx.lang))})"
    return label, run.status, 100.0 if run.status != "running" else percent


def _sync_panel(ctx: PageContext, status: SyncStatus) -> None:
    runtime = ctx.runtime
    with ui.card().classes("w-full"), ui.row().classes("w-full items-center gap-4"):
        button = ui.button(ctx.t("dash.sync"), icon="sync")
        m.apply(button, m.SYNC_BUTTON)
        with ui.column().classes("grow gap-1"):
            label_text, state, percent = _status_text(ctx, status)
            status_label = ui.label(label_text).classes("text-sm")
            m.apply(status_label, m.SYNC_STATUS, value=state, unit="")
            bar = ui.linear_progress(
                value=(percent or 0) / 100, show_value=False, size="8px"
            ).props("rounded")
            bar.props["aria-label"] = ctx.t("dash.sync_progress")
            m.apply(bar, m.SYNC_PROGRESS, value=percent if percent is not None else "", unit="%")
        quota = status.quota
        quota_text = (
            ctx.t("dash.quota_left", remaining=quota.remaining, limit=quota.limit)
            if quota is not None
            else ctx.t("dash.quota_demo")
        )
        with ui.column().classes("gap-0"):
            ui.label(ctx.t("dash.quota")).classes("text-xs med-muted")
            value_label(
                quota_text,
                m.QUOTA,
                quota.remaining if quota is not None else None,
                "",
                "text-sm",
            )

    def show(current: SyncStatus) -> None:
        text_value, state_value, pct = _status_text(ctx, current)
        status_label.text = text_value
        status_label.props["data-value"] = state_value
        bar.value = (pct or 0) / 100
        bar.props["data-value"] = m.raw(pct) if pct is not None else ""
        button.enabled = not current.running

    async def poll() -> None:
        current = await asyncio.to_thread(runtime.sync.status)
        show(current)
        if not current.running:
            timer.active = False
            if refresh_after["pending"]:
                refresh_after["pending"] = False
                # New numbers: rebuild the cards.
                ui.navigate.reload()

    refresh_after = {"pending": False}
    timer = ui.timer(POLL_S, poll, active=status.running)
    button.enabled = not status.running

    async def start() -> None:
        try:
            task = runtime.sync.start_background(trigger="ui")
        except SyncBusy:
            ui.notify(ctx.t("dash.sync_busy"), type="warning")
            return
        # Same bookkeeping as POST /api/sync: the app's lifespan cancels it at shutdown.
        tasks: set[asyncio.Task[Any]] = ctx.app.state.sync_tasks
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        button.enabled = False
        refresh_after["pending"] = True
        await asyncio.sleep(0.05)
        show(await asyncio.to_thread(runtime.sync.status))
        timer.active = True

    button.on_click(start)
