"""Costs recomputed from the REST API's rows, for the browser tests to compare the pages with:
the PDL's offer and every dated row of it at the meter's kVA (``/api/offers/pdl/{pdl}``), the
load curve (``/api/consumption/detail``), the Tempo colours and the off-peak hours of the
contract (``/api/pdl``). Nothing of the UI's or the billing code is used: each 30-minute point
is priced at the row in force on its own Paris day, in its own slot.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

PARIS = ZoneInfo("Europe/Paris")


def offer_of(api: httpx.Client, pdl: str) -> dict[str, Any]:
    """The PDL's offer as the API gives it: ``offer`` (in force today) and ``versions``."""
    answer = api.get(f"/api/offers/pdl/{pdl}")
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return body


def row_on(versions: list[dict[str, Any]], day: date) -> dict[str, Any]:
    """The dated row in force on ``day`` (``valid_to`` exclusive)."""
    for row in versions:
        start = date.fromisoformat(row["valid_from"])
        end = date.fromisoformat(row["valid_to"]) if row["valid_to"] else date.max
        if start <= day < end:
            return row
    raise AssertionError(f"no row of the offer is in force on {day}")


def offpeak_minutes(api: httpx.Client, pdl: str) -> list[tuple[int, int]]:
    """The contract's current off-peak ranges as (start, end) minutes of the day."""
    point = api.get(f"/api/pdl/{pdl}").json()["data"]
    spans = []
    for text in point["offpeak"]["current"]["ranges"]:
        start, end = text.split("-")
        h1, m1 = (int(x) for x in start.split(":"))
        h2, m2 = (int(x) for x in end.split(":"))
        spans.append((h1 * 60 + m1, h2 * 60 + m2))
    return spans


def is_offpeak(minute: int, spans: list[tuple[int, int]]) -> bool:
    """True when a minute of the day is inside one of the ranges (an end before its start
    crosses midnight)."""
    return any((a <= minute < b) if a < b else (minute >= a or minute < b) for a, b in spans)


def tempo_day(start: datetime) -> date:
    """The Tempo day an instant belongs to: they run 06:00 to 06:00."""
    local = start.astimezone(PARIS)
    return local.date() - timedelta(days=1) if local.hour < 6 else local.date()


def energy_eur(
    points: list[dict[str, Any]],
    versions: list[dict[str, Any]],
    colors: dict[str, str],
    spans: list[tuple[int, int]],
) -> float:
    """EUR of the load-curve points, each at its own day's row and slot (BASE, HC_HP or TEMPO;
    the points are 30 minutes long and never straddle a slot boundary in the demo data)."""
    total = 0.0
    for point in points:
        start = datetime.fromisoformat(point["start"])
        local = start.astimezone(PARIS)
        row = row_on(versions, local.date())
        prices = row["prices_eur_kwh"]
        kind = row["offer_type"]
        minute = local.hour * 60 + local.minute
        if kind == "BASE":
            price = prices["base_price"]
        elif kind == "HC_HP":
            price = prices["hc_price" if is_offpeak(minute, spans) else "hp_price"]
        elif kind == "TEMPO":
            color = colors[str(tempo_day(start))].lower()
            hours = "hc" if local.hour >= 22 or local.hour < 6 else "hp"
            price = prices[f"tempo_{color}_{hours}"]
        else:
            raise AssertionError(f"{kind}: not an offer type of the demo catalogue")
        total += point["wh"] / 1000 * price
    return total


def subscription_eur(versions: list[dict[str, Any]], start: date, end: date) -> float:
    """Each day's share of the monthly subscription of the row in force that day."""
    total, day = 0.0, start
    while day <= end:
        following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        month_days = (following - timedelta(days=1)).day
        total += row_on(versions, day)["subscription_eur_month"] / month_days
        day += timedelta(days=1)
    return total
