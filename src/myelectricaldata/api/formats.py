"""Rendering of API answers: JSON bodies, streamed CSV and real XLSX workbooks.

Instants leave the API as ISO-8601 text with the Europe/Paris offset
(``2024-03-01T00:00:00+01:00``). Excel has no time zones, so workbooks hold the Paris wall time
and say so in the header; load-curve sheets add the UTC offset so that the repeated hour of the
autumn change stays unambiguous.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import IO, Any, Literal

from fastapi.responses import Response, StreamingResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from myelectricaldata.domain.timeutil import PARIS

#: Zone named in every workbook header that holds wall-clock times.
ZONE_NAME = "Europe/Paris"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
#: Header that names where the data of a file came from (``demo`` or ``gateway``).
SOURCE_HEADER = "X-Data-Source"

_EPOCH_DAY = date(1970, 1, 1)
# Naive on purpose: spreadsheet cells hold wall-clock times.
_EPOCH_NAIVE = datetime(1970, 1, 1, tzinfo=UTC).replace(tzinfo=None)
# Paris offsets are whole hours, so minutes and seconds of an instant are the same in UTC and in
# local time: one table of "HH:MM:SS" by second of the day turns arithmetic into text cheaply.
_CLOCK_LOCK = threading.Lock()


@functools.cache
def _build_clock() -> tuple[str, ...]:
    return tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400))


def _clock_table() -> tuple[str, ...]:
    # Built once, whole, before anyone reads it: a list filled in place let concurrent first
    # requests read it half-built (an IndexError, a 500).
    with _CLOCK_LOCK:
        return _build_clock()


def _offset_text(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds // 60 % 60:02d}"


def _paris_offset(ts: int) -> int:
    offset = datetime.fromtimestamp(ts, PARIS).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


#: A span of instants sharing one Paris date and one offset: (low, high, midnight, date text
#: ``YYYY-MM-DDT``, offset seconds, offset text ``+01:00``); ``midnight`` is the local day's
#: start, so ``ts - midnight`` is the second of the local day.
Window = tuple[int, int, int, str, int, str]


def local_window(ts: int) -> Window:
    """The span around ``ts`` with one local date and one offset: the whole local day, or
    (on the two DST change days) the UTC hour, as Paris changes offset on the hour."""
    seconds = _paris_offset(ts)
    local = ts + seconds
    midnight = ts - local % 86400
    if _paris_offset(midnight) == seconds == _paris_offset(midnight + 86399):
        low, high = midnight, midnight + 86400
    else:
        low = ts - ts % 3600
        high = low + 3600
    day_text = (_EPOCH_DAY + timedelta(days=local // 86400)).isoformat() + "T"
    return low, high, midnight, day_text, seconds, _offset_text(seconds)


class InstantFormatter:
    """Epoch seconds to Paris ISO text or wall time, fast enough for years of load curve.

    Rows come sorted, so the zone database is asked once per local day (per hour on DST change
    days) instead of once per row; the rest is arithmetic and a table lookup.
    """

    def __init__(self) -> None:
        self._clock = _clock_table()
        self._window: Window = (0, 0, 0, "", 0, "")

    def window(self, ts: int) -> Window:
        """The :data:`Window` holding ``ts``."""
        if not self._window[0] <= ts < self._window[1]:
            self._window = local_window(ts)
        return self._window

    def offset(self, ts: int) -> tuple[int, str]:
        """UTC offset in force at ``ts`` as ``(seconds, "+01:00")``."""
        window = self.window(ts)
        return window[4], window[5]

    def iso(self, ts: int) -> str:
        """``2024-03-01T00:00:00+01:00`` for epoch seconds ``ts``."""
        window = self._window
        if not window[0] <= ts < window[1]:
            window = self._window = local_window(ts)
        return window[3] + self._clock[ts - window[2]] + window[5]

    def wall(self, ts: int) -> datetime:
        """Naive Paris wall-clock time of ``ts`` (for spreadsheets, which have no zones)."""
        return _EPOCH_NAIVE + timedelta(seconds=ts + self.window(ts)[4])


def iso_instant(instant: datetime | None) -> str | None:
    """ISO-8601 text of an aware instant with its Paris offset (``None`` stays ``None``)."""
    if instant is None:
        return None
    if instant.tzinfo is None:
        raise ValueError("naive datetime: an instant needs a time zone")
    return instant.astimezone(PARIS).isoformat()


def epoch(instant: datetime) -> int:
    """Unix seconds of an aware instant."""
    return int(instant.astimezone(UTC).timestamp())


# -- JSON --------------------------------------------------------------------------------------


def json_response(payload: Any, status_code: int = 200) -> Response:
    """A JSON answer built with the standard encoder (skips FastAPI's slow generic encoder)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Response(body, status_code=status_code, media_type="application/json")


# -- tables for CSV and XLSX -------------------------------------------------------------------


class OutputFormat(StrEnum):
    """Body format of a data route."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class Delimiter(StrEnum):
    """CSV field separator: ``,`` (default) or ``;`` for French Excel, which also gets ``0,5``."""

    COMMA = ","
    SEMICOLON = ";"


Kind = Literal["date", "instant", "int", "float", "text"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table: its header and how its values are typed.

    Values by kind: ``date`` a :class:`date`, ``instant`` Unix seconds (int), ``int``, ``float``,
    ``text`` a str or None. ``with_offset`` adds the UTC offset beside an instant in workbooks.
    """

    name: str
    kind: Kind
    number_format: str | None = None
    with_offset: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """Rows to render as a file, produced in batches so that a long range never sits in memory."""

    columns: tuple[Column, ...]
    batches: Iterable[Sequence[Sequence[Any]]]
    filename_stem: str
    sheet_title: str
    about: Sequence[tuple[str, str]] = field(default_factory=tuple)


def _float_text(decimal_comma: bool) -> Callable[[Any], str]:
    if decimal_comma:
        return lambda v: "" if v is None else repr(float(v)).replace(".", ",")
    return lambda v: "" if v is None else repr(float(v))


def _converter(
    column: Column, instants: InstantFormatter, decimal_comma: bool
) -> Callable[[Any], Any]:
    if column.kind == "date":
        return lambda v: "" if v is None else v.isoformat()
    if column.kind == "instant":
        return lambda v: "" if v is None else instants.iso(v)
    if column.kind == "float":
        return _float_text(decimal_comma)
    return lambda v: "" if v is None else v


class _Sink:
    """File-like target for :mod:`csv` that hands back what was written since the last call."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.write = self._parts.append

    def take(self) -> bytes:
        text = "".join(self._parts)
        self._parts.clear()
        return text.encode("utf-8")


def csv_chunks(table: Table, delimiter: Delimiter = Delimiter.COMMA) -> Iterator[bytes]:
    """UTF-8 CSV of ``table``: a header row then one chunk per batch of rows.

    With ``;`` as separator decimals use a comma, as French Excel expects.
    """
    instants = InstantFormatter()
    decimal_comma = delimiter is Delimiter.SEMICOLON
    converters = [_converter(c, instants, decimal_comma) for c in table.columns]
    sink = _Sink()
    writer = csv.writer(sink, delimiter=delimiter.value, lineterminator="\r\n")
    writer.writerow([c.name for c in table.columns])
    yield sink.take()
    plain = all(c.kind in ("int", "text") for c in table.columns)
    for batch in table.batches:
        if plain:
            writer.writerows(batch)
        else:
            writer.writerows(
                [
                    [convert(value) for convert, value in zip(converters, row, strict=True)]
                    for row in batch
                ]
            )
        chunk = sink.take()
        if chunk:
            yield chunk


def _xlsx_header(sheet: WriteOnlyWorksheet, names: list[str]) -> None:
    bold = Font(bold=True)
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)


#: Cell writer of one column: appends the cell(s) of a value to a row under construction.
_CellWriter = Callable[[list[Any], Any], None]


def _cell_writer(
    sheet: WriteOnlyWorksheet, column: Column, instants: InstantFormatter
) -> _CellWriter:
    if column.kind == "instant":
        with_offset = column.with_offset

        def instant(values: list[Any], value: Any) -> None:
            if value is None:
                values.extend((None, None) if with_offset else (None,))
                return
            seconds, text = instants.offset(value)
            values.append(_EPOCH_NAIVE + timedelta(seconds=value + seconds))
            if with_offset:
                values.append(text)

        return instant
    number_format = column.number_format
    if number_format is not None:

        def formatted(values: list[Any], value: Any) -> None:
            if value is None:
                values.append(None)
                return
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = number_format
            values.append(cell)

        return formatted
    # Dates and plain numbers: openpyxl types the cell (and gives dates a date format) itself.
    return list.append


def xlsx_file(table: Table) -> IO[bytes]:
    """A workbook of ``table`` (typed date, datetime and number cells) in a temporary file.

    Dates and instants are real Excel date cells; instants hold the Paris wall time and the header
    names the zone. A second sheet, ``about``, states the source, range and units.
    """
    instants = InstantFormatter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.sheet_title[:31])
    names: list[str] = []
    for column in table.columns:
        if column.kind == "instant":
            names.append(f"{column.name} ({ZONE_NAME})")
            if column.with_offset:
                names.append(f"{column.name} utc_offset")
        else:
            names.append(column.name)
    for index, name in enumerate(names, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(len(name) + 2, 40))
    sheet.freeze_panes = "A2"
    _xlsx_header(sheet, names)
    writers = [_cell_writer(sheet, column, instants) for column in table.columns]
    for batch in table.batches:
        for row in batch:
            values: list[Any] = []
            for write, value in zip(writers, row, strict=True):
                write(values, value)
            sheet.append(values)
    if table.about:
        about = book.create_sheet("about")
        _xlsx_header(about, ["key", "value"])
        about.column_dimensions["A"].width = 18
        about.column_dimensions["B"].width = 70
        for key, value in table.about:
            about.append([key, value])
    # Spooled: small workbooks stay in memory, years of load curve spill to disk.
    target: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    book.save(target)
    target.seek(0)
    return target


def _file_chunks(handle: IO[bytes], size: int = 256 * 1024) -> Iterator[bytes]:
    try:
        while chunk := handle.read(size):
            yield chunk
    finally:
        handle.close()


def _disposition(filename: str) -> str:
    return f'attachment; filename="{filename}"'


def csv_response(table: Table, delimiter: Delimiter, source: str) -> StreamingResponse:
    """A streamed CSV download of ``table``."""
    return csv_stream_response(csv_chunks(table, delimiter), table.filename_stem, source)


def csv_stream_response(
    chunks: Iterator[bytes], filename_stem: str, source: str
) -> StreamingResponse:
    """A streamed CSV download of ready-made chunks, named ``<filename_stem>.csv``."""
    return StreamingResponse(
        chunks,
        media_type=CSV_MEDIA_TYPE,
        headers={
            "Content-Disposition": _disposition(f"{filename_stem}.csv"),
            SOURCE_HEADER: source,
        },
    )


def xlsx_response(table: Table, source: str) -> StreamingResponse:
    """An XLSX download of ``table`` (built before the answer starts, then streamed)."""
    handle = xlsx_file(table)
    size = handle.seek(0, io.SEEK_END)
    handle.seek(0)
    return StreamingResponse(
        _file_chunks(handle),
        media_type=XLSX_MEDIA_TYPE,
        headers={
            "Content-Disposition": _disposition(f"{table.filename_stem}.xlsx"),
            "Content-Length": str(size),
            SOURCE_HEADER: source,
        },
    )


def table_response(table: Table, fmt: OutputFormat, delimiter: Delimiter, source: str) -> Response:
    """The CSV or XLSX answer of ``table`` (``fmt`` must not be JSON)."""
    if fmt is OutputFormat.CSV:
        return csv_response(table, delimiter, source)
    if fmt is OutputFormat.XLSX:
        return xlsx_response(table, source)
    raise ValueError(f"{fmt} is not a file format")


# -- load curve --------------------------------------------------------------------------------

#: Raw load-curve rows as the store yields them: (start epoch s, interval min, avg W, quality).
RawPoint = tuple[int, int, int, str]
#: Load-curve columns: the JSON keys of a point and the CSV header, in this order.
LOAD_CURVE_COLUMNS = (
    Column("start", "instant", with_offset=True),
    Column("end", "instant"),
    Column("interval_min", "int"),
    Column("avg_w", "int"),
    Column("wh", "float", number_format="0.0"),
    Column("quality", "text"),
)


def load_curve_points(rows: Iterable[RawPoint], instants: InstantFormatter) -> list[dict[str, Any]]:
    """JSON points of raw rows: ISO start/end with the Paris offset, W, Wh, quality."""
    iso = instants.iso
    return [
        {
            "start": iso(ts),
            "end": iso(ts + minutes * 60),
            "interval_min": minutes,
            "avg_w": avg_w,
            "wh": avg_w * minutes / 60,
            "quality": quality,
        }
        for ts, minutes, avg_w, quality in rows
    ]


def load_curve_rows(batches: Iterable[Sequence[RawPoint]]) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of table rows (:data:`LOAD_CURVE_COLUMNS`) from raw store batches."""
    for batch in batches:
        yield [(ts, ts + m * 60, m, w, w * m / 60, q) for ts, m, w, q in batch]


class _CsvText(dict[str, str]):
    """Text field -> its CSV form, quoted only when it holds the delimiter, a quote or a newline."""

    def __init__(self, delimiter: str) -> None:
        super().__init__()
        self._special = (delimiter, '"', "\r", "\n")

    def __missing__(self, text: str) -> str:
        quoted = text
        if any(ch in text for ch in self._special):
            quoted = '"' + text.replace('"', '""') + '"'
        self[text] = quoted
        return quoted


class _WhText(dict[int, str]):
    """W x minutes -> the interval's Wh as CSV text (``672.0``, or ``672,5`` with a comma)."""

    def __init__(self, decimal_comma: bool) -> None:
        super().__init__()
        self._comma = decimal_comma

    def __missing__(self, energy: int) -> str:
        text = repr(energy / 60)
        if self._comma:
            text = text.replace(".", ",")
        self[energy] = text
        return text


def load_curve_csv_chunks(
    batches: Iterable[Sequence[RawPoint]], delimiter: Delimiter = Delimiter.COMMA
) -> Iterator[bytes]:
    """CSV of raw load-curve batches, one chunk per batch, same columns as the JSON points.

    This is the hot path of a 10-year download, so it skips the generic table machinery: the
    time-zone window is checked with one comparison, the end of a slot is reused as the start of
    the next one, and Wh texts are cached (a meter repeats the same powers).
    """
    sep = delimiter.value
    yield (sep.join(c.name for c in LOAD_CURVE_COLUMNS) + "\r\n").encode()
    clock = _clock_table()
    texts = _CsvText(sep)
    whs = _WhText(delimiter is Delimiter.SEMICOLON)
    low, high, midnight, day, _, offset = (0, 0, 0, "", 0, "")
    previous_end = -1
    end_text = ""
    for batch in batches:
        lines: list[str] = []
        append = lines.append
        for ts, minutes, avg_w, quality in batch:
            if ts != previous_end:
                if not low <= ts < high:
                    low, high, midnight, day, _, offset = local_window(ts)
                end_text = day + clock[ts - midnight] + offset
            start_text = end_text
            end = previous_end = ts + minutes * 60
            if not low <= end < high:
                low, high, midnight, day, _, offset = local_window(end)
            end_text = day + clock[end - midnight] + offset
            append(
                f"{start_text}{sep}{end_text}{sep}{minutes}{sep}{avg_w}{sep}"
                f"{whs[avg_w * minutes]}{sep}{texts[quality]}\r\n"
            )
        if lines:
            yield "".join(lines).encode()


def file_responses(model: type[Any], description: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` of a data route: ``model`` as JSON, plus its CSV and XLSX bodies."""
    return {
        200: {
            "model": model,
            "description": description,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }
