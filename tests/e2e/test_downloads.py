"""The Consommation page's Exporter button downloads exactly the API's rows, as CSV and Excel."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import openpyxl
import pytest

from myelectricaldata.sources.demo import DEMO_TEMPO_PDL
from myelectricaldata.ui import markers as m
from tests.e2e.conftest import UI
from tests.e2e.test_numbers import daily_newest

PDL = DEMO_TEMPO_PDL


def download(ui: UI, fmt: str, kind: str, tmp_path: Path) -> tuple[Path, str, str]:
    """Open the Exporter menu, click the ``fmt`` choice for ``kind`` and keep the file.

    Returns the file, the name the browser was given, and the link's href.
    """
    ui.by(m.EXPORT_MENU).click()
    link = ui.by(m.download(fmt, kind))
    link.wait_for(state="visible")
    href = link.get_attribute("href") or ""
    with ui.page.expect_download() as caught:
        link.click()
    file = caught.value
    failure = file.failure()
    assert failure is None, f"download {fmt} {kind} failed: {failure}"
    target = tmp_path / file.suggested_filename
    file.save_as(target)
    # A menu left open would hide the next button on narrow layouts.
    ui.page.keyboard.press("Escape")
    return target, file.suggested_filename, href


def api_json(api: httpx.Client, href: str) -> dict[str, Any]:
    """The JSON answer of the route a download link points to."""
    parts = urlsplit(href)
    params = {k: v[0] for k, v in parse_qs(parts.query).items() if k not in ("format", "delimiter")}
    answer = api.get(parts.path, params=params)
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture
def october(ui: UI, api: httpx.Client) -> tuple[date, date]:
    """The last whole month before the newest data, opened on the Consommation page."""
    end = date.fromisoformat(daily_newest(api, PDL)).replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    ui.open(m.PAGE_CONSUMPTION, pdl=PDL, period="custom", start=str(start), end=str(end))
    return start, end


def test_csv_download_holds_exactly_the_api_rows(
    ui: UI, api: httpx.Client, october: tuple[date, date], tmp_path: Path
) -> None:
    """The CSV is byte for byte the API's file, and its rows are the JSON rows."""
    start, end = october
    path, name, href = download(ui, "csv", "consumption_daily", tmp_path)
    assert name == f"consumption_daily_{PDL}_{start}_{end}.csv"
    query = parse_qs(urlsplit(href).query)
    assert query["start"] == [str(start)] and query["end"] == [str(end)]
    assert query["format"] == ["csv"]
    content = path.read_bytes()
    assert content == api.get(href).content
    body = api_json(api, href)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert [(r["date"], int(r["value_wh"]), r["quality"]) for r in rows] == [
        (d["date"], d["value_wh"], d["quality"]) for d in body["data"]
    ]
    assert len(rows) == (end - start).days + 1


def test_xlsx_download_holds_exactly_the_api_rows(
    ui: UI, api: httpx.Client, october: tuple[date, date], tmp_path: Path
) -> None:
    """The workbook's first sheet has the JSON rows as typed cells (date cells, numbers)."""
    start, end = october
    path, name, href = download(ui, "xlsx", "consumption_daily", tmp_path)
    assert name == f"consumption_daily_{PDL}_{start}_{end}.xlsx"
    body = api_json(api, href)
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book.worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert [str(h) for h in header[:3]] == ["date", "value_wh", "quality"]
    got = []
    for cell_date, wh, quality, *_ in rows:
        assert isinstance(cell_date, datetime), f"date cell {cell_date!r} is not a date"
        assert isinstance(wh, int | float)
        got.append((cell_date.date().isoformat(), int(wh), quality))
    assert got == [(d["date"], d["value_wh"], d["quality"]) for d in body["data"]]
    book.close()


def test_load_curve_csv_download_holds_the_api_points(
    ui: UI, api: httpx.Client, october: tuple[date, date], tmp_path: Path
) -> None:
    """The load curve's CSV (the day or week the chart shows) has the JSON points."""
    path, _, href = download(ui, "csv", "consumption_detail", tmp_path)
    body = api_json(api, href)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows, "an empty load curve"
    assert [(r["start"], r["end"], int(r["avg_w"]), float(r["wh"])) for r in rows] == [
        (p["start"], p["end"], p["avg_w"], p["wh"]) for p in body["data"]
    ]
