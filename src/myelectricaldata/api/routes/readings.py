"""Meter readings: daily energy, load curve and daily maximum power, as JSON, CSV or XLSX.

Handlers are plain functions: FastAPI runs them in its thread pool, so the synchronous store
never blocks the event loop, and CSV bodies are generators read from the store batch by batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from myelectricaldata.api.formats import (
    LOAD_CURVE_COLUMNS,
    ZONE_NAME,
    Column,
    Delimiter,
    InstantFormatter,
    OutputFormat,
    Table,
    csv_stream_response,
    epoch,
    file_responses,
    iso_instant,
    json_response,
    load_curve_csv_chunks,
    load_curve_points,
    load_curve_rows,
    table_response,
)
from myelectricaldata.api.params import (
    MAX_DAILY_DAYS,
    MAX_DETAIL_FILE_DAYS,
    MAX_DETAIL_JSON_DAYS,
    DayRange,
    DelimiterQuery,
    EndQuery,
    FormatQuery,
    PdlPath,
    StartQuery,
    check_pdl,
    day_range,
    get_runtime,
    require_point,
    same_day,
    source_label,
    thirty_days_to,
    today_of,
)
from myelectricaldata.domain.timeutil import local_midnight
from myelectricaldata.domain.types import Direction

router = APIRouter(tags=["readings"])


# -- documented shapes (the handlers build the JSON directly, for speed) -------------------------


class DailyValue(BaseModel):
    """Energy of one local day."""

    date: str = Field(examples=["2024-01-01"])
    value_wh: int = Field(examples=[12345])
    quality: str = Field(examples=["CORRIGE"])


class DailyAnswer(BaseModel):
    """Daily energy of a usage point for an inclusive range of local days."""

    pdl: str
    direction: str = Field(examples=["consumption"])
    start: str = Field(description="First day, inclusive.")
    end: str = Field(description="Last day, inclusive.")
    unit: str = Field("Wh", examples=["Wh"])
    source: str = Field(examples=["demo", "gateway"])
    data: list[DailyValue]


class LoadCurveValue(BaseModel):
    """Average power over one interval; ``start``/``end`` are ISO instants with the Paris offset."""

    start: str = Field(examples=["2024-03-01T00:00:00+01:00"])
    end: str = Field(examples=["2024-03-01T00:30:00+01:00"])
    interval_min: int = Field(examples=[30])
    avg_w: int = Field(examples=[1344])
    wh: float = Field(examples=[672.0])
    quality: str = Field(examples=["BRUT"])


class LoadCurveAnswer(BaseModel):
    """Load curve of the local days ``start``..``end`` (inclusive)."""

    pdl: str
    direction: str
    start: str
    end: str
    unit: str = Field("W", description="Unit of avg_w.")
    energy_unit: str = Field("Wh", description="Unit of wh.")
    timezone: str = ZONE_NAME
    stamp: str = Field("interval_start", description="Each point is stamped by its start.")
    source: str
    data: list[LoadCurveValue]


class MaxPowerValue(BaseModel):
    """Highest apparent power of a day and when it was reached."""

    date: str = Field(examples=["2024-01-01"])
    value_va: int = Field(examples=[6120])
    at: str = Field(examples=["2024-01-01T19:42:00+01:00"])
    quality: str = Field(examples=["BRUT"])


class MaxPowerAnswer(BaseModel):
    """Daily maximum power for an inclusive range of local days."""

    pdl: str
    start: str
    end: str
    unit: str = Field("VA", examples=["VA"])
    subscribed_power_kva: float | None = Field(None, examples=[9.0])
    source: str
    data: list[MaxPowerValue]


# -- helpers -------------------------------------------------------------------------------------


def _about(source: str, pdl: str, span: DayRange, **extra: str) -> list[tuple[str, str]]:
    items = [
        ("source", source),
        ("pdl", pdl),
        ("start", f"{span.start} (inclusive, local day)"),
        ("end", f"{span.end} (inclusive, local day)"),
        ("time zone", f"date-times are {ZONE_NAME} wall-clock times"),
    ]
    items += list(extra.items())
    return items


def _stem(kind: str, pdl: str, span: DayRange) -> str:
    return f"{kind}_{pdl}_{span.start}_{span.end}"


# -- daily ---------------------------------------------------------------------------------------


def _daily_handler(direction: Direction) -> Callable[..., Response]:
    def daily(
        request: Request,
        pdl: PdlPath,
        start: StartQuery = None,
        end: EndQuery = None,
        fmt: FormatQuery = OutputFormat.JSON,
        delimiter: DelimiterQuery = Delimiter.COMMA,
    ) -> Response:
        runtime = get_runtime(request)
        check_pdl(pdl)
        span = day_range(
            start,
            end,
            default_end=today_of(request) - timedelta(days=1),
            default_start=thirty_days_to,
            max_days=MAX_DAILY_DAYS,
        )
        require_point(runtime, pdl)
        rows = runtime.store.daily(pdl, direction, span.start, span.end)
        source = source_label(runtime)
        if fmt is OutputFormat.JSON:
            return json_response(
                {
                    "pdl": pdl,
                    "direction": direction.value,
                    "start": span.start.isoformat(),
                    "end": span.end.isoformat(),
                    "unit": "Wh",
                    "source": source,
                    "data": [
                        {"date": r.day.isoformat(), "value_wh": r.value_wh, "quality": r.quality}
                        for r in rows
                    ],
                }
            )
        table = Table(
            columns=(
                Column("date", "date"),
                Column("value_wh", "int", number_format="#,##0"),
                Column("quality", "text"),
            ),
            batches=[[(r.day, r.value_wh, r.quality) for r in rows]],
            filename_stem=_stem(f"{direction.value}_daily", pdl, span),
            sheet_title=f"{direction.value} daily",
            about=_about(source, pdl, span, unit="value_wh in Wh per local day"),
        )
        return table_response(table, fmt, delimiter, source)

    daily.__doc__ = (
        f"Daily {direction.value} in Wh per local (Europe/Paris) day, `start` and `end` both "
        f"inclusive. Defaults: `end` = yesterday, `start` = `end` - 29 days."
    )
    return daily


# -- load curve ----------------------------------------------------------------------------------


def _detail_handler(direction: Direction) -> Callable[..., Response]:
    def detail(
        request: Request,
        pdl: PdlPath,
        start: StartQuery = None,
        end: EndQuery = None,
        fmt: FormatQuery = OutputFormat.JSON,
        delimiter: DelimiterQuery = Delimiter.COMMA,
    ) -> Response:
        runtime = get_runtime(request)
        check_pdl(pdl)
        span = day_range(
            start,
            end,
            default_end=today_of(request) - timedelta(days=1),
            default_start=same_day,
            max_days=MAX_DETAIL_JSON_DAYS if fmt is OutputFormat.JSON else MAX_DETAIL_FILE_DAYS,
        )
        require_point(runtime, pdl)
        source = source_label(runtime)
        low = local_midnight(span.start)
        high = local_midnight(span.end + timedelta(days=1))

        def batches() -> Iterator[list[tuple[int, int, int, str]]]:
            # Lazy: a CSV body reads the store batch by batch while it streams.
            yield from runtime.store.iter_load_curve_rows(pdl, direction, low, high)

        if fmt is OutputFormat.JSON:
            instants = InstantFormatter()
            points: list[dict[str, Any]] = []
            for batch in batches():
                points += load_curve_points(batch, instants)
            return json_response(
                {
                    "pdl": pdl,
                    "direction": direction.value,
                    "start": span.start.isoformat(),
                    "end": span.end.isoformat(),
                    "unit": "W",
                    "energy_unit": "Wh",
                    "timezone": ZONE_NAME,
                    "stamp": "interval_start",
                    "source": source,
                    "data": points,
                }
            )
        stem = _stem(f"{direction.value}_detail", pdl, span)
        if fmt is OutputFormat.CSV:
            return csv_stream_response(load_curve_csv_chunks(batches(), delimiter), stem, source)
        table = Table(
            columns=LOAD_CURVE_COLUMNS,
            batches=load_curve_rows(batches()),
            filename_stem=stem,
            sheet_title=f"{direction.value} load curve",
            about=_about(
                source,
                pdl,
                span,
                units="avg_w: average power in W over the interval; wh: its energy in Wh",
                stamp="start is the beginning of the interval",
            ),
        )
        return table_response(table, fmt, delimiter, source)

    detail.__doc__ = (
        f"{direction.value.capitalize()} load curve: average power (W) and energy (Wh) of each "
        f"interval of the local days `start`..`end` (inclusive; default: yesterday). Instants "
        f"are ISO-8601 with the Europe/Paris offset, stamped at the interval start. JSON covers "
        f"at most {MAX_DETAIL_JSON_DAYS} days, CSV/XLSX {MAX_DETAIL_FILE_DAYS}."
    )
    return detail


# -- max power -----------------------------------------------------------------------------------


@router.get(
    "/api/max_power/{pdl}",
    response_model=None,
    summary="Daily maximum power",
    responses=file_responses(MaxPowerAnswer, "Daily maximum power in VA"),
)
def max_power(
    request: Request,
    pdl: PdlPath,
    start: StartQuery = None,
    end: EndQuery = None,
    fmt: FormatQuery = OutputFormat.JSON,
    delimiter: DelimiterQuery = Delimiter.COMMA,
) -> Response:
    """Highest apparent power (VA) of each local day and when it was reached, with the
    subscribed power (kVA). `start`/`end` inclusive; defaults as the daily routes."""
    runtime = get_runtime(request)
    check_pdl(pdl)
    span = day_range(
        start,
        end,
        default_end=today_of(request) - timedelta(days=1),
        default_start=thirty_days_to,
        max_days=MAX_DAILY_DAYS,
    )
    point = require_point(runtime, pdl)
    rows = runtime.store.max_power(pdl, span.start, span.end)
    source = source_label(runtime)
    kva = point.point.subscribed_power_kva
    if fmt is OutputFormat.JSON:
        return json_response(
            {
                "pdl": pdl,
                "start": span.start.isoformat(),
                "end": span.end.isoformat(),
                "unit": "VA",
                "subscribed_power_kva": kva,
                "source": source,
                "data": [
                    {
                        "date": r.day.isoformat(),
                        "value_va": r.value_va,
                        "at": iso_instant(r.at),
                        "quality": r.quality,
                    }
                    for r in rows
                ],
            }
        )
    table = Table(
        columns=(
            Column("date", "date"),
            Column("value_va", "int", number_format="#,##0"),
            Column("at", "instant", with_offset=True),
            Column("quality", "text"),
        ),
        batches=[[(r.day, r.value_va, epoch(r.at), r.quality) for r in rows]],
        filename_stem=_stem("max_power", pdl, span),
        sheet_title="max power",
        about=_about(
            source,
            pdl,
            span,
            unit="value_va in VA",
            subscribed_power_kva="" if kva is None else f"{kva:g}",
        ),
    )
    return table_response(table, fmt, delimiter, source)


for _direction in Direction:
    router.add_api_route(
        f"/api/{_direction.value}/daily/{{pdl}}",
        _daily_handler(_direction),
        methods=["GET"],
        response_model=None,
        summary=f"Daily {_direction.value}",
        operation_id=f"{_direction.value}_daily",
        responses=file_responses(DailyAnswer, f"Daily {_direction.value} in Wh"),
    )
    router.add_api_route(
        f"/api/{_direction.value}/detail/{{pdl}}",
        _detail_handler(_direction),
        methods=["GET"],
        response_model=None,
        summary=f"{_direction.value.capitalize()} load curve",
        operation_id=f"{_direction.value}_detail",
        responses=file_responses(LoadCurveAnswer, "Load curve in W (and Wh per interval)"),
    )
