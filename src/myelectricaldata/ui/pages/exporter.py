"""Exporter: one tab per destination type, its form generated from the config's JSON schema.

Secrets are password fields that show ``********`` when one is stored and keep it when sent
back unchanged (the same rule as ``PUT /api/export/configs/{type}``). "Tester la connexion"
tests the form as it is (not saved); "Exporter maintenant" starts a run and follows its log.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from fastapi import FastAPI
from nicegui import ui
from pydantic import ValidationError

from myelectricaldata.domain.timeutil import PARIS
from myelectricaldata.exporters.base import ExporterConfig
from myelectricaldata.exporters.registry import field_errors
from myelectricaldata.store.exports import ExportBusy, ExportLog
from myelectricaldata.ui import i18n
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.layout import PageContext, column, heading, message, shell
from myelectricaldata.ui.messages import localized
from myelectricaldata.ui.period import date_field
from myelectricaldata.ui.query import read_typed_day

#: Fields every config has, shown at the top of the tab with their own markers.
COMMON_FIELDS = ("enabled", "interval_minutes")
#: Routes the Home Assistant exporter adds for its long-term statistics.
HA_STATS = "/api/export/home_assistant/statistics"
POLL_S = 1.0


#: JSON schema types of the items a ``list`` field (comma-separated input) can hold.
LIST_ITEMS = ("string", "integer", "number")


def field_kind(prop: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The input kind of a schema property (``text``, ``secret``, ``int``, ``float``, ``bool``,
    ``enum``, ``list`` for an array of plain values, ``json`` for an object or any other array)
    and the property with a nullable ``anyOf`` unwrapped."""
    if "anyOf" in prop:
        options = [p for p in prop["anyOf"] if p.get("type") != "null"]
        if len(options) == 1:
            prop = {**prop, **options[0]}
    if prop.get("secret") and prop.get("type") not in ("object", "array"):
        return "secret", prop
    if "enum" in prop:
        return "enum", prop
    kind = prop.get("type")
    if kind == "boolean":
        return "bool", prop
    if kind == "integer":
        return "int", prop
    if kind == "number":
        return "float", prop
    if kind == "array" and (prop.get("items") or {}).get("type", "string") in LIST_ITEMS:
        return "list", prop
    if kind in ("object", "array"):
        return "json", prop
    return "text", prop


def list_text(value: Any) -> str:
    """A list as the comma-separated text of its input."""
    return ", ".join(str(v) for v in value or [])


def parse_list(text_value: Any, item_type: str = "string") -> list[Any]:
    """The items of a comma-separated input (blanks dropped); ``ValueError`` for a bad number."""
    items = [part.strip() for part in str(text_value or "").replace("\n", ",").split(",")]
    convert: Any = {"integer": int, "number": float}.get(item_type, str)
    return [convert(item) for item in items if item]


def _convert(kind: str, value: Any, item_type: str = "string") -> Any:
    """A widget's value as the config expects it; ``ValueError`` for bad JSON or numbers."""
    if kind == "list":
        return parse_list(value, item_type)
    if kind == "int":
        return None if value in (None, "") else int(value)
    if kind == "float":
        return None if value in (None, "") else float(value)
    if kind == "json":
        return json.loads(value) if str(value or "").strip() else None
    if kind == "bool":
        return bool(value)
    return value


async def call_api(app: FastAPI, method: str, path: str, **params: str) -> httpx.Response:
    """Call one of the service's own routes in process, past the access middleware (the user
    of the UI is already signed in; the API token is not known in clear here)."""

    async def router(scope: Any, receive: Any, send: Any) -> None:
        scope["app"] = app
        await app.router(scope, receive, send)

    transport = httpx.ASGITransport(app=router)
    async with httpx.AsyncClient(transport=transport, base_url="http://ui.local", timeout=120) as c:
        return await c.request(method, path, params=params or None)


def _log_rows(ctx: PageContext, logs: list[ExportLog]) -> list[dict[str, Any]]:
    return [
        {
            "id": log.id,
            "started": i18n.instant_text(log.started_at.astimezone(PARIS), ctx.lang),
            "finished": i18n.instant_text(log.finished_at.astimezone(PARIS), ctx.lang)
            if log.finished_at
            else "",
            "trigger": ctx.label("trigger", log.trigger),
            "status": ctx.label("exp_status", log.status),
            "records": i18n.integer(log.records, ctx.lang)
            + (
                f" / {i18n.integer(log.records_total, ctx.lang)}"
                if log.records_total is not None
                else ""
            ),
            "error": localized(log.error, ctx.lang),
        }
        for log in logs
    ]


def _tab(ctx: PageContext, name: str, cls: Any) -> None:
    runtime = ctx.runtime
    configs = runtime.exports.configs
    model: type[ExporterConfig] = cls.config_model
    schema = model.model_json_schema()
    props: dict[str, Any] = schema.get("properties", {})
    config = configs.load(name)
    shown = configs.masked(config)
    origin = "saved" if configs.saved(name) else ("env" if configs.env_values(name) else "default")
    widgets: dict[str, tuple[str, Any]] = {}
    item_types: dict[str, str] = {}
    # The exporter carries its own texts (its config's summary and fields), in both languages.
    summary = model.summary
    description = summary.pick(ctx.lang) if summary else str(schema.get("description") or "")

    with ui.column().classes("w-full gap-3"):
        if description:
            ui.html(i18n.code_html(description), sanitize=False).classes("text-sm med-muted")
        ui.label(
            ctx.t("exp.origin", origin=ctx.t(f"exp.origin.{origin}"))
            + " · "
            + ctx.t(
                "exp.supports",
                history=ctx.t("yes" if cls.supports_history else "no"),
                state=ctx.t("yes" if cls.supports_state else "no"),
            )
        ).classes("text-xs med-muted")
        with ui.row().classes("items-center gap-6 flex-wrap"):
            enabled = ui.switch(ctx.t("exp.enabled"), value=bool(shown.get("enabled")))
            m.apply(enabled, m.exporter(name, "enabled"))
            widgets["enabled"] = ("bool", enabled)
            interval = ui.number(
                ctx.t("exp.interval"),
                value=shown.get("interval_minutes"),
                min=0,
                max=10080,
                step=1,
                format="%d",
            ).classes("min-w-[18rem]")
            m.apply(interval, m.exporter(name, "interval"))
            widgets["interval_minutes"] = ("int", interval)
        with ui.grid().classes("med-form w-full gap-x-6 gap-y-3 grid-cols-1 md:grid-cols-2"):
            for field, raw_prop in props.items():
                if field in COMMON_FIELDS:
                    continue
                kind, prop = field_kind(raw_prop)
                label, hint = model.field_texts(field, ctx.lang)
                hint = i18n.plain(hint)
                value = shown.get(field)
                widget: Any
                if kind == "bool":
                    widget = ui.switch(label, value=bool(value))
                elif kind == "enum":
                    widget = ui.select(list(prop["enum"]), value=value, label=label)
                elif kind in ("int", "float"):
                    widget = ui.number(
                        label,
                        value=value,
                        min=prop.get("minimum"),
                        max=prop.get("maximum"),
                        step=1 if kind == "int" else None,
                    )
                elif kind == "list":
                    item_types[field] = str((prop.get("items") or {}).get("type", "string"))
                    widget = ui.input(label, value=list_text(value))
                    hint = f"{hint} {ctx.t('exp.list_hint')}".strip()
                elif kind == "json":
                    is_array = prop.get("type") == "array"
                    empty: Any = [] if is_array else {}
                    widget = ui.textarea(
                        label, value=json.dumps(value or empty, ensure_ascii=False)
                    ).props("autogrow")
                    json_hint = ctx.t("exp.json_list_hint" if is_array else "exp.json_hint")
                    hint = f"{hint} {json_hint}".strip()
                    if prop.get("secret"):  # values are secrets (headers): shown masked
                        hint = f"{hint} {ctx.t('exp.secret_kept')}"
                elif kind == "secret":
                    widget = ui.input(
                        label, value=value or "", password=True, password_toggle_button=False
                    ).props("autocomplete=new-password")
                    hint = f"{hint} {ctx.t('exp.secret_kept')}".strip()
                else:
                    widget = ui.input(label, value="" if value is None else str(value))
                if hint and kind != "bool":
                    widget.props["hint"] = hint
                elif hint:
                    widget.tooltip(hint)
                m.apply(widget, m.exporter_field(name, field))
                widgets[field] = (kind, widget)

        def collect() -> dict[str, Any]:
            values: dict[str, Any] = {}
            for field, (kind, widget) in widgets.items():
                converted = _convert(kind, widget.value, item_types.get(field, "string"))
                if converted is None and kind in ("int", "float", "json"):
                    continue  # the model's default
                values[field] = converted
            return values

        result = ui.label("").classes("text-sm")
        m.apply(result, m.exporter(name, "save_result"), value="", unit="")

        def show_errors(errors: list[dict[str, Any]]) -> None:
            for _, widget in widgets.values():
                widget.props["error"] = False
            lines = []
            for error in errors:
                loc = [p for p in error.get("loc", []) if p != "body"]
                field = str(loc[0]) if loc else ""
                text = localized(error.get("msg", ""), ctx.lang)
                if field in widgets:
                    widget = widgets[field][1]
                    widget.props["error"] = True
                    widget.props["error-message"] = text
                lines.append(f"{field}: {text}")
            result.text = f"{ctx.t('exp.invalid')} — " + "; ".join(lines)
            result.classes(replace="text-sm text-negative")
            result.props["data-value"] = "failed"

        async def save() -> None:
            try:
                values = collect()
            except ValueError as exc:
                show_errors([{"loc": ["body"], "msg": str(exc)}])
                return
            try:
                await asyncio.to_thread(configs.save, name, values)
            except ValidationError as exc:
                show_errors(field_errors(exc))
                return
            await asyncio.to_thread(runtime.reschedule_exports)
            fresh = configs.masked(await asyncio.to_thread(configs.load, name))
            for field, (kind, widget) in widgets.items():
                if kind == "secret":
                    widget.value = fresh.get(field) or ""
                elif field in model.secret_fields():  # a dict of secrets: its values masked
                    widget.value = json.dumps(fresh.get(field) or {}, ensure_ascii=False)
                widget.props["error"] = False
            result.text = ctx.t("common.saved")
            result.classes(replace="text-sm text-positive")
            result.props["data-value"] = "ok"

        test_result = ui.label("").classes("text-sm")
        m.apply(test_result, m.exporter(name, "test_result"), value="", unit="")

        async def test() -> None:
            try:
                values = collect()
            except ValueError as exc:
                show_errors([{"loc": ["body"], "msg": str(exc)}])
                return
            try:
                candidate = await asyncio.to_thread(configs.unsaved, name, values)
            except ValidationError as exc:
                show_errors(field_errors(exc))
                return
            test_result.text = ctx.t("exp.testing")
            test_result.props["data-value"] = ""
            outcome = await runtime.exports.test(name, candidate)
            latency = f" ({outcome.latency_ms:.0f} ms)" if outcome.latency_ms is not None else ""
            head = ctx.t("exp.test_ok" if outcome.success else "exp.test_failed")
            details = " — ".join(
                localized(x, ctx.lang) for x in (outcome.message, outcome.error or "") if x
            )
            test_result.text = f"{head}{latency} : {details}" if details else head
            test_result.classes(
                replace="text-sm " + ("text-positive" if outcome.success else "text-negative")
            )
            test_result.props["data-value"] = "ok" if outcome.success else "failed"

        progress = ui.label("").classes("text-sm")
        m.apply(progress, m.exporter(name, "progress"), value="", unit="")
        bar = ui.linear_progress(value=0, show_value=False, size="6px").props("rounded")
        bar.visible = False

        async def refresh_history() -> list[ExportLog]:
            logs = await asyncio.to_thread(runtime.exports.repo.logs, name, 20)
            history.rows = _log_rows(ctx, logs)
            history.update()
            return logs

        async def poll() -> None:
            logs = await refresh_history()
            if not logs:
                return
            last = logs[0]
            total = last.records_total
            if last.status == "running":
                progress.text = ctx.t("exp.running", records=last.records, total=total or "?")
                bar.visible = True
                bar.value = (last.records / total) if total else 0
            else:
                progress.text = ctx.t(
                    "exp.done",
                    status=ctx.label("exp_status", last.status),
                    records=i18n.integer(last.records, ctx.lang),
                )
                if last.error:
                    progress.text += f" — {localized(last.error, ctx.lang)}"
                bar.visible = False
                timer.active = False
            progress.props["data-value"] = last.status

        timer = ui.timer(POLL_S, poll, active=False)

        async def run_now() -> None:
            try:
                await runtime.exports.start(name, trigger="ui")
            except ExportBusy:
                ui.notify(ctx.t("exp.busy"), type="warning")
                return
            progress.text = ctx.t("exp.running", records=0, total="?")
            progress.props["data-value"] = "running"
            await asyncio.sleep(0.05)
            timer.active = True

        with ui.row().classes("gap-2 flex-wrap"):
            save_button = ui.button(ctx.t("exp.save"), icon="save", on_click=save)
            m.apply(save_button, m.exporter(name, "save"))
            test_button = ui.button(ctx.t("exp.test"), icon="network_check", on_click=test).props(
                "outline"
            )
            m.apply(test_button, m.exporter(name, "test"))
            run_button = ui.button(ctx.t("exp.run"), icon="send", on_click=run_now).props("outline")
            m.apply(run_button, m.exporter(name, "run"))

        if name == "home_assistant" and _has_route(ctx.app, HA_STATS):
            _ha_statistics(ctx, name)

        heading(ctx.t("exp.history"))
        # On a phone: start, status and error; the switch above the table shows the rest.
        columns = [
            column(key, ctx.t(f"exp.col.{key}"), align="left", key=key in ("started", "status"))
            for key in ("started", "finished", "trigger", "status", "records")
        ] + [column("error", ctx.t("exp.col.error"), align="left", wrap=True)]
        switch = ui.switch(ctx.t("table.all_columns")).classes("med-columns-switch text-sm")
        logs = runtime.exports.repo.logs(name, 20)
        history = ui.table(columns=columns, rows=_log_rows(ctx, logs), row_key="id").classes(
            "w-full med-table"
        )
        history.props("dense flat bordered")
        m.apply(history, m.exporter(name, "history"))
        switch.on_value_change(
            lambda e, table=history: (
                table.classes(add="med-all-columns")
                if e.value
                else table.classes(remove="med-all-columns")
            )
        )
        if logs and logs[0].status == "running":
            timer.active = True


def _has_route(app: FastAPI, path: str) -> bool:
    return any(getattr(route, "path", None) == path for route in app.routes)


def _ha_statistics(ctx: PageContext, name: str) -> None:
    """List, clear and re-import the Home Assistant statistics, through the HA exporter's own
    routes (shown only when they exist)."""
    heading(ctx.t("exp.stats"))
    output = ui.table(columns=[], rows=[]).classes("w-full").props("dense flat bordered")
    m.apply(output, m.exporter(name, "stats_table"))
    status = ui.label("").classes("text-sm")

    def show(answer: httpx.Response) -> None:
        try:
            body = answer.json()
        except ValueError:
            body = {"detail": answer.text}
        data = body.get("data") if isinstance(body, dict) else body
        if isinstance(data, list) and data and isinstance(data[0], dict):
            keys = list(data[0])
            output.columns = [{"name": k, "label": k, "field": k, "align": "left"} for k in keys]
            output.rows = [{k: _cell(row.get(k)) for k in keys} for row in data]
            output.update()
        ok = answer.status_code < 400
        status.text = ctx.t("exp.stats_done") if ok else f"{answer.status_code}: {body}"
        status.classes(replace="text-sm " + ("text-positive" if ok else "text-negative"))

    async def do(method: str, path: str, **params: str) -> None:
        show(await call_api(ctx.app, method, path, **params))

    with ui.row().classes("items-center gap-2 flex-wrap"):
        listing = ui.button(
            ctx.t("exp.stats_list"), icon="list", on_click=lambda: do("GET", HA_STATS)
        ).props("outline")
        m.apply(listing, m.exporter(name, "stats_list"))
        clearing = ui.button(
            ctx.t("exp.stats_clear"),
            icon="delete",
            on_click=lambda: do("POST", f"{HA_STATS}/clear"),
        ).props("outline color=negative")
        m.apply(clearing, m.exporter(name, "stats_clear"))
        since = date_field(
            ctx,
            ctx.t("exp.stats_reimport"),
            ctx.today.replace(month=1, day=1),
            m.exporter(name, "stats_from"),
        )

        def again() -> Any:
            day = read_typed_day(str(since.value or ""))
            # A date that does not read goes as typed: the route's 422 names it.
            return do("POST", f"{HA_STATS}/reimport", **{"from": str(day or since.value)})

        reimport = ui.button(ctx.t("exp.stats_reimport"), icon="replay", on_click=again).props(
            "outline"
        )
        m.apply(reimport, m.exporter(name, "stats_reimport"))


def _cell(value: Any) -> Any:
    return (
        value if isinstance(value, str | int | float | bool) or value is None else json.dumps(value)
    )


async def build(ctx: PageContext) -> None:
    """The Exporter page."""
    registry = ctx.runtime.exports.registry
    types = sorted(registry.types.items())
    with shell(ctx, m.PAGE_EXPORTER):
        if registry.broken:
            with ui.card().classes("w-full"):
                heading(ctx.t("exp.broken"), classes="text-negative")
                for broken in registry.broken:
                    ui.label(f"{broken.name} ({broken.origin}): {broken.error}").classes("text-xs")
        if not types:
            message(ctx.t("common.no_data"))
            return
        wanted = ctx.query("type")
        first = wanted if wanted in registry.types else types[0][0]
        with ui.card().classes("w-full p-0"):
            with (
                ui.tabs()
                .props("outside-arrows mobile-arrows inline-label no-caps")
                .classes("w-full") as tabs
            ):
                tab_of = {}
                for name, cls in types:
                    tab = ui.tab(name, label=str(cls.title or name))
                    m.apply(tab, m.exporter(name, "tab"))
                    tab_of[name] = tab
            with ui.tab_panels(tabs, value=tab_of[first]).classes("w-full"):
                for name, cls in types:
                    with ui.tab_panel(tab_of[name]) as panel:
                        m.apply(panel, m.exporter(name, "panel"))
                        await asyncio.sleep(0)
                        _tab(ctx, name, cls)
