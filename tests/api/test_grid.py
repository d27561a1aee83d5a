"""Tempo and EcoWatt routes."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import httpx
import openpyxl

from myelectricaldata.domain.tempo import season_quota
from tests.api.conftest import TODAY

# -- Tempo -------------------------------------------------------------------------------------


async def test_tempo_defaults_to_the_current_season_until_tomorrow(
    client: httpx.AsyncClient,
) -> None:
    body = (await client.get("/api/tempo")).json()
    assert body["start"] == "2024-09-01"
    assert body["end"] == (TODAY + timedelta(days=1)).isoformat()
    assert body["source"] == "demo"
    days = [row["date"] for row in body["data"]]
    assert days[0] == "2024-09-01"
    # It is 18:00: tomorrow's colour is published.
    assert days[-1] == (TODAY + timedelta(days=1)).isoformat()
    assert all(set(row) == {"date", "color"} for row in body["data"])
    assert {row["color"] for row in body["data"]} <= {"BLUE", "WHITE", "RED"}


async def test_tempo_remaining_counts_the_current_season(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/tempo", params={"start": "2024-11-01"})).json()
    assert body["season"] == "2024-2025"
    season = (await client.get("/api/tempo", params={"start": "2024-09-01"})).json()["data"]
    quota = season_quota(datetime(2024, 9, 1).date())
    for color, allowed in quota.items():
        used = sum(1 for row in season if row["color"] == color.value)
        assert body["remaining"][color.value] == allowed - used


async def test_tempo_with_only_end_starts_at_that_season(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/tempo", params={"end": "2024-10-15"})).json()
    assert (body["start"], body["end"]) == ("2024-09-01", "2024-10-15")
    assert len(body["data"]) == 45


async def test_tempo_csv_and_xlsx_match_the_json(client: httpx.AsyncClient) -> None:
    params = {"start": "2024-10-01", "end": "2024-10-31"}
    data = (await client.get("/api/tempo", params=params)).json()["data"]
    response = await client.get("/api/tempo", params=params | {"format": "csv"})
    assert response.headers["content-disposition"] == (
        'attachment; filename="tempo_2024-10-01_2024-10-31.csv"'
    )
    assert list(csv.DictReader(io.StringIO(response.text))) == data
    response = await client.get("/api/tempo", params=params | {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("date", "color")
    for (day, color), row in zip(rows[1:], data, strict=True):
        assert isinstance(day, datetime) and day.date().isoformat() == row["date"]
        assert color == row["color"]


# -- EcoWatt -----------------------------------------------------------------------------------


async def test_ecowatt_of_a_day(client: httpx.AsyncClient) -> None:
    day = (TODAY + timedelta(days=1)).isoformat()
    body = (await client.get("/api/ecowatt", params={"date": day})).json()
    assert body["date"] == day and body["source"] == "demo"
    assert body["level"] in (1, 2, 3)
    assert len(body["hourly"]) == 24 and set(body["hourly"]) <= {0, 1, 2, 3}
    assert isinstance(body["message"], str)
    assert datetime.fromisoformat(body["generated_at"]).utcoffset() is not None
    assert "forecast" not in body


async def test_ecowatt_without_date_is_today_plus_the_forecast(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/ecowatt")).json()
    assert body["date"] == TODAY.isoformat()
    forecast = [d["date"] for d in body["forecast"]]
    # At 18:00 RTE has published today and the next three days.
    assert forecast == [(TODAY + timedelta(days=i)).isoformat() for i in range(4)]
    assert body["forecast"][0]["hourly"] == body["hourly"]


async def test_ecowatt_csv_has_one_row_per_day_and_24_hour_columns(
    client: httpx.AsyncClient,
) -> None:
    body = (await client.get("/api/ecowatt")).json()
    response = await client.get("/api/ecowatt", params={"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 4
    first = rows[0]
    assert first["date"] == body["date"] and first["level"] == str(body["level"])
    assert [int(first[f"h{h:02d}"]) for h in range(24)] == body["hourly"]
    assert first["generated_at"] == body["generated_at"]
    assert first["message"] == body["message"]


async def test_ecowatt_xlsx_has_typed_cells(client: httpx.AsyncClient) -> None:
    day = TODAY.isoformat()
    response = await client.get("/api/ecowatt", params={"date": day, "format": "xlsx"})
    assert response.headers["content-disposition"] == f'attachment; filename="ecowatt_{day}.xlsx"'
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.content))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert rows[0][:3] == ("date", "level", "h00")
    assert rows[0][-1] == "generated_at (Europe/Paris)"
    (row,) = rows[1:]
    assert isinstance(row[0], datetime) and isinstance(row[1], int)
    assert all(isinstance(v, int) for v in row[2:26])
    assert isinstance(row[-1], datetime)
