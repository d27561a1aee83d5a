"""Grid signals: RTE Tempo colours and EcoWatt levels, as JSON, CSV or XLSX."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from myelectricaldata.api.formats import (
    ZONE_NAME,
    Column,
    Delimiter,
    OutputFormat,
    Table,
    epoch,
    file_responses,
    iso_instant,
    json_response,
    table_response,
)
from myelectricaldata.api.params import (
    MAX_DAILY_DAYS,
    DelimiterQuery,
    EndQuery,
    FormatQuery,
    StartQuery,
    day_range,
    get_runtime,
    not_found,
    parse_day,
    source_label,
    today_of,
)
from myelectricaldata.domain.tempo import (
    remaining_in_season,
    season_days,
    season_label,
    season_start,
)
from myelectricaldata.domain.types import EcoWattDay

router = APIRouter(tags=["grid"])

#: EcoWatt publishes today and up to three days ahead.
ECOWATT_HORIZON_DAYS = 4


class TempoValue(BaseModel):
    """Colour of a Tempo day (06:00 to 06:00 the next day)."""

    date: str = Field(examples=["2024-01-15"])
    color: str = Field(examples=["BLUE", "WHITE", "RED"])


class TempoAnswer(BaseModel):
    """Tempo colours of the days ``start``..``end`` (inclusive) and what remains this season."""

    start: str
    end: str
    source: str
    season: str = Field(description="Current Tempo season.", examples=["2024-2025"])
    remaining: dict[str, int] = Field(
        description="Days of each colour still to come in the current season.",
        examples=[{"BLUE": 151, "WHITE": 20, "RED": 9}],
    )
    data: list[TempoValue]


class EcoWattValue(BaseModel):
    """EcoWatt signal of a day: level 1-3 and 24 hourly levels 0-3 (hour 0 = 00:00-01:00)."""

    date: str = Field(examples=["2024-01-15"])
    level: int = Field(examples=[1])
    hourly: list[int] = Field(min_length=24, max_length=24)
    message: str
    generated_at: str | None = Field(examples=["2024-01-14T17:00:00+01:00"])


class EcoWattAnswer(EcoWattValue):
    """The day's EcoWatt signal; without ``date``, also the known forecast days."""

    source: str
    forecast: list[EcoWattValue] | None = Field(
        None, description="Known days from today on (only when `date` is omitted)."
    )


# -- Tempo ---------------------------------------------------------------------------------------


@router.get(
    "/api/tempo",
    response_model=None,
    summary="Tempo day colours",
    responses=file_responses(TempoAnswer, "Tempo colours"),
)
def tempo(
    request: Request,
    start: StartQuery = None,
    end: EndQuery = None,
    fmt: FormatQuery = OutputFormat.JSON,
    delimiter: DelimiterQuery = Delimiter.COMMA,
) -> Response:
    """Tempo colour of each day `start`..`end` (inclusive). Defaults: from the start of the
    current season (1 September) to tomorrow, whose colour appears once RTE publishes it."""
    runtime = get_runtime(request)
    today = today_of(request)
    span = day_range(
        start,
        end,
        default_end=today + timedelta(days=1),
        default_start=season_start,
        max_days=MAX_DAILY_DAYS,
    )
    days = runtime.store.tempo(span.start, span.end)
    source = source_label(runtime)
    if fmt is OutputFormat.JSON:
        first = season_start(today)
        season = runtime.store.tempo(first, first + timedelta(days=season_days(first) - 1))
        remaining = remaining_in_season(season, today)
        return json_response(
            {
                "start": span.start.isoformat(),
                "end": span.end.isoformat(),
                "source": source,
                "season": season_label(today),
                "remaining": {color.value: count for color, count in remaining.items()},
                "data": [{"date": d.day.isoformat(), "color": d.color.value} for d in days],
            }
        )
    table = Table(
        columns=(Column("date", "date"), Column("color", "text")),
        batches=[[(d.day, d.color.value) for d in days]],
        filename_stem=f"tempo_{span.start}_{span.end}",
        sheet_title="tempo",
        about=[
            ("source", source),
            ("start", f"{span.start} (inclusive)"),
            ("end", f"{span.end} (inclusive)"),
            ("tempo day", "a Tempo day runs from 06:00 to 06:00 the next day"),
        ],
    )
    return table_response(table, fmt, delimiter, source)


# -- EcoWatt -------------------------------------------------------------------------------------


def _ecowatt_json(day: EcoWattDay) -> dict[str, Any]:
    return {
        "date": day.day.isoformat(),
        "level": day.level,
        "hourly": list(day.hourly),
        "message": day.message,
        "generated_at": iso_instant(day.generated_at),
    }


DateQuery = Annotated[
    str | None,
    Query(
        description="Day, YYYY-MM-DD (default: today in Europe/Paris).",
        examples=["2024-01-15"],
        json_schema_extra={"format": "date"},
    ),
]


@router.get(
    "/api/ecowatt",
    response_model=None,
    summary="EcoWatt signal",
    responses={
        **file_responses(EcoWattAnswer, "EcoWatt signal of the day"),
        404: {"description": "No EcoWatt signal known for that day."},
    },
)
def ecowatt(
    request: Request,
    date: DateQuery = None,
    fmt: FormatQuery = OutputFormat.JSON,
    delimiter: DelimiterQuery = Delimiter.COMMA,
) -> Response:
    """EcoWatt level (1 green, 2 orange, 3 red) and 24 hourly levels (0-3) of `date`; 404 when
    that day is unknown. Without `date`: today, plus `forecast`, the known days from today on
    (the CSV/XLSX then hold one row per forecast day)."""
    runtime = get_runtime(request)
    day = parse_day(date, "date")
    today = today_of(request)
    wanted = day or today
    if day is None:
        days = runtime.store.ecowatt(today, today + timedelta(days=ECOWATT_HORIZON_DAYS - 1))
    else:
        days = runtime.store.ecowatt(day, day)
    signal = next((d for d in days if d.day == wanted), None)
    if signal is None:
        raise not_found(
            f"no EcoWatt signal known for {wanted}: RTE publishes today and the next 3 days "
            "(around 17:00, Friday around 12:15); past days are kept once fetched"
        )
    source = source_label(runtime)
    if fmt is OutputFormat.JSON:
        body = _ecowatt_json(signal) | {"source": source}
        if day is None:
            body["forecast"] = [_ecowatt_json(d) for d in days]
        return json_response(body)
    hours = tuple(Column(f"h{hour:02d}", "int") for hour in range(24))
    table = Table(
        columns=(
            Column("date", "date"),
            Column("level", "int"),
            *hours,
            Column("message", "text"),
            Column("generated_at", "instant"),
        ),
        batches=[
            [
                (
                    d.day,
                    d.level,
                    *d.hourly,
                    d.message,
                    None if d.generated_at is None else epoch(d.generated_at),
                )
                for d in days
            ]
        ],
        filename_stem=f"ecowatt_{wanted}"
        if day is not None
        else f"ecowatt_{days[0].day}_{days[-1].day}",
        sheet_title="ecowatt",
        about=[
            ("source", source),
            (
                "levels",
                "day: 1 green, 2 orange, 3 red; hours h00-h23: 0-3 (0 green and low-carbon)",
            ),
            ("time zone", f"hours and date-times are {ZONE_NAME} local times"),
        ],
    )
    return table_response(table, fmt, delimiter, source)
