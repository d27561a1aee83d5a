"""Daily energy, load curve and max power routes: JSON shapes, defaults, CSV and XLSX bodies."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import openpyxl
import pytest

from myelectricaldata.domain.timeutil import PARIS
from tests.api.conftest import DEMO_SOLAR_PDL, DEMO_TEMPO_PDL, YESTERDAY

DAILY = f"/api/consumption/daily/{DEMO_TEMPO_PDL}"
DETAIL = f"/api/consumption/detail/{DEMO_TEMPO_PDL}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_rows(response: httpx.Response, delimiter: str = ",") -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8")), delimiter=delimiter))


def workbook_rows(response: httpx.Response) -> tuple[list[str], list[tuple[Any, ...]]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [str(h) for h in rows[0]], rows[1:]


def as_text(row: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in row.items()}


# -- daily -------------------------------------------------------------------------------------


async def test_daily_json_has_the_documented_envelope_and_inclusive_bounds(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(DAILY, params={"start": "2024-10-01", "end": "2024-10-31"})
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("pdl", "start", "end", "unit", "source")} == {
        "pdl": DEMO_TEMPO_PDL,
        "start": "2024-10-01",
        "end": "2024-10-31",
        "unit": "Wh",
        "source": "demo",
    }
    days = [row["date"] for row in body["data"]]
    assert days[0] == "2024-10-01" and days[-1] == "2024-10-31" and len(days) == 31
    first = body["data"][0]
    assert set(first) == {"date", "value_wh", "quality"}
    assert isinstance(first["value_wh"], int) and first["quality"] in ("BRUT", "CORRIGE")


async def test_daily_defaults_to_the_30_days_ending_yesterday(client: httpx.AsyncClient) -> None:
    body = (await client.get(DAILY)).json()
    assert body["end"] == YESTERDAY.isoformat()
    assert body["start"] == (YESTERDAY - timedelta(days=29)).isoformat()
    assert len(body["data"]) == 30


async def test_daily_with_only_start_runs_to_yesterday(client: httpx.AsyncClient) -> None:
    body = (await client.get(DAILY, params={"start": "2024-11-10"})).json()
    assert (body["start"], body["end"]) == ("2024-11-10", YESTERDAY.isoformat())


async def test_one_day_range_has_one_row(client: httpx.AsyncClient) -> None:
    body = (await client.get(DAILY, params={"start": "2024-10-05", "end": "2024-10-05"})).json()
    assert [row["date"] for row in body["data"]] == ["2024-10-05"]


async def test_production_daily_of_the_solar_house(client: httpx.AsyncClient) -> None:
    url = f"/api/production/daily/{DEMO_SOLAR_PDL}"
    body = (await client.get(url, params={"start": "2024-09-01", "end": "2024-09-30"})).json()
    assert body["direction"] == "production" and body["unit"] == "Wh"
    assert len(body["data"]) == 30
    assert all(row["value_wh"] >= 0 for row in body["data"])
    assert any(row["value_wh"] > 0 for row in body["data"])


async def test_daily_csv_rows_equal_the_json_rows(client: httpx.AsyncClient) -> None:
    params = {"start": "2024-09-01", "end": "2024-11-14"}
    data = (await client.get(DAILY, params=params)).json()["data"]
    response = await client.get(DAILY, params=params | {"format": "csv"})
    assert response.headers["content-disposition"] == (
        f'attachment; filename="consumption_daily_{DEMO_TEMPO_PDL}_2024-09-01_2024-11-14.csv"'
    )
    assert response.headers["x-data-source"] == "demo"
    assert response.content.startswith(b"date,value_wh,quality\r\n")
    assert csv_rows(response) == [as_text(row) for row in data]


async def test_daily_csv_with_semicolons(client: httpx.AsyncClient) -> None:
    params = {"start": "2024-10-01", "end": "2024-10-10"}
    data = (await client.get(DAILY, params=params)).json()["data"]
    response = await client.get(DAILY, params=params | {"format": "csv", "delimiter": ";"})
    assert response.content.startswith(b"date;value_wh;quality\r\n")
    assert csv_rows(response, ";") == [as_text(row) for row in data]


async def test_daily_xlsx_has_date_and_number_cells(client: httpx.AsyncClient) -> None:
    params = {"start": "2024-10-01", "end": "2024-10-31"}
    data = (await client.get(DAILY, params=params)).json()["data"]
    response = await client.get(DAILY, params=params | {"format": "xlsx"})
    assert response.headers["content-disposition"] == (
        f'attachment; filename="consumption_daily_{DEMO_TEMPO_PDL}_2024-10-01_2024-10-31.xlsx"'
    )
    header, rows = workbook_rows(response)
    assert header == ["date", "value_wh", "quality"]
    assert len(rows) == len(data) == 31
    for (day, value, quality), expected in zip(rows, data, strict=True):
        assert isinstance(day, datetime)  # Excel stores dates as date-times
        assert day.date().isoformat() == expected["date"]
        assert isinstance(value, int) and value == expected["value_wh"]
        assert quality == expected["quality"]


async def test_xlsx_says_where_the_data_came_from(client: httpx.AsyncClient) -> None:
    response = await client.get(DAILY, params={"format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    about = {row[0]: row[1] for row in book["about"].iter_rows(min_row=2, values_only=True)}
    assert about["source"] == "demo" and about["pdl"] == DEMO_TEMPO_PDL


# -- load curve --------------------------------------------------------------------------------


async def test_detail_defaults_to_yesterday(client: httpx.AsyncClient) -> None:
    body = (await client.get(DETAIL)).json()
    assert body["start"] == body["end"] == YESTERDAY.isoformat()
    assert len(body["data"]) == 48
    assert body["data"][0]["start"] == f"{YESTERDAY}T00:00:00+01:00"
    assert body["data"][-1]["end"] == f"{YESTERDAY + timedelta(days=1)}T00:00:00+01:00"


async def test_detail_point_shape_and_units(client: httpx.AsyncClient) -> None:
    body = (await client.get(DETAIL, params={"start": "2024-03-28", "end": "2024-03-28"})).json()
    assert (body["unit"], body["energy_unit"], body["source"]) == ("W", "Wh", "demo")
    point = body["data"][0]
    assert set(point) == {"start", "end", "interval_min", "avg_w", "wh", "quality"}
    assert point["start"] == "2024-03-28T00:00:00+01:00"
    assert point["end"] == "2024-03-28T00:30:00+01:00"
    assert point["interval_min"] == 30
    assert point["wh"] == pytest.approx(point["avg_w"] * 30 / 60)


async def test_autumn_dst_day_has_50_points_with_both_offsets(client: httpx.AsyncClient) -> None:
    body = (await client.get(DETAIL, params={"start": "2024-10-27", "end": "2024-10-27"})).json()
    starts = [p["start"] for p in body["data"]]
    assert len(starts) == 50
    assert starts[0] == "2024-10-27T00:00:00+02:00"
    # The repeated hour: 02:00 and 02:30 summer time, then again in winter time.
    assert starts[4:8] == [
        "2024-10-27T02:00:00+02:00",
        "2024-10-27T02:30:00+02:00",
        "2024-10-27T02:00:00+01:00",
        "2024-10-27T02:30:00+01:00",
    ]
    assert starts[-1] == "2024-10-27T23:30:00+01:00"
    instants = [datetime.fromisoformat(s) for s in starts]
    assert all(b - a == timedelta(minutes=30) for a, b in itertools.pairwise(instants))


async def test_spring_dst_day_has_46_points(client: httpx.AsyncClient) -> None:
    body = (await client.get(DETAIL, params={"start": "2024-03-31", "end": "2024-03-31"})).json()
    starts = [p["start"] for p in body["data"]]
    assert len(starts) == 46
    assert starts[3:5] == ["2024-03-31T01:30:00+01:00", "2024-03-31T03:00:00+02:00"]
    assert body["data"][3]["end"] == "2024-03-31T03:00:00+02:00"


async def test_detail_covers_every_local_day_of_the_range(client: httpx.AsyncClient) -> None:
    body = (await client.get(DETAIL, params={"start": "2024-03-30", "end": "2024-04-01"})).json()
    assert len(body["data"]) == 48 + 46 + 48
    days = {datetime.fromisoformat(p["start"]).astimezone(PARIS).date() for p in body["data"]}
    assert days == {date(2024, 3, 30), date(2024, 3, 31), date(2024, 4, 1)}


async def test_detail_csv_rows_equal_the_json_rows(client: httpx.AsyncClient) -> None:
    params = {"start": "2024-10-24", "end": "2024-10-30"}
    data = (await client.get(DETAIL, params=params)).json()["data"]
    response = await client.get(DETAIL, params=params | {"format": "csv"})
    assert response.headers["content-disposition"] == (
        f'attachment; filename="consumption_detail_{DEMO_TEMPO_PDL}_2024-10-24_2024-10-30.csv"'
    )
    rows = csv_rows(response)
    assert len(rows) == 7 * 48 + 2
    assert rows == [as_text(point) for point in data]


async def test_detail_csv_with_semicolons_uses_decimal_commas(client: httpx.AsyncClient) -> None:
    params = {"start": "2024-03-31", "end": "2024-03-31"}
    data = (await client.get(DETAIL, params=params)).json()["data"]
    response = await client.get(DETAIL, params=params | {"format": "csv", "delimiter": ";"})
    assert response.content.startswith(b"start;end;interval_min;avg_w;wh;quality\r\n")
    rows = csv_rows(response, ";")
    assert len(rows) == 46
    for row, point in zip(rows, data, strict=True):
        assert "." not in row["wh"] and "," in row["wh"]
        assert float(row["wh"].replace(",", ".")) == point["wh"]
        assert row["start"] == point["start"] and row["avg_w"] == str(point["avg_w"])


async def test_detail_xlsx_holds_paris_wall_times_and_numbers(client: httpx.AsyncClient) -> None:
    params = {"start": "2024-10-27", "end": "2024-10-27"}
    data = (await client.get(DETAIL, params=params)).json()["data"]
    header, rows = workbook_rows(await client.get(DETAIL, params=params | {"format": "xlsx"}))
    assert header == [
        "start (Europe/Paris)",
        "start utc_offset",
        "end (Europe/Paris)",
        "interval_min",
        "avg_w",
        "wh",
        "quality",
    ]
    assert len(rows) == 50
    for row, point in zip(rows, data, strict=True):
        start, offset, end, minutes, avg_w, wh, quality = row
        expected = datetime.fromisoformat(point["start"])
        assert isinstance(start, datetime) and isinstance(end, datetime)
        assert start == expected.replace(tzinfo=None)
        assert offset == point["start"][-6:]
        assert end == datetime.fromisoformat(point["end"]).replace(tzinfo=None)
        assert isinstance(minutes, int) and isinstance(avg_w, int)
        assert isinstance(wh, int | float) and wh == point["wh"]
        assert (minutes, avg_w, quality) == (
            point["interval_min"],
            point["avg_w"],
            point["quality"],
        )


async def test_detail_json_is_limited_but_csv_may_be_longer(client: httpx.AsyncClient) -> None:
    params = {"start": "2023-01-01", "end": "2024-01-02"}  # 367 days
    refused = await client.get(DETAIL, params=params)
    assert refused.status_code == 422
    (error,) = refused.json()["detail"]
    assert error["loc"] == ["query", "end"] and "366" in error["msg"]
    accepted = await client.get(DETAIL, params=params | {"format": "csv"})
    assert accepted.status_code == 200
    too_long = await client.get(
        DETAIL, params={"start": "2010-01-01", "end": "2024-01-01", "format": "csv"}
    )
    assert too_long.status_code == 422
    assert too_long.json()["detail"][0]["loc"] == ["query", "end"]


async def test_production_detail_of_the_solar_house(client: httpx.AsyncClient) -> None:
    url = f"/api/production/detail/{DEMO_SOLAR_PDL}"
    body = (await client.get(url, params={"start": "2024-11-10", "end": "2024-11-10"})).json()
    assert body["direction"] == "production" and len(body["data"]) == 48
    night = [p for p in body["data"] if p["start"].startswith("2024-11-10T02:")]
    assert night and all(p["avg_w"] == 0 for p in night)


async def test_empty_range_gives_an_empty_list_and_a_header_only_csv(
    client: httpx.AsyncClient,
) -> None:
    params = {"start": "2020-01-01", "end": "2020-01-02"}
    assert (await client.get(DETAIL, params=params)).json()["data"] == []
    response = await client.get(DETAIL, params=params | {"format": "csv"})
    assert response.content == b"start,end,interval_min,avg_w,wh,quality\r\n"


# -- max power ---------------------------------------------------------------------------------


async def test_max_power_json_states_va_and_the_subscribed_power(
    client: httpx.AsyncClient,
) -> None:
    url = f"/api/max_power/{DEMO_TEMPO_PDL}"
    body = (await client.get(url, params={"start": "2024-10-01", "end": "2024-10-31"})).json()
    assert (body["unit"], body["subscribed_power_kva"], body["source"]) == ("VA", 12.0, "demo")
    assert len(body["data"]) == 31
    for row in body["data"]:
        assert set(row) == {"date", "value_va", "at", "quality"}
        at = datetime.fromisoformat(row["at"])
        assert at.utcoffset() is not None
        assert at.astimezone(PARIS).date().isoformat() == row["date"]


async def test_max_power_csv_and_xlsx_match_the_json(client: httpx.AsyncClient) -> None:
    url = f"/api/max_power/{DEMO_TEMPO_PDL}"
    params = {"start": "2024-10-20", "end": "2024-10-31"}
    data = (await client.get(url, params=params)).json()["data"]
    assert csv_rows(await client.get(url, params=params | {"format": "csv"})) == [
        as_text(row) for row in data
    ]
    header, rows = workbook_rows(await client.get(url, params=params | {"format": "xlsx"}))
    assert header == ["date", "value_va", "at (Europe/Paris)", "at utc_offset", "quality"]
    for (day, value, at, offset, quality), row in zip(rows, data, strict=True):
        expected = datetime.fromisoformat(row["at"])
        assert isinstance(day, datetime) and day.date().isoformat() == row["date"]
        assert isinstance(value, int) and value == row["value_va"]
        assert at == expected.replace(tzinfo=None) and offset == row["at"][-6:]
        assert quality == row["quality"]
