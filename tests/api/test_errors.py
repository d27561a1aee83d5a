"""Bad input answers 422 naming the field; an unknown PDL or EcoWatt day answers 404."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import DEMO_TEMPO_PDL, SECRET, UNKNOWN_PDL, field_of

PDL_ROUTES = [
    "/api/consumption/daily/{pdl}",
    "/api/production/daily/{pdl}",
    "/api/consumption/detail/{pdl}",
    "/api/production/detail/{pdl}",
    "/api/max_power/{pdl}",
]
DATA_ROUTES = [r.format(pdl=DEMO_TEMPO_PDL) for r in PDL_ROUTES] + ["/api/tempo"]


@pytest.mark.parametrize("route", [*PDL_ROUTES, "/api/pdl/{pdl}"])
@pytest.mark.parametrize("pdl", ["123", "1234567890123a", "123456789012345"])
async def test_invalid_pdl_is_422_naming_pdl(
    client: httpx.AsyncClient, route: str, pdl: str
) -> None:
    response = await client.get(route.format(pdl=pdl))
    assert field_of(response) == ["pdl"]
    (error,) = response.json()["detail"]
    assert error["loc"] == ["path", "pdl"] and "14 digits" in error["msg"]


@pytest.mark.parametrize("route", [*PDL_ROUTES, "/api/pdl/{pdl}"])
async def test_unknown_pdl_is_404_with_a_message(client: httpx.AsyncClient, route: str) -> None:
    response = await client.get(route.format(pdl=UNKNOWN_PDL))
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert UNKNOWN_PDL in detail and "/api/pdl" in detail


@pytest.mark.parametrize("route", DATA_ROUTES)
@pytest.mark.parametrize("field", ["start", "end"])
@pytest.mark.parametrize(
    "value", ["2024-13-01", "01/02/2024", "2024-1-5", "yesterday", "1700000000"]
)
async def test_malformed_date_is_422_naming_it(
    client: httpx.AsyncClient, route: str, field: str, value: str
) -> None:
    response = await client.get(route, params={field: value})
    assert field_of(response) == [field]
    assert "YYYY-MM-DD" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("route", DATA_ROUTES)
async def test_reversed_range_is_422_naming_end(client: httpx.AsyncClient, route: str) -> None:
    response = await client.get(route, params={"start": "2024-10-10", "end": "2024-10-09"})
    assert field_of(response) == ["end"]
    assert "before start" in response.json()["detail"][0]["msg"]


async def test_date_out_of_the_supported_years_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get(DATA_ROUTES[0], params={"start": "1900-01-01"})
    assert field_of(response) == ["start"]


@pytest.mark.parametrize("route", [*DATA_ROUTES, "/api/ecowatt"])
async def test_unknown_format_is_422_naming_format(client: httpx.AsyncClient, route: str) -> None:
    response = await client.get(route, params={"format": "pdf"})
    assert field_of(response) == ["format"]


@pytest.mark.parametrize("route", [*DATA_ROUTES, "/api/ecowatt"])
async def test_unknown_delimiter_is_422_naming_delimiter(
    client: httpx.AsyncClient, route: str
) -> None:
    response = await client.get(route, params={"format": "csv", "delimiter": "|"})
    assert field_of(response) == ["delimiter"]


async def test_a_bad_pdl_is_reported_before_an_unknown_one(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/consumption/daily/abc", params={"start": "x"})
    assert response.status_code == 422
    assert "pdl" in field_of(response)


async def test_bad_ecowatt_date_is_422_naming_date(client: httpx.AsyncClient) -> None:
    assert field_of(await client.get("/api/ecowatt", params={"date": "15/11/2024"})) == ["date"]


async def test_unknown_ecowatt_day_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/ecowatt", params={"date": "2020-01-01"})
    assert response.status_code == 404
    assert "2020-01-01" in response.json()["detail"]


async def test_no_answer_contains_the_client_secret(client: httpx.AsyncClient) -> None:
    urls = [
        *DATA_ROUTES,
        "/api/pdl",
        f"/api/pdl/{DEMO_TEMPO_PDL}",
        "/api/ecowatt",
        "/api/sync",
        "/api/health",
        "/openapi.json",
        f"/api/pdl/{UNKNOWN_PDL}",
        "/api/consumption/daily/abc",
    ]
    for url in urls:
        for params in ({}, {"format": "csv"}):
            response = await client.get(url, params=params)
            assert SECRET not in response.text, url
            assert SECRET.encode() not in response.content, url


#: Strings that ``\d`` (Unicode digits) or ``$`` (a final newline) would have let through.
NOT_ASCII_PDLS = [
    "١٢٣٤٥٦٧٨٩٠١٢٣٤",  # Arabic-Indic digits
    "１２３４５６７８９０１２３４",  # full-width digits
    "0999900000000\u0661",  # one non-ASCII digit at the end
]


@pytest.mark.parametrize("pdl", NOT_ASCII_PDLS)
async def test_a_pdl_is_ascii_digits_only(client: httpx.AsyncClient, pdl: str) -> None:
    for route in [*PDL_ROUTES, "/api/pdl/{pdl}"]:
        response = await client.get(route.format(pdl=pdl))
        assert field_of(response) == ["pdl"], route
    statistics = await client.get("/api/export/home_assistant/statistics", params={"pdl": pdl})
    assert field_of(statistics) == ["pdl"]


def test_the_domain_rule_refuses_non_ascii_digits() -> None:
    from myelectricaldata.domain.errors import InvalidInput
    from myelectricaldata.domain.types import validate_pdl

    assert validate_pdl("09999000000001") == "09999000000001"
    for pdl in [*NOT_ASCII_PDLS, "09999000000001\n"]:
        with pytest.raises(InvalidInput):
            validate_pdl(pdl)


@pytest.mark.parametrize("value", ["２０２４-11-01", "2024-1١-01"])
async def test_a_date_is_ascii_digits_only(client: httpx.AsyncClient, value: str) -> None:
    response = await client.get(DATA_ROUTES[0], params={"start": value})
    assert field_of(response) == ["start"]
