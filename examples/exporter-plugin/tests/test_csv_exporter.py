"""The CSV exporter passes the MyElectricalData exporter contract, and its files keep one row
per period whatever is sent again."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from myelectricaldata.domain.types import Stream
from myelectricaldata.exporters.base import StateSnapshot
from myelectricaldata.exporters.testing import CONTRACT_PDL, ExporterContract, Point, StateValue

from med_csv_exporter import CsvConfig, CsvExporter
from med_csv_exporter.files import read_table, upsert


def csv_points(folder: Path, delimiter: str) -> list[Point]:
    """What the folder holds, as the contract's points."""
    points: list[Point] = []
    for stream in Stream:
        if not stream.per_pdl:
            continue
        for row in read_table(folder / f"{CONTRACT_PDL}_{stream.value}.csv", delimiter):
            start = datetime.fromisoformat(row["start"])
            if stream.is_detail:
                points.append(Point(stream, CONTRACT_PDL, start, float(row["avg_w"])))
            else:
                points.append(Point(stream, CONTRACT_PDL, start.date(), float(row["value"])))
    for row in read_table(folder / "tempo.csv", delimiter):
        points.append(Point(Stream.TEMPO, None, date.fromisoformat(row["day"]), row["color"]))
    for row in read_table(folder / "ecowatt.csv", delimiter):
        day = date.fromisoformat(row["day"])
        points.append(Point(Stream.ECOWATT, None, day, float(row["level"])))
    return points


class TestCsvExporter(ExporterContract):
    """The contract, each check writing to a folder of its own."""

    exporter_class = CsvExporter

    @pytest.fixture
    def config(self, tmp_path: Path) -> dict[str, Any]:
        return {"enabled": True, "folder": str(tmp_path / "csv")}

    @pytest.fixture
    def unreachable_config(self, tmp_path: Path) -> dict[str, Any]:
        # A folder under a folder that is not there: nothing can be written.
        return {"enabled": True, "folder": str(tmp_path / "absent" / "csv")}

    @pytest.fixture
    def invalid_configs(self) -> list[tuple[dict[str, Any], str]]:
        return [
            ({"enabled": True}, "folder"),
            ({"folder": "relative/path"}, "folder"),
            ({"delimiter": "|"}, "delimiter"),
        ]

    async def read_back(self, config: dict[str, Any]) -> Iterable[Point]:
        return csv_points(Path(config["folder"]), CsvConfig().delimiter)

    async def read_state(
        self, config: dict[str, Any], published: StateSnapshot
    ) -> Iterable[StateValue]:
        states = []
        for row in read_table(Path(config["folder"]) / "state.csv", CsvConfig().delimiter):
            value: float | str | None = row["value"] or None
            if value is not None:
                with contextlib.suppress(ValueError):  # a colour, a season, a time stay text
                    value = float(value)
            states.append(StateValue(row["scope"], row["key"], value, row["unit"] or None))
        return states


def test_a_period_sent_again_replaces_its_row_and_the_two_autumn_two_oclocks_stay_apart(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.csv"
    first = {"2024-10-27T02:00:00+02:00": {"start": "2024-10-27T02:00:00+02:00", "value": "1"}}
    second = {"2024-10-27T02:00:00+01:00": {"start": "2024-10-27T02:00:00+01:00", "value": "2"}}
    upsert(path, ("start", "value"), "start", second, ";")
    upsert(path, ("start", "value"), "start", first, ";")
    again = {"2024-10-27T02:00:00+02:00": {"start": "2024-10-27T02:00:00+02:00", "value": "3"}}
    upsert(path, ("start", "value"), "start", again, ";")
    assert read_table(path, ";") == [
        {"start": "2024-10-27T02:00:00+02:00", "value": "3"},
        {"start": "2024-10-27T02:00:00+01:00", "value": "2"},
    ]


async def test_a_folder_the_service_may_not_create_is_a_clear_failure(tmp_path: Path) -> None:
    config = CsvConfig(enabled=True, folder=str(tmp_path / "nope"), create_folder=False)
    exporter = CsvExporter(config)
    result = await exporter.test_connection()
    assert not result.success and result.error is not None
    assert "does not exist" in result.error and "create_folder" in result.error
