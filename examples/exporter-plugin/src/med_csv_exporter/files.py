"""The CSV files: one table per series, keyed by the start of each period.

A table is read whole, updated and written back whole through a temporary file renamed over
it, so a reader never sees half a file and a resend of a period overwrites its row instead of
adding one. Periods are keyed by their start with its UTC offset (``2024-10-27T02:00:00+02:00``
and ``...+01:00`` are the two 02:00 of the autumn change) and sorted as instants.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

Row = dict[str, str]


def _order(key: str) -> tuple[float, str]:
    try:
        return (datetime.fromisoformat(key).timestamp(), key)
    except ValueError:
        return (float(date.fromisoformat(key).toordinal()), key)


def read_table(path: Path, delimiter: str) -> list[Row]:
    """The rows of a table, oldest first (none when the file does not exist)."""
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def write_table(path: Path, columns: Sequence[str], rows: Iterable[Row], delimiter: str) -> None:
    """Write a whole table (through a temporary file renamed over the old one)."""
    partial = path.with_name(f".{path.name}.tmp")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, delimiter=delimiter, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(partial, path)


def upsert(
    path: Path, columns: Sequence[str], key: str, rows: Mapping[str, Row], delimiter: str
) -> int:
    """Add or replace ``rows`` (by their ``key`` column) in the table at ``path``; returns the
    rows written."""
    kept = {row[key]: row for row in read_table(path, delimiter)}
    kept.update(rows)
    write_table(path, columns, (kept[k] for k in sorted(kept, key=_order)), delimiter)
    return len(rows)
