"""Rendering helpers: fast Paris ISO instants, CSV quoting and streaming, XLSX cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

import openpyxl
import pytest

from myelectricaldata.api.formats import (
    Column,
    Delimiter,
    InstantFormatter,
    Table,
    csv_chunks,
    load_curve_csv_chunks,
    xlsx_file,
)
from myelectricaldata.domain.timeutil import PARIS


def reference_iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, PARIS).isoformat()


def test_instant_text_matches_zoneinfo_across_years_of_dst_changes() -> None:
    instants = InstantFormatter()
    first = int(datetime(2014, 1, 1, tzinfo=UTC).timestamp())
    last = int(datetime(2027, 1, 1, tzinfo=UTC).timestamp())
    for ts in range(first, last, 15 * 60 + 7):  # an odd step also hits seconds != 0
        assert instants.iso(ts) == reference_iso(ts)


@pytest.mark.parametrize("moment", ["2024-03-31T00:59:59", "2024-03-31T01:00:00",
                                    "2024-10-27T00:59:59", "2024-10-27T01:00:00",
                                    "1970-01-01T00:00:00", "2100-12-31T23:59:59"])  # fmt: skip
def test_instant_text_at_the_exact_switch(moment: str) -> None:
    ts = int(datetime.fromisoformat(moment).replace(tzinfo=UTC).timestamp())
    instants = InstantFormatter()
    assert instants.iso(ts) == reference_iso(ts)
    assert instants.wall(ts) == datetime.fromtimestamp(ts, PARIS).replace(tzinfo=None)


def test_load_curve_csv_quotes_odd_quality_flags() -> None:
    ts = int(datetime(2024, 1, 1, tzinfo=PARIS).timestamp())
    rows = [(ts, 30, 1001, 'A,"B"'), (ts + 1800, 30, 1000, "BRUT")]
    text = b"".join(load_curve_csv_chunks([rows])).decode()
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[1] == ["2024-01-01T00:00:00+01:00", "2024-01-01T00:30:00+01:00", "30",
                         "1001", "500.5", 'A,"B"']  # fmt: skip
    assert parsed[2][4] == "500.0"


def test_load_curve_csv_end_of_a_gap_is_not_reused() -> None:
    ts = int(datetime(2024, 1, 1, tzinfo=PARIS).timestamp())
    rows = [(ts, 30, 10, "BRUT"), (ts + 7200, 10, 10, "BRUT")]
    parsed = list(csv.reader(io.StringIO(b"".join(load_curve_csv_chunks([rows])).decode())))
    assert parsed[2][:2] == ["2024-01-01T02:00:00+01:00", "2024-01-01T02:10:00+01:00"]
    assert parsed[2][4] == repr(10 * 10 / 60)


def test_csv_streams_one_chunk_per_batch_and_reads_lazily() -> None:
    read: list[int] = []

    def batches() -> Iterator[list[tuple[object, ...]]]:
        for i in range(3):
            read.append(i)
            yield [(date(2024, 1, 1 + i), 1.5 * i, "x;y")]

    table = Table((Column("day", "date"), Column("v", "float"), Column("t", "text")),
                  batches(), "f", "s")  # fmt: skip
    chunks = csv_chunks(table, Delimiter.SEMICOLON)
    assert next(chunks) == b"day;v;t\r\n"
    assert read == []
    assert next(chunks) == b'2024-01-01;0,0;"x;y"\r\n'
    assert read == [0]
    assert list(chunks) == [b'2024-01-02;1,5;"x;y"\r\n', b'2024-01-03;3,0;"x;y"\r\n']


def test_xlsx_cells_are_typed_and_instants_are_paris_wall_times() -> None:
    ts = int(datetime(2024, 7, 1, 12, 0, tzinfo=PARIS).timestamp())
    table = Table(
        (Column("day", "date"), Column("at", "instant", with_offset=True), Column("n", "int"),
         Column("x", "float", number_format="0.00"), Column("t", "text")),
        [[(date(2024, 7, 1), ts, 3, 2.5, "ok"), (None, None, None, None, None)]],
        "f",
        "sheet",
        about=[("source", "demo")],
    )  # fmt: skip
    book = openpyxl.load_workbook(xlsx_file(table))
    rows = list(book["sheet"].iter_rows(values_only=True))
    assert rows[0] == ("day", "at (Europe/Paris)", "at utc_offset", "n", "x", "t")
    assert rows[1] == (datetime(2024, 7, 1), datetime(2024, 7, 1, 12, 0), "+02:00", 3, 2.5, "ok")
    sheet = book["sheet"]
    assert sheet["A2"].is_date and sheet["B2"].is_date
    assert sheet["E2"].number_format == "0.00" and sheet["E2"].data_type == "n"
    assert sheet["A1"].font.bold
    assert book["about"]["B2"].value == "demo"


def test_load_curve_csv_matches_zoneinfo_over_two_years_of_slots() -> None:
    first = int(datetime(2023, 1, 1, tzinfo=PARIS).timestamp())
    rows = [(first + 1800 * i, 30, i % 5000, "BRUT") for i in range(2 * 17544)]
    batches = [rows[i : i + 5000] for i in range(0, len(rows), 5000)]
    text = b"".join(load_curve_csv_chunks(batches)).decode()
    parsed = list(csv.reader(io.StringIO(text)))[1:]
    assert len(parsed) == len(rows)
    for (ts, minutes, avg_w, _), row in zip(rows, parsed, strict=True):
        assert row[0] == reference_iso(ts) and row[1] == reference_iso(ts + minutes * 60)
        assert float(row[4]) == avg_w * minutes / 60


_FIRST_REQUESTS = """
import threading
from datetime import UTC, datetime
from myelectricaldata.api.formats import InstantFormatter

late = int(datetime(2024, 11, 15, 22, 59, 59, tzinfo=UTC).timestamp())
start = threading.Barrier(20)
failures, answers = [], []

def first_request():
    start.wait()
    try:
        answers.append(InstantFormatter().iso(late))
    except BaseException as exc:
        failures.append(repr(exc))

threads = [threading.Thread(target=first_request) for _ in range(20)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(failures, sorted(set(answers)), len(answers))
"""


def test_concurrent_first_use_never_sees_a_half_built_time_table() -> None:
    """Twenty first requests at once in a fresh process (a restart): each formats a
    late-evening instant while the "HH:MM:SS" table may still be being built (an IndexError,
    a 500, before)."""
    import subprocess
    import sys

    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", _FIRST_REQUESTS], capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == "[] ['2024-11-15T23:59:59+01:00'] 20", done.stdout
