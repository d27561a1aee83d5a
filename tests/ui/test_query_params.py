"""The UI's URL parameters are validated like the API's: odd input gets a page that says which
parameter was refused and why (or a 4xx), never a 500.

The app runs over demo data with a fixed clock, through Starlette's TestClient (NiceGUI pages
are built on the request, so a builder that raises shows up as a 500 here).
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from myelectricaldata.api import create_app
from myelectricaldata.runtime import Runtime
from myelectricaldata.sources.demo import DEMO_SOLAR_PDL, DEMO_TEMPO_PDL, DemoSource
from myelectricaldata.ui import markers as m
from tests.api.conftest import fill, fixed_clock, make_settings

PERIOD_PAGES = ("/consumption", "/production", "/balance", "/cost")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The service's app (API and UI) over demo data, its lifespan running."""
    data_dir: Path = tmp_path_factory.mktemp("ui-params")
    source = DemoSource(clock=fixed_clock)
    runtime = Runtime.from_settings(make_settings(data_dir), source=source)
    asyncio.run(fill(runtime, source))
    app = create_app(runtime, clock=fixed_clock)
    with TestClient(app, raise_server_exceptions=False) as http:
        yield http


def refused(page: str) -> str:
    """The ``data-value`` of the page's refused-parameters banner (``""`` when there is none)."""
    text = html.unescape(page).replace("\\", "")
    found = re.search(
        r'"data-testid"\s*:\s*"query:error"[^}]*?"data-value"\s*:\s*"([^"]*)"', text
    ) or re.search(r'"data-value"\s*:\s*"([^"]*)"[^}]*?"data-testid"\s*:\s*"query:error"', text)
    return found.group(1) if found else ""


#: The reports of issue 12 and their neighbours: dates beyond what a date can be shifted to.
REPORTED = [
    ("/consumption", {"period": "year", "start": "9999-01-01"}),
    ("/production", {"period": "year", "start": "9999-01-01"}),
    ("/balance", {"period": "year", "start": "9999-01-01"}),
    ("/balance", {"gross_kwh": "1e308"}),
    ("/cost", {"period": "year", "start": "9999-01-01"}),
    ("/consumption", {"period": "custom", "start": "0001-01-01", "end": "9999-12-31"}),
    ("/consumption", {"period": "month", "start": "9999-12-31"}),
    ("/consumption", {"period": "week", "start": "0001-01-01"}),
    ("/tempo", {"season": "9999-12-31"}),
    ("/tempo", {"season": "0001-01-01"}),
]


@pytest.mark.parametrize(("path", "query"), REPORTED, ids=[f"{p}?{q}" for p, q in REPORTED])
def test_out_of_range_dates_and_amounts_never_give_a_500(
    client: TestClient, path: str, query: dict[str, str]
) -> None:
    answer = client.get(path, params=query)
    assert answer.status_code == 200, answer.text[-800:]


@pytest.mark.parametrize("path", PERIOD_PAGES)
def test_a_date_out_of_range_is_refused_and_said(client: TestClient, path: str) -> None:
    answer = client.get(
        path, params={"pdl": DEMO_SOLAR_PDL, "period": "year", "start": "9999-01-01"}
    )
    assert answer.status_code == 200
    assert refused(answer.text) == "start"
    # The message names the parameter, the value and the accepted range, in French.
    assert "9999-01-01 est hors limites" in answer.text
    assert "01/01/1970" in answer.text and "31/12/2100" in answer.text


def test_the_refusal_speaks_english_on_an_english_page(client: TestClient) -> None:
    answer = client.get(
        "/consumption", params={"period": "year", "start": "9999-01-01", "lang": "en"}
    )
    assert answer.status_code == 200
    assert "9999-01-01 is out of range" in answer.text


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"start": "2024-02-30"}, "start"),
        ({"start": "yesterday"}, "start"),
        ({"start": "２０２４-０１-０１"}, "start"),  # full-width digits are not ISO digits
        ({"period": "decade"}, "period"),
        ({"period": "custom", "start": "2024-03-01", "end": "2024-01-01"}, "end"),
        ({"period": "custom", "start": "1971-01-01", "end": "2024-01-01"}, "end"),
        ({"pdl": "12345678901234"}, "pdl"),
        (
            {"pdl": "<img src=x onerror=alert(1)>", "period": "x", "end": "2200-01-01"},
            "pdl,period,end",
        ),
    ],
)
def test_each_refused_parameter_is_named(
    client: TestClient, query: dict[str, str], names: str
) -> None:
    answer = client.get("/consumption", params=query)
    assert answer.status_code == 200, answer.text[-800:]
    assert refused(answer.text) == names
    # A value quoted back in a message is text, never markup.
    assert "<img src=x" not in answer.text


def test_valid_parameters_give_no_banner(client: TestClient) -> None:
    for path in PERIOD_PAGES:
        answer = client.get(
            path,
            params={"pdl": DEMO_TEMPO_PDL, "period": "custom", "start": "2024-11-01",
                    "end": "2024-11-14"},
        )  # fmt: skip
        assert answer.status_code == 200
        assert m.QUERY_ERROR not in answer.text, path


@pytest.mark.parametrize(
    "gross",
    ["1e308", "-5", "nan", "inf", "1" * 400, "10000001", "abc", "1,2,3", "0x10"],
)
def test_balance_refuses_an_inverter_production_that_is_no_amount(
    client: TestClient, gross: str
) -> None:
    answer = client.get("/balance", params={"pdl": DEMO_SOLAR_PDL, "gross_kwh": gross})
    assert answer.status_code == 200, answer.text[-800:]
    assert m.BALANCE_ERROR in answer.text
    assert "saisissez un nombre de kWh de 0 à 10" in answer.text


#: The parameters each page reads.
READS = {
    "/consumption": ("pdl", "period", "start", "end"),
    "/production": ("start", "end"),
    "/balance": ("start", "gross_kwh"),
    "/cost": ("start",),
    "/tempo": ("season",),
    "/exporter": ("type",),
    "/": ("lang", "theme"),
}
#: Values a browser or a script could send.
ODD = ["", "-1", "9" * 40, "NaN", "2024-13-01", "0000-01-01", "2101-01-01", "%00", "🙂", "a" * 3000]


@pytest.mark.parametrize("path", sorted(READS))
def test_a_fuzz_of_odd_parameters_never_gives_a_500(client: TestClient, path: str) -> None:
    """Every parameter a page reads, with odd values: never a 500."""
    failures = []
    for name in READS[path]:
        for value in ODD:
            status = client.get(path, params={name: value}).status_code
            if status >= 500:
                failures.append(f"{path}?{name}={value[:20]!r}: {status}")
    assert not failures, failures


def test_an_unknown_page_is_a_french_404_and_an_unknown_api_path_stays_json(
    client: TestClient,
) -> None:
    answer = client.get("/no/such/page")
    assert answer.status_code == 404
    assert m.PAGE_NOT_FOUND in answer.text
    assert "Page introuvable" in answer.text and 'lang="fr"' in answer.text
    english = client.get("/no/such/page", params={"lang": "en"})
    assert english.status_code == 404
    assert "Page not found" in english.text and 'lang="en-US"' in english.text
    api = client.get("/api/no/such/route")
    assert api.status_code == 404
    assert api.json()["detail"].startswith("no API route")
