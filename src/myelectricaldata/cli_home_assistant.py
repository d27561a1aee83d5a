"""``myelectricaldata home_assistant statistics list|clear|reimport --from``.

The group is added to the main command by ``cli.py`` (``main.add_command(home_assistant)``).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date

import click

from myelectricaldata.exporters.home_assistant import actions
from myelectricaldata.exporters.home_assistant.websocket import HomeAssistantError
from myelectricaldata.runtime import Runtime
from myelectricaldata.store.exports import ExportBusy


def _runtime() -> Runtime:
    from myelectricaldata.cli import _settings

    return Runtime.from_settings(_settings())


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2024-01-31") from None


@click.group("home_assistant")
def home_assistant() -> None:
    """Home Assistant: the Energy-dashboard statistics this service imports."""


@home_assistant.group()
def statistics() -> None:
    """List, clear or re-import the statistics in Home Assistant."""


@statistics.command("list")
@click.option("--pdl", default=None, help="Only this usage point.")
def statistics_list(pdl: str | None) -> None:
    """Our statistics in Home Assistant: id, unit and name."""
    runtime = _runtime()
    try:
        found = asyncio.run(actions.list_statistics(runtime.exports, pdl))
    except (ValueError, HomeAssistantError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        runtime.store.close()
    for item in found:
        click.echo(f"{item.statistic_id:60} {item.unit or '':4} {item.name or ''}")
    click.echo(f"{len(found)} statistics", err=True)


@statistics.command("clear")
@click.option("--pdl", default=None, help="Only this usage point.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def statistics_clear(pdl: str | None, yes: bool) -> None:
    """Remove our statistics from Home Assistant (the next run imports them again)."""
    if not yes:
        click.confirm("Remove the statistics from Home Assistant?", abort=True)
    runtime = _runtime()
    try:
        cleared = asyncio.run(actions.clear_statistics(runtime.exports, pdl))
    except (ValueError, HomeAssistantError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        runtime.store.close()
    click.echo(f"cleared {len(cleared)} statistics")


@statistics.command("reimport")
@click.option("--from", "since", required=True, help="First day recomputed, YYYY-MM-DD.")
def statistics_reimport(since: str) -> None:
    """Recompute every statistic from a day (sums continue; costs use today's prices)."""
    day = _day(since)
    runtime = _runtime()

    def show(done: int, total: int) -> None:
        click.echo(f"\r{done}/{total} records", nl=False, err=True)

    try:
        log = asyncio.run(actions.reimport(runtime.exports, day, trigger="cli", on_progress=show))
    except (ValueError, ExportBusy) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        runtime.store.close()
    click.echo("", err=True)
    click.echo(f"re-import from {day}: {log.status}, {log.records} records")
    if log.error:
        click.echo(f"  {log.error}", err=True)
    sys.exit(0 if log.status == "success" else 1)
