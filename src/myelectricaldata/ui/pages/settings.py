"""Paramètres: gateway credentials (or demo), usage point names, tariff prices, off-peak
overrides, the hour of the daily sync, and how the service is reached.

Gateway settings are saved in the settings table (the client secret encrypted with the
runtime's key) and win over the environment at the next start: the source of a running service
is not swapped under a sync. Prices, names and off-peak hours apply at once; the sync hour too
(the daily job is rescheduled).
"""

from __future__ import annotations

import asyncio
from typing import Any

from nicegui import ui
from pydantic import ValidationError

from myelectricaldata.config import (
    SAVED_CLIENT_ID,
    SAVED_CLIENT_SECRET,
    SAVED_DEMO,
    SAVED_SYNC_HOUR,
)
from myelectricaldata.crypto import MASK
from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offpeak import parse_offpeak
from myelectricaldata.domain.tariffs import DEFAULT_PRICES_DATE, TariffPrices
from myelectricaldata.exporters.registry import field_errors
from myelectricaldata.runtime import save_prices, saved_prices
from myelectricaldata.store.repo import StoredUsagePoint
from myelectricaldata.ui import i18n
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.layout import PageContext, heading, shell
from myelectricaldata.ui.period import date_field
from myelectricaldata.ui.query import MAX_DAY, MIN_DAY, read_typed_day


def _result(ctx: PageContext) -> tuple[ui.label, Any]:
    label = ui.label("").classes("text-sm")
    m.apply(label, m.setting("result"), value="", unit="")

    def report(ok: bool, text_value: str) -> None:
        label.text = text_value
        label.classes(replace="text-sm " + ("text-positive" if ok else "text-negative"))
        label.props["data-value"] = "ok" if ok else "failed"
        ui.notify(text_value, type="positive" if ok else "negative")

    return label, report


def _gateway(ctx: PageContext, report: Any) -> None:
    runtime = ctx.runtime
    store = runtime.store
    settings = runtime.settings
    saved = store.settings("gateway.")
    has_secret = SAVED_CLIENT_SECRET in saved or bool(settings.med_client_secret.get_secret_value())
    demo_saved = saved.get(SAVED_DEMO)
    with ui.card().classes("w-full"):
        heading(ctx.t("set.gateway"))
        ui.label(ctx.t("set.in_force", source=ctx.label("origin", runtime.source.origin))).classes(
            "text-sm"
        )
        client_id = ui.input(
            ctx.t("set.client_id"),
            value=saved[SAVED_CLIENT_ID][0] if SAVED_CLIENT_ID in saved else settings.med_client_id,
        ).classes("w-full max-w-xl")
        m.apply(client_id, m.setting("client_id"))
        secret = ui.input(
            ctx.t("set.client_secret"), value=MASK if has_secret else "", password=True
        ).classes("w-full max-w-xl")
        secret.props("autocomplete=new-password")
        secret.props["hint"] = ctx.t("exp.secret_kept")
        m.apply(secret, m.setting("client_secret"))
        demo = ui.switch(
            ctx.t("set.demo"),
            value=(demo_saved[0] == "true") if demo_saved else runtime.is_demo,
        )
        m.apply(demo, m.setting("demo"))
        ui.label(ctx.t("set.gateway_hint")).classes("text-xs med-muted")

        def save() -> None:
            store.put_setting(SAVED_CLIENT_ID, str(client_id.value or "").strip())
            value = str(secret.value or "")
            if value != MASK:
                # Empty clears the saved secret: the environment's, if any, applies again.
                encrypted = runtime.secrets.encrypt(value) if value else ""
                store.put_setting(SAVED_CLIENT_SECRET, encrypted, secret=bool(value))
            store.put_setting(SAVED_DEMO, "true" if demo.value else "false")
            report(True, ctx.t("set.restart"))

        button = ui.button(ctx.t("common.save"), icon="save", on_click=save)
        m.apply(button, m.setting("save_gateway"))


def _names(ctx: PageContext, points: list[StoredUsagePoint], report: Any) -> None:
    store = ctx.runtime.store
    with ui.card().classes("w-full"):
        heading(ctx.t("set.names"))
        ui.label(ctx.t("set.names_hint")).classes("text-xs med-muted")
        inputs = {}
        for stored in points:
            pdl = stored.point.pdl
            saved = store.get_setting(f"ui.pdl_name.{pdl}")
            field = ui.input(
                pdl, value=saved[0] if saved else "", placeholder=stored.point.name
            ).classes("w-full max-w-xl")
            m.apply(field, m.setting(f"pdl_name:{pdl}"))
            inputs[pdl] = field

        def save() -> None:
            for pdl, field in inputs.items():
                store.put_setting(f"ui.pdl_name.{pdl}", str(field.value or "").strip())
            report(True, ctx.t("common.saved"))

        button = ui.button(ctx.t("common.save"), icon="save", on_click=save)
        m.apply(button, m.setting("save_names"))


def _tariff(ctx: PageContext, report: Any) -> None:
    store = ctx.runtime.store
    prices = saved_prices(store)
    schema = TariffPrices.model_json_schema()["properties"]
    with ui.card().classes("w-full"):
        heading(ctx.t("set.tariff"))
        ui.label(
            ctx.t("set.tariff_hint", date=i18n.day_text(DEFAULT_PRICES_DATE, ctx.lang))
        ).classes("text-xs med-muted")
        inputs = {}
        with ui.grid().classes(
            "med-form w-full gap-x-6 gap-y-3 grid-cols-1 sm:grid-cols-2 md:grid-cols-3"
        ):
            for field, prop in schema.items():
                value = getattr(prices, field)
                label, hint = i18n.field_texts(
                    i18n.TARIFF_FIELDS,
                    field,
                    ctx.lang,
                    field=field,
                    title=prop.get("title"),
                    description=prop.get("description"),
                )
                number = ui.number(label, value=value, min=0, step=0.0001, format="%.4f")
                number.props["hint"] = i18n.plain(hint)
                m.apply(number, m.setting(f"tariff:{field}"))
                inputs[field] = number

        def save() -> None:
            values = {k: v.value for k, v in inputs.items() if v.value is not None}
            try:
                save_prices(store, TariffPrices.model_validate(values))
            except ValidationError as exc:
                errors = field_errors(exc)
                report(False, "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in errors))
                return
            report(True, ctx.t("common.saved"))

        button = ui.button(ctx.t("common.save"), icon="save", on_click=save)
        m.apply(button, m.setting("save_tariff"))


def _offpeak(ctx: PageContext, points: list[StoredUsagePoint], report: Any) -> None:
    store = ctx.runtime.store
    with ui.card().classes("w-full"):
        heading(ctx.t("set.offpeak"))
        ui.label(ctx.t("set.offpeak_hint")).classes("text-xs med-muted")
        if not points:
            return
        history = ui.column().classes("gap-0 text-sm")

        def show_history(pdl: str) -> None:
            history.clear()
            stored = store.usage_point(pdl)
            with history:
                ui.label(ctx.t("set.offpeak_history")).classes("text-xs med-muted")
                for valid_from, schedule in stored.offpeak_versions if stored else ():
                    ui.label(
                        f"{i18n.day_text(valid_from, ctx.lang)} → "
                        + ("; ".join(str(r) for r in schedule.ranges) or "—")
                        + (f"  ({schedule.raw})" if schedule.raw else "")
                    )

        with ui.row().classes("items-end gap-3 flex-wrap"):
            chooser = ui.select(
                {p.point.pdl: p.point.pdl for p in points},
                value=points[0].point.pdl,
                label=ctx.t("period.pdl"),
                on_change=lambda e: show_history(str(e.value)),
            )
            m.apply(chooser, m.setting("offpeak_pdl"))
            since = date_field(ctx, ctx.t("set.offpeak_from"), ctx.today, m.setting("offpeak_from"))
            current = points[0].offpeak_versions
            ranges = ui.input(
                ctx.t("set.offpeak_ranges"),
                value=";".join(str(r) for r in current[-1][1].ranges) if current else "22:00-06:00",
            )
            m.apply(ranges, m.setting("offpeak_ranges"))

            def save() -> None:
                day = read_typed_day(str(since.value or ""))
                if day is None:
                    report(
                        False,
                        ctx.t(
                            "period.bad_dates",
                            min=i18n.day_text(MIN_DAY, ctx.lang),
                            max=i18n.day_text(MAX_DAY, ctx.lang),
                        ),
                    )
                    return
                text_value = str(ranges.value or "").replace(":", "H")
                try:
                    schedule = parse_offpeak(f"HC ({text_value})")
                except InvalidInput as exc:
                    report(False, exc.reason)
                    return
                store.set_offpeak_version(str(chooser.value), day, schedule)
                show_history(str(chooser.value))
                report(True, ctx.t("common.saved"))

            button = ui.button(ctx.t("common.save"), icon="save", on_click=save)
            m.apply(button, m.setting("save_offpeak"))
        show_history(points[0].point.pdl)


def _sync(ctx: PageContext, report: Any) -> None:
    runtime = ctx.runtime
    store = runtime.store
    saved = store.get_setting(SAVED_SYNC_HOUR)
    hour = int(saved[0]) if saved else runtime.settings.sync_hour
    schedules = runtime.schedules
    with ui.card().classes("w-full"):
        heading(ctx.t("set.sync"))
        field = ui.number(
            ctx.t("set.sync_hour"), value=hour, min=0, max=23, step=1, format="%d"
        ).classes("w-40")
        m.apply(field, m.setting("sync_hour"))
        if schedules is not None:
            ui.label(ctx.t("set.sync_hint", minute=f"{schedules.minute:02d}")).classes(
                "text-xs med-muted"
            )

        def save() -> None:
            value = field.value
            if value is None or not 0 <= int(value) <= 23:
                report(False, ctx.t("set.sync_hour"))
                return
            store.put_setting(SAVED_SYNC_HOUR, str(int(value)))
            if schedules is not None:
                from apscheduler.triggers.cron import CronTrigger

                schedules.hour = int(value)
                schedules.scheduler.reschedule_job(
                    "sync",
                    trigger=CronTrigger(
                        hour=int(value), minute=schedules.minute, timezone=schedules.tz
                    ),
                )
            report(True, ctx.t("common.saved"))

        button = ui.button(ctx.t("common.save"), icon="save", on_click=save)
        m.apply(button, m.setting("save_sync"))


def _access(ctx: PageContext) -> None:
    host = ctx.runtime.settings.med_host
    access = ctx.access
    with ui.card().classes("w-full"):
        heading(ctx.t("set.access"))
        key = "set.access_open" if access is None or access.open else "set.access_guarded"
        ui.label(ctx.t(key, host=host)).classes("text-sm")


async def build(ctx: PageContext) -> None:
    """The Paramètres page."""
    points = await asyncio.to_thread(ctx.runtime.store.usage_points)
    with shell(ctx, m.PAGE_SETTINGS):
        _, report = _result(ctx)
        _gateway(ctx, report)
        _tariff(ctx, report)
        _names(ctx, points, report)
        _offpeak(ctx, points, report)
        _sync(ctx, report)
        _access(ctx)
