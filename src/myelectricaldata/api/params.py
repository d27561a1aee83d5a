"""Query and path parameters shared by the routes, and the 422/404 errors they raise.

Every rejected input answers 422 in FastAPI's own shape, so the field is always named:
``{"detail": [{"type": ..., "loc": ["query", "end"], "msg": ..., "input": ...}]}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, cast

from fastapi import HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError

from myelectricaldata.api.formats import Delimiter, OutputFormat
from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.timeutil import today_paris
from myelectricaldata.domain.types import validate_pdl
from myelectricaldata.store.repo import StoredUsagePoint

if TYPE_CHECKING:
    from myelectricaldata.runtime import Runtime

#: Longest range of a load-curve answer in JSON (a year and a leap day).
MAX_DETAIL_JSON_DAYS = 366
#: Longest range of a load-curve file (CSV/XLSX is streamed or spooled: ten years fit).
MAX_DETAIL_FILE_DAYS = 3660
#: Longest range of a daily route (twenty years of one row a day).
MAX_DAILY_DAYS = 7320
#: Dates outside these bounds are refused before they reach the store.
MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2100, 12, 31)

#: ASCII digits only (``\d`` matches any Unicode digit; ``$`` a final newline).
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PDL_PATTERN = r"^[0-9]{14}$"


def invalid(
    field: str, message: str, value: Any = None, where: str = "query"
) -> RequestValidationError:
    """A 422 error naming ``field`` (``where`` is ``query`` or ``path``)."""
    return RequestValidationError(
        [{"type": "value_error", "loc": (where, field), "msg": message, "input": value}]
    )


def not_found(message: str) -> HTTPException:
    """A 404 error with a message that says what to do."""
    return HTTPException(status_code=404, detail=message)


# -- annotated parameters ------------------------------------------------------------------

PdlPath = Annotated[
    str,
    Path(
        description="Usage point id (PDL): exactly 14 digits.",
        examples=["09999000000001"],
        json_schema_extra={"pattern": _PDL_PATTERN},
    ),
]
StartQuery = Annotated[
    str | None,
    Query(
        description="First local (Europe/Paris) day, YYYY-MM-DD, inclusive.",
        examples=["2024-01-01"],
        json_schema_extra={"format": "date"},
    ),
]
EndQuery = Annotated[
    str | None,
    Query(
        description="Last local (Europe/Paris) day, YYYY-MM-DD, inclusive.",
        examples=["2024-01-31"],
        json_schema_extra={"format": "date"},
    ),
]
FormatQuery = Annotated[
    OutputFormat,
    Query(
        alias="format",
        description="json (default), csv (streamed) or xlsx (Excel workbook).",
    ),
]
DelimiterQuery = Annotated[
    Delimiter,
    Query(
        description="CSV separator: ',' (default) or ';' (French Excel; decimals then use a "
        "comma). Write ';' as %3B in a URL.",
    ),
]


# -- validation ----------------------------------------------------------------------------


def thirty_days_to(end: date) -> date:
    """Default ``start`` of the daily routes: 30 days ending on ``end`` (inclusive)."""
    return end - timedelta(days=29)


def same_day(end: date) -> date:
    """Default ``start`` of the load-curve routes: ``end`` alone."""
    return end


def check_pdl(pdl: str) -> str:
    """``pdl`` if it is 14 digits, else a 422 naming ``pdl``."""
    try:
        return validate_pdl(pdl)
    except InvalidInput as exc:
        raise invalid("pdl", exc.reason, pdl, where="path") from None


def parse_day(value: str | None, field: str) -> date | None:
    """A ``YYYY-MM-DD`` query value as a date (``None`` when omitted), else a 422 naming it."""
    if value is None or value == "":
        return None
    text = value.strip()
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise invalid(
            field, f"{value!r} is not a date: use YYYY-MM-DD, e.g. 2024-01-31", value
        ) from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise invalid(
            field, f"{day} is out of range: use a date from {MIN_DATE} to {MAX_DATE}", value
        )
    return day


@dataclass(frozen=True, slots=True)
class DayRange:
    """Local Paris days from ``start`` to ``end``, both inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Number of days in the range."""
        return (self.end - self.start).days + 1


def day_range(
    start_text: str | None,
    end_text: str | None,
    *,
    default_end: date,
    default_start: Callable[[date], date],
    max_days: int,
) -> DayRange:
    """Parse an inclusive ``start``/``end`` pair, fill the defaults and check order and length.

    ``end`` defaults to ``default_end``, ``start`` to ``default_start(end)``. A reversed or too
    long range is a 422 naming ``end``.
    """
    start = parse_day(start_text, "start")
    end = parse_day(end_text, "end") or default_end
    if start is None:
        start = default_start(end)
    if start > end:
        raise invalid("end", f"end {end} is before start {start}: both are inclusive", end_text)
    span = DayRange(start, end)
    if span.days > max_days:
        raise invalid(
            "end",
            f"the range {start}..{end} has {span.days} days, more than the {max_days} this "
            "route allows: split it into shorter ranges"
            + ("" if max_days >= MAX_DETAIL_FILE_DAYS else ", or ask for format=csv"),
            end_text,
        )
    return span


# -- request context -----------------------------------------------------------------------


def get_runtime(request: Request) -> Runtime:
    """The runtime the app was built with."""
    return cast("Runtime", request.app.state.runtime)


def get_clock(request: Request) -> Callable[[], datetime]:
    """The app's clock (aware UTC instants); tests inject a fixed one."""
    return cast("Callable[[], datetime]", request.app.state.clock)


def today_of(request: Request) -> date:
    """Today in Paris, by the app's clock."""
    return today_paris(get_clock(request)())


def source_label(runtime: Runtime) -> str:
    """``demo`` or ``gateway``: what every JSON answer states as its ``source``."""
    return "demo" if runtime.is_demo else "gateway"


def require_point(runtime: Runtime, pdl: str) -> StoredUsagePoint:
    """The stored usage point ``pdl`` (checked to be 14 digits first), else a 404."""
    check_pdl(pdl)
    point = runtime.store.usage_point(pdl)
    if point is None:
        raise not_found(
            f"usage point {pdl} is not known here: GET /api/pdl lists the known ones "
            "(a new one appears after its first sync)"
        )
    return point


def now_utc() -> datetime:
    """Current aware UTC instant (the default clock)."""
    return datetime.now(UTC)
