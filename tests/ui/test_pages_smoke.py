"""Every page of the web UI answers 200 in French by default and carries its root marker.

Plain HTTP through Starlette's TestClient (which runs the app's lifespan, so NiceGUI starts as
it does in the service), on a small slice of demo data with a fixed clock. The browser tests of
``tests/e2e`` drive the same pages in Chromium.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from myelectricaldata.api import create_app
from myelectricaldata.runtime import Runtime
from myelectricaldata.sources.demo import DEMO_SOLAR_PDL, DEMO_TEMPO_PDL, DemoSource
from myelectricaldata.ui import i18n
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.data import lttb, period_of, resolve_period
from tests.api.conftest import fill, fixed_clock, make_settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The service's app (API and UI) over demo data, its lifespan running."""
    data_dir: Path = tmp_path_factory.mktemp("ui-data")
    source = DemoSource(clock=fixed_clock)
    runtime = Runtime.from_settings(make_settings(data_dir), source=source)
    asyncio.run(fill(runtime, source))
    app = create_app(runtime, clock=fixed_clock)
    with TestClient(app) as http:
        yield http


def _testids(html: str) -> set[str]:
    return set(re.findall(r'data-testid\\?["\']?\s*[:=]\s*\\?["\']([^"\'\\]+)', html))


@pytest.mark.parametrize("marker", sorted(m.PAGE_PATHS))
def test_every_page_answers_in_french_with_its_root_marker(client: TestClient, marker: str) -> None:
    answer = client.get(m.PAGE_PATHS[marker])
    assert answer.status_code == 200, answer.text[:500]
    assert marker in answer.text
    assert m.SWITCH_LANGUAGE in answer.text
    # French by default: the navigation says "Tableau de bord", the switch offers English.
    assert "Tableau de bord" in answer.text
    assert '"English"' in answer.text or ">English<" in answer.text


def test_english_on_request(client: TestClient) -> None:
    answer = client.get("/", params={"lang": "en"})
    assert answer.status_code == 200
    assert "Dashboard" in answer.text
    assert "Français" in answer.text


def test_dashboard_shows_the_catalogue_numbers(client: TestClient) -> None:
    html = client.get("/").text
    for pdl in (DEMO_TEMPO_PDL, DEMO_SOLAR_PDL):
        assert m.pdl_card(pdl) in html
        assert m.value(pdl, "consumption_yesterday") in html
    assert m.value(DEMO_SOLAR_PDL, "production_yesterday") in html
    assert m.SYNC_BUTTON in html and m.BADGE_DEMO in html


def test_consumption_period_total_is_the_api_sum(client: TestClient) -> None:
    start, end = "2024-11-01", "2024-11-14"
    html = client.get(
        "/consumption",
        params={"pdl": DEMO_TEMPO_PDL, "period": "custom", "start": start, "end": end},
    ).text
    api = client.get(
        f"/api/consumption/daily/{DEMO_TEMPO_PDL}", params={"start": start, "end": end}
    ).json()
    total = sum(day["value_wh"] for day in api["data"])
    marker = m.value(DEMO_TEMPO_PDL, "period_total_wh")
    assert marker in html
    # The marked element carries the exact Wh sum as its data-value.
    around = html[html.index(marker) - 400 : html.index(marker) + 400]
    assert f'"data-value":"{total}"' in around.replace(" ", "")
    for marker_name in (m.CHART_DAILY, m.CHART_LOAD_CURVE, m.CHART_MAX_POWER, m.TABLE_DAILY):
        assert marker_name in html
    links = html.replace("&amp;", "&")
    query = f"start={start}&end={end}"
    assert f"/api/consumption/daily/{DEMO_TEMPO_PDL}?{query}&format=csv" in links
    assert f"/api/consumption/detail/{DEMO_TEMPO_PDL}?{query}&format=xlsx" in links


def test_pages_open_on_each_period_kind(client: TestClient) -> None:
    for kind in ("day", "week", "month", "year", "custom"):
        for path in ("/consumption", "/production", "/cost", "/balance"):
            answer = client.get(path, params={"pdl": DEMO_SOLAR_PDL, "period": kind})
            assert answer.status_code == 200, (path, kind)
            assert m.period(kind) in answer.text


def test_unknown_api_path_stays_json(client: TestClient) -> None:
    answer = client.get("/api/no/such/route")
    assert answer.status_code == 404
    assert answer.json()["detail"].startswith("no API route")


def test_api_and_docs_still_answer_beside_the_ui(client: TestClient) -> None:
    assert client.get("/api/health").json()["status"] == "ok"
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_page_assets_come_from_the_service_only(client: TestClient) -> None:
    html = client.get("/consumption").text
    urls = re.findall(r'(?:src|href)="(https?:)?//[^"]+"', html)
    assert urls == [], urls


# -- helpers of the pages --------------------------------------------------------------------------


def test_kwh_formatting_rounds_half_up_in_each_language() -> None:
    assert i18n.kwh_from_wh(1234565, "fr") == "1\u202f234,57 kWh"
    assert i18n.kwh_from_wh(1234565, "en") == "1,234.57 kWh"
    assert i18n.kwh_from_wh(None, "fr") == "—"


def test_periods_follow_the_calendar() -> None:
    from datetime import date

    anchor = date(2024, 11, 14)
    assert resolve_period("week", None, None, anchor).start == date(2024, 11, 11)
    assert resolve_period("month", None, None, anchor).end == date(2024, 11, 30)
    assert period_of("month", date(2024, 1, 31)).shifted(1).start == date(2024, 2, 1)
    custom = resolve_period("custom", date(2024, 3, 1), date(2024, 2, 1), anchor)
    assert (custom.start, custom.end) == (date(2024, 2, 1), date(2024, 3, 1))


def test_lttb_keeps_the_ends_and_the_peaks() -> None:
    points = [[i, (1000 if i == 5000 else i % 7)] for i in range(20000)]
    sampled = lttb(points, 500)
    assert len(sampled) == 500
    assert sampled[0] == [0, 0] and sampled[-1] == points[-1]
    assert [5000, 1000] in sampled


def test_dashboard_marks_a_pdl_the_gateway_refuses_as_inactive_and_says_why(
    tmp_path: Path,
) -> None:
    runtime = Runtime.from_settings(make_settings(tmp_path), source=DemoSource(clock=fixed_clock))
    asyncio.run(runtime.sync.run(trigger="test", pdls=[DEMO_SOLAR_PDL], start=None, end=None))
    runtime.store.set_denied(DEMO_SOLAR_PDL, "ACCESS_DENIED: renew the Enedis consent")
    with TestClient(create_app(runtime, clock=fixed_clock)) as http:
        html = http.get("/").text
    assert "Point inactif ou consentement expiré" in html
    assert "renew the Enedis consent" in html
    assert "text-negative" in html
