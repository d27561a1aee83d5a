"""The ``myelectricaldata`` command: serve, sync, status, db upgrade."""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from myelectricaldata import __version__
from myelectricaldata.config import Settings
from myelectricaldata.domain.errors import InvalidInput, MedError
from myelectricaldata.domain.types import validate_pdl
from myelectricaldata.runtime import Runtime
from myelectricaldata.store.exports import ExportBusy
from myelectricaldata.store.repo import SyncBusy


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic's message names the variable; keep it, drop the trace
        raise click.ClickException(f"invalid configuration: {exc}") from exc


def _setup_logging(debug: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs full URLs at INFO; they are harmless but noisy.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # websockets dumps every frame at DEBUG, cutting long ones in the middle: a cut secret is
    # one no redactor can recognise (the service masks whole secrets in every record).
    logging.getLogger("websockets").setLevel(logging.INFO)


class _IsoDate(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date like 2024-01-31", param, ctx)


class _Commands(click.Group):
    """The command group: a database fault is one line saying what to do, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import DBAPIError

        from myelectricaldata.store.health import DatabaseFault, classify

        try:
            return super().invoke(ctx)
        except DatabaseFault as exc:
            raise click.ClickException(str(exc)) from None
        except DBAPIError as exc:
            fault = classify(exc, _settings().db_url)
            if fault is None:
                raise
            raise click.ClickException(str(fault)) from None


@click.group(cls=_Commands)
@click.version_option(__version__, prog_name="myelectricaldata")
def main() -> None:
    """Linky data from MyElectricalData, kept locally, served over a REST API."""


def _with_saved(settings: Settings) -> Settings:
    """``settings`` with what the web UI saved in the database (it wins over the environment)."""
    from myelectricaldata.config import apply_saved
    from myelectricaldata.crypto import SecretBox, load_or_create_key
    from myelectricaldata.store.repo import Store

    settings.med_data_dir.mkdir(parents=True, exist_ok=True)
    store = Store.open(settings.db_url)
    try:
        key = load_or_create_key(settings.med_data_dir, settings.med_secret_key.get_secret_value())
        return apply_saved(settings, store, SecretBox(key))
    finally:
        store.close()


@main.command()
@click.option("--host", default=None, help="Listen address (env MED_HOST, default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Listen port (env MED_PORT, default 8181).")
def serve(host: str | None, port: int | None) -> None:
    """Run the service: web UI, API, schedules and a first sync in the background.

    Beyond loopback (any --host but 127.0.0.0/8 and ::1) it needs a UI password and an API
    token, and refuses to start without them.
    """
    import uvicorn

    from myelectricaldata.api.app import create_app
    from myelectricaldata.api.security import AccessNotConfigured

    settings = _settings()
    _setup_logging(settings.debug)
    # The access rule follows the address really bound, so --host goes into the settings.
    settings = _with_saved(
        settings.model_copy(
            update={"med_host": host or settings.med_host, "med_port": port or settings.med_port}
        )
    )
    runtime = Runtime.from_settings(settings)
    try:
        app = create_app(runtime)
    except AccessNotConfigured as exc:
        runtime.store.close()
        raise click.ClickException(str(exc)) from None
    if runtime.is_demo:
        click.echo("No MED_CLIENT_SECRET set: serving DEMO data (two synthetic usage points).")
    proxies = settings.trusted_proxies
    uvicorn.run(
        app,
        host=settings.med_host,
        port=settings.med_port,
        log_level="debug" if settings.debug else "info",
        # X-Forwarded-For is believed only from the proxies the operator named: otherwise any
        # client (even one on 127.0.0.1) could pick the address the login limit counts.
        proxy_headers=bool(proxies),
        forwarded_allow_ips=",".join(proxies) if proxies else "",
        server_header=False,
    )


@main.command()
def password() -> None:
    """Set the web UI password (stored as an scrypt hash; MED_UI_PASSWORD wins when set)."""
    from myelectricaldata.api.security import save_password
    from myelectricaldata.store.repo import Store

    settings = _settings()
    chosen = click.prompt("New UI password", hide_input=True, confirmation_prompt=True)
    if len(chosen) < 8:
        raise click.ClickException("choose a password of at least 8 characters")
    settings.med_data_dir.mkdir(parents=True, exist_ok=True)
    store = Store.open(settings.db_url)
    try:
        save_password(store, chosen)
    finally:
        store.close()
    click.echo("UI password saved (hashed). Restart the service to use it.")


@main.command()
def token() -> None:
    """Create a new API token for the write routes, print it once, store only its digest."""
    from myelectricaldata.api.security import new_token, save_token
    from myelectricaldata.store.repo import Store

    settings = _settings()
    value = new_token()
    settings.med_data_dir.mkdir(parents=True, exist_ok=True)
    store = Store.open(settings.db_url)
    try:
        save_token(store, value)
    finally:
        store.close()
    click.echo(value)
    click.echo(
        "API token created (only its digest is stored: keep it now). Send it as "
        "'Authorization: Bearer <token>'; restart the service to use it. "
        "MED_API_TOKEN wins when set.",
        err=True,
    )


class _ProgressBar:
    """A one-line progress bar on stderr for long syncs."""

    def __init__(self) -> None:
        self._width = 0

    def __call__(self, done: int, total: int, label: str) -> None:
        bar = 30
        filled = bar * done // total if total else bar
        line = f"\r[{'#' * filled}{'.' * (bar - filled)}] {done}/{total} {label}"
        pad = max(self._width - len(line), 0)
        self._width = len(line)
        click.echo(line + " " * pad, nl=False, err=True)

    def close(self) -> None:
        if self._width:
            click.echo("", err=True)


@main.command()
@click.option("--pdl", "pdls", multiple=True, help="Only this usage point (repeatable).")
@click.option("--from", "start", type=_IsoDate(), default=None, help="Fetch again from this day.")
@click.option("--to", "end", type=_IsoDate(), default=None, help="Fetch again up to this day.")
def sync(pdls: tuple[str, ...], start: date | None, end: date | None) -> None:
    """Fetch new data (and the last 7 days again), or exactly --from..--to, into the store."""
    settings = _settings()
    _setup_logging(settings.debug)
    try:
        for pdl in pdls:
            validate_pdl(pdl, "--pdl")
    except InvalidInput as exc:
        raise click.BadParameter(exc.reason, param_hint=exc.field) from exc
    if start and end and start > end:
        raise click.BadParameter(f"{end} is before --from {start}", param_hint="--to")
    runtime = Runtime.from_settings(_with_saved(settings))
    progress = _ProgressBar()

    async def go() -> int:
        try:
            report = await runtime.sync.run(
                trigger="cli",
                pdls=list(pdls) or None,
                start=start,
                end=end,
                on_progress=progress,
            )
        finally:
            progress.close()
            await runtime.source.aclose()
        click.echo(
            f"sync {report.status}: {report.rows_written} rows written, {report.calls} calls"
            + (
                f", {report.deferred_calls} calls deferred to stay in quota"
                if report.deferred_calls
                else ""
            )
        )
        for error in report.errors:
            click.echo(f"  {error['scope']}: {error['error']}", err=True)
        return {"success": 0, "partial": 3}.get(report.status, 1)

    try:
        code = asyncio.run(go())
    except SyncBusy as exc:
        raise click.ClickException(str(exc)) from exc
    except InvalidInput as exc:
        raise click.BadParameter(exc.reason, param_hint=exc.field) from exc
    except MedError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        runtime.store.close()
    sys.exit(code)


@main.command()
def status() -> None:
    """Show usage points, the last syncs with their errors, and each stream's state."""
    settings = _with_saved(_settings())
    runtime = Runtime.from_settings(settings)
    try:
        st = runtime.sync.status()
        click.echo(f"source: {st.source}{' (DEMO data)' if runtime.is_demo else ''}")
        click.echo(f"database: {runtime.store.engine.dialect.name}")
        for quota in st.quotas or ([st.quota] if st.quota is not None else []):
            click.echo(
                f"quota ({quota.bucket}): {quota.used}/{quota.limit} calls today, "
                f"resets {quota.reset_at}"
            )
        click.echo("usage points:")
        for stored in runtime.store.usage_points():
            p = stored.point
            option = p.pricing_option.value if p.pricing_option else "?"
            line = f"  {p.pdl} {p.name!r} {option} {p.subscribed_power_kva or '?'} kVA"
            if not p.is_active:
                line += f" INACTIVE: {stored.inactive_reason}"
            click.echo(line)
        click.echo("last syncs:")
        for run in st.last[:5]:
            progress = f"{run.steps_done}/{run.steps_total}"
            click.echo(
                f"  #{run.id} {run.started_at:%Y-%m-%d %H:%M:%S}Z {run.trigger} {run.status} "
                f"{progress} steps, {run.rows_written} rows"
            )
            for error in run.errors:
                click.echo(f"      {error.get('scope')}: {error.get('error')}")
        click.echo("streams:")
        for s in st.streams:
            ok = s.last_success_at.isoformat(timespec="seconds") if s.last_success_at else "never"
            line = f"  {s.pdl} {s.stream}: last success {ok}"
            if s.last_error:
                line += f"; last error: {s.last_error}"
            click.echo(line)
    finally:
        runtime.store.close()


@main.group()
def export() -> None:
    """Exports to Home Assistant, MQTT, VictoriaMetrics, InfluxDB, webhooks..."""


@export.command("list")
def export_list() -> None:
    """Every destination type, whether it is enabled, and its last run."""
    runtime = Runtime.from_settings(_settings())
    try:
        service = runtime.exports
        for name in sorted(service.registry.types):
            config = service.configs.load(name)
            last = service.repo.logs(name, 1)
            seen = (
                f"last run {last[0].status} {last[0].started_at:%Y-%m-%d %H:%M}Z, "
                f"{last[0].records} records"
                if last
                else "never run"
            )
            state = "enabled" if config.enabled else "disabled"
            click.echo(f"{name:16} {state:9} {seen}")
            if last and last[0].error:
                click.echo(f"{'':16} error: {last[0].error}")
        for broken in service.registry.broken:
            click.echo(f"{broken.name:16} BROKEN    {broken.origin}: {broken.error}")
    finally:
        runtime.store.close()


def _export_type(runtime: Runtime, name: str) -> None:
    if name not in runtime.exports.registry.types:
        known = ", ".join(sorted(runtime.exports.registry.types))
        raise click.BadParameter(f"unknown exporter {name!r}; one of: {known}", param_hint="TYPE")


@export.command("test")
@click.argument("name", metavar="TYPE")
def export_test(name: str) -> None:
    """Check that a destination answers and accepts the credentials."""
    runtime = Runtime.from_settings(_settings())
    try:
        _export_type(runtime, name)
        result = asyncio.run(runtime.exports.test(name))
    finally:
        runtime.store.close()
    latency = f" ({result.latency_ms:.0f} ms)" if result.latency_ms is not None else ""
    click.echo(f"{name}: {'OK' if result.success else 'FAILED'}{latency} {result.message}")
    if result.error:
        click.echo(f"  {result.error}", err=True)
    sys.exit(0 if result.success else 1)


@export.command("run")
@click.argument("name", metavar="TYPE")
@click.option("--from", "since", type=_IsoDate(), default=None, help="Send again from this day.")
def export_run(name: str, since: date | None) -> None:
    """Send what changed since the last run (or everything from --from) to a destination."""
    settings = _settings()
    _setup_logging(settings.debug)
    runtime = Runtime.from_settings(settings)
    progress = _ProgressBar()
    try:
        _export_type(runtime, name)

        def show(done: int, total: int) -> None:
            progress(done, total, "records")

        log = asyncio.run(runtime.exports.run(name, trigger="cli", since=since, on_progress=show))
    except ExportBusy as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.close()
        runtime.store.close()
    click.echo(f"export {name} {log.status}: {log.records} records")
    if log.error:
        click.echo(f"  {log.error}", err=True)
    sys.exit(0 if log.status == "success" else 1)


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations (the service also does it at start)."""
    from myelectricaldata.store.db import current_revision, make_engine, upgrade
    from myelectricaldata.store.repo import Store

    settings = _settings()
    Store.open(settings.db_url, migrate=False).close()  # a faulty file: one line, not a trace
    engine = make_engine(settings.db_url)
    try:
        upgrade(engine)
        click.echo(f"database at revision {current_revision(engine)}")
    finally:
        engine.dispose()


@db.command("backup")
@click.option(
    "--to",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: backups/myelectricaldata-<UTC time>.db beside the database).",
)
def db_backup(target: Path | None) -> None:
    """A consistent copy of the SQLite database while the service runs (SQLite's online
    backup API); for PostgreSQL, the pg_dump command to use."""
    from sqlalchemy.engine import URL, make_url

    from myelectricaldata.store import health
    from myelectricaldata.store.db import make_engine, normalise_url

    settings = _settings()
    url = normalise_url(settings.db_url)
    path = health.sqlite_path(url)
    if path is None:
        given = make_url(url)
        safe = URL.create(
            "postgresql",
            username=given.username,
            host=given.host,
            port=given.port,
            database=given.database,
        )
        click.echo(
            "PostgreSQL keeps its own backups: run\n"
            f"  pg_dump --format=custom --file=myelectricaldata.dump "
            f"'{safe.render_as_string(hide_password=False)}'\n"
            "(PGPASSWORD or ~/.pgpass for the password); restore with pg_restore --clean."
        )
        return
    if not path.exists():
        raise click.ClickException(f"no database at {path}: nothing to back up")
    health.preflight(url)
    engine = make_engine(url)
    try:
        written = health.backup_sqlite(engine, target or health.backup_name(path, "manual"))
    finally:
        engine.dispose()
    click.echo(f"database backed up to {written} ({written.stat().st_size} bytes)")


@db.command("check")
def db_check() -> None:
    """Check the database: every page (SQLite integrity_check), the schema revision, the
    locks; says what to do about each problem. Exit code 1 when one is found."""
    from sqlalchemy.exc import DBAPIError

    from myelectricaldata.store import health
    from myelectricaldata.store.db import current_revision, head_revision, make_engine
    from myelectricaldata.store.db import normalise_url as normalise
    from myelectricaldata.store.locks import Locks

    settings = _settings()
    url = normalise(settings.db_url)
    health.preflight(url)
    engine = make_engine(url)
    problems: list[str] = []
    try:
        try:
            found = health.integrity_problems(engine, quick=False)
        except Exception as exc:
            fault = health.classify(exc, url)
            if fault is None or fault.kind != "corrupt":
                raise click.ClickException(str(fault or exc)) from None
            original = exc.orig if isinstance(exc, DBAPIError) else exc
            found = [str(original)]  # so damaged that the check itself could not finish
        path = health.sqlite_path(url)
        if found:
            restore = health.latest_backup(path) if path else None
            problems.append(
                f"damaged pages ({len(found)} problems, first: {found[0]}): "
                + (
                    f"stop the service and copy {restore} over {path}"
                    if restore
                    else "restore your last backup"
                )
            )
        else:
            click.echo(f"pages: ok ({engine.dialect.name})")
            revision, head = current_revision(engine), head_revision()
            if revision != head:
                problems.append(
                    f"schema at revision {revision}, the code expects {head}: "
                    "run `myelectricaldata db upgrade`"
                )
            else:
                click.echo(f"schema: revision {revision} (current)")
                locks = Locks(engine)
                with engine.connect() as conn:
                    from sqlalchemy import select

                    from myelectricaldata.store.schema import locks as lock_table

                    names = list(conn.execute(select(lock_table.c.name)).scalars())
                for name in names:
                    holder = locks.live_holder(name)
                    state = f"held by {holder.describe()}" if holder else "left by a dead process"
                    click.echo(f"lock {name}: {state}{'' if holder else ' (cleared)'}")
                locks.close()
    finally:
        engine.dispose()
    for problem in problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("database: ok")


def _register_groups() -> None:
    # Imported last: the group's module reads this module's helpers.
    from myelectricaldata.cli_home_assistant import home_assistant

    main.add_command(home_assistant)


_register_groups()
