"""The demo catalogue: EDF's regulated Tarif Bleu (Base, Heures Creuses, Tempo) at 6, 9 and
12 kVA, with the real prices of each tariff period since August 2023, in the gateway's own
row shape (DESIGN.md §4.0) so that it goes through the same parser as the real catalogue.

Prices are EUR incl. taxes (TTC): subscription per month, energy per kWh. Sources, per period:

- EDF's price sheet "Grille de prix de l'offre de fourniture d'électricité Tarif Bleu"
  (https://particulier.edf.fr/content/dam/2-Actifs/Documents/Offres/Grille_prix_Tarif_Bleu.pdf),
  as transcribed period by period in the public simulator JC144/EDF_Simulateur_Prix
  (scripts/tarifs/edf/*.js, one commit per grid: 2023-08-01, 2024-02-01, 2025-02-01,
  2025-08-01 with its 2025-10 correction of the Base kWh, 2026-02-01).
- Cross-checks: Tempo red HP 0.7324 in force in January 2024 (quechoisir.org, 2024-01);
  the 2025-08-01 grid equals the defaults of ``TariffPrices`` and the gateway's own EDF seed
  (apps/api/scripts/seed_edf_full_offers.py); the 2026-02-01 Base kWh 0.1940 (6 kVA) and
  0.1927 (9 kVA and more) match the CRE open data (Option_Base.csv: 0.19398, 0.19266).
- 2026-08-01 Base and Heures Creuses: release notes of hass-tarif-edf v2.4.1 ("grille
  officielle EDF du 1er août 2026": Base 0.2001 for 3-6 kVA, 0.1985 from 9 kVA; HC 0.1589,
  HP 0.2142) and the subscriptions of elec-moins-chere-prix data/offres.csv (checked
  2026-10-30). The 2026-08-01 Tempo kWh prices are published (evcc docs, hass-tarif-edf
  v2.4.0) but its subscriptions could not be found: that grid is left out, so Tempo stays at
  its 2026-02-01 row rather than mixing a guessed subscription in.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from myelectricaldata.domain.offers import Catalogue, Provider
from myelectricaldata.sources.offers import ParsedCatalogue, parse_catalogue

DEMO_PROVIDER = Provider("demo-edf", "EDF", "https://particulier.edf.fr")
PRICE_SHEET = (
    "https://particulier.edf.fr/content/dam/2-Actifs/Documents/Offres/Grille_prix_Tarif_Bleu.pdf"
)

BASE_NAME = "Tarif Bleu - Base"
HC_NAME = "Tarif Bleu - Heures Creuses"
TEMPO_NAME = "Tarif Bleu - Tempo"

# (valid_from, valid_to): each grid is closed by the next one (valid_to exclusive).
_P2023_08 = (date(2023, 8, 1), date(2024, 2, 1))
_P2024_02 = (date(2024, 2, 1), date(2025, 2, 1))
_P2025_02 = (date(2025, 2, 1), date(2025, 8, 1))
_P2025_08 = (date(2025, 8, 1), date(2026, 2, 1))
_P2026_02 = (date(2026, 2, 1), date(2026, 8, 1))
_P2026_08: tuple[date, date | None] = (date(2026, 8, 1), None)

# Option Base: {kVA: (subscription EUR/month, kWh EUR)}.
BASE: dict[tuple[date, date | None], dict[int, tuple[str, str]]] = {
    _P2023_08: {6: ("12.44", "0.2276"), 9: ("15.63", "0.2276"), 12: ("18.89", "0.2276")},
    _P2024_02: {6: ("12.60", "0.2516"), 9: ("15.79", "0.2516"), 12: ("19.04", "0.2516")},
    _P2025_02: {6: ("13.72", "0.2016"), 9: ("17.27", "0.2016"), 12: ("20.86", "0.2016")},
    _P2025_08: {6: ("15.47", "0.1952"), 9: ("19.39", "0.1952"), 12: ("23.32", "0.1952")},
    _P2026_02: {6: ("15.65", "0.1940"), 9: ("19.56", "0.1927"), 12: ("23.32", "0.1927")},
    _P2026_08: {6: ("15.86", "0.2001"), 9: ("19.88", "0.1985"), 12: ("23.76", "0.1985")},
}
# Option Heures Creuses: subscriptions {kVA: EUR/month} and (HC, HP) EUR/kWh.
HC_HP: dict[tuple[date, date | None], tuple[dict[int, str], tuple[str, str]]] = {
    _P2023_08: ({6: "12.85", 9: "16.55", 12: "19.97"}, ("0.1828", "0.2460")),
    _P2024_02: ({6: "13.01", 9: "16.70", 12: "20.13"}, ("0.2068", "0.2700")),
    _P2025_02: ({6: "14.04", 9: "18.01", 12: "21.69"}, ("0.1696", "0.2146")),
    _P2025_08: ({6: "15.74", 9: "19.81", 12: "23.76"}, ("0.1635", "0.2081")),
    _P2026_02: ({6: "15.65", 9: "19.56", 12: "23.32"}, ("0.1579", "0.2065")),
    _P2026_08: ({6: "15.86", 9: "19.88", 12: "23.76"}, ("0.1589", "0.2142")),
}
# Option Tempo: subscriptions and (blue HC, blue HP, white HC, white HP, red HC, red HP).
TEMPO: dict[tuple[date, date | None], tuple[dict[int, str], tuple[str, ...]]] = {
    _P2023_08: (
        {6: "12.80", 9: "16.00", 12: "19.29"},
        ("0.1056", "0.1369", "0.1246", "0.1654", "0.1328", "0.7324"),
    ),
    _P2024_02: (
        {6: "12.96", 9: "16.16", 12: "19.44"},
        ("0.1296", "0.1609", "0.1486", "0.1894", "0.1568", "0.7562"),
    ),
    _P2025_02: (
        {6: "13.97", 9: "17.45", 12: "20.96"},
        ("0.1288", "0.1552", "0.1447", "0.1792", "0.1518", "0.6586"),
    ),
    _P2025_08: (
        {6: "15.50", 9: "19.49", 12: "23.38"},
        ("0.1232", "0.1494", "0.1391", "0.1730", "0.1460", "0.6468"),
    ),
    (date(2026, 2, 1), None): (
        {6: "15.59", 9: "19.38", 12: "23.07"},
        ("0.1325", "0.1612", "0.1499", "0.1871", "0.1575", "0.7060"),
    ),
}
_TEMPO_FIELDS = (
    "tempo_blue_hc",
    "tempo_blue_hp",
    "tempo_white_hc",
    "tempo_white_hp",
    "tempo_red_hc",
    "tempo_red_hp",
)


def _money(text: str) -> str:
    """A price as the gateway serialises its Numeric(10, 5) columns: ``"0.19520"``."""
    return f"{Decimal(text):.5f}"


def _stamp(day: date | None) -> str | None:
    """A validity bound as the gateway writes it: UTC midnight with its offset."""
    return None if day is None else f"{day.isoformat()}T00:00:00+00:00"


def _row(
    offer_type: str,
    name: str,
    kva: int,
    period: tuple[date, date | None],
    subscription: str,
    prices: dict[str, str],
) -> dict[str, Any]:
    """One row with every key the gateway sends, unused prices ``null``."""
    start, end = period
    row: dict[str, Any] = {
        "id": f"demo-edf-{offer_type.lower()}-{kva}kva-{start.isoformat()}",
        "provider_id": DEMO_PROVIDER.id,
        "name": name,
        "offer_type": offer_type,
        "description": "Tarif réglementé de vente (TRV), prix TTC",
        "subscription_price": _money(subscription),
    }
    for key in (
        "base_price",
        "hc_price",
        "hp_price",
        "base_price_weekend",
        "hc_price_weekend",
        "hp_price_weekend",
        *_TEMPO_FIELDS,
        "ejp_normal",
        "ejp_peak",
        "hc_price_winter",
        "hp_price_winter",
        "hc_price_summer",
        "hp_price_summer",
        "peak_day_price",
    ):
        row[key] = _money(prices[key]) if key in prices else None
    row |= {
        "hc_schedules": None,
        "power_kva": kva,
        "price_updated_at": _stamp(start),
        "valid_from": _stamp(start),
        "valid_to": _stamp(end),
        "offer_url": PRICE_SHEET,
        # The gateway closes a replaced row with valid_to only: is_active stays true.
        "is_active": True,
        "created_at": _stamp(start),
    }
    return row


def demo_rows() -> list[dict[str, Any]]:
    """Every row of the demo catalogue, as ``GET /energy/offers?include_history=true`` sends."""
    rows: list[dict[str, Any]] = []
    for period, by_kva in BASE.items():
        for kva, (subscription, kwh) in by_kva.items():
            rows.append(_row("BASE", BASE_NAME, kva, period, subscription, {"base_price": kwh}))
    for period, (subscriptions, (hc, hp)) in HC_HP.items():
        for kva, subscription in subscriptions.items():
            prices = {"hc_price": hc, "hp_price": hp}
            rows.append(_row("HC_HP", HC_NAME, kva, period, subscription, prices))
    for period, (subscriptions, values) in TEMPO.items():
        for kva, subscription in subscriptions.items():
            prices = dict(zip(_TEMPO_FIELDS, values, strict=True))
            rows.append(_row("TEMPO", TEMPO_NAME, kva, period, subscription, prices))
    # Newest first, like the gateway (ORDER BY valid_from DESC).
    rows.sort(key=lambda r: r["valid_from"], reverse=True)
    return rows


def demo_providers() -> list[dict[str, Any]]:
    """``GET /energy/providers`` of the demo."""
    return [
        {
            "id": DEMO_PROVIDER.id,
            "name": DEMO_PROVIDER.name,
            "logo_url": None,
            "website": DEMO_PROVIDER.website,
            "scraper_urls": None,
        }
    ]


def demo_catalogue() -> Catalogue:
    """The demo catalogue, parsed like the gateway's."""
    parsed = parse_catalogue(demo_rows(), [DEMO_PROVIDER], origin="demo")
    if parsed.rejected:  # pragma: no cover - the tables above are checked by the tests
        raise AssertionError(f"demo catalogue rows rejected: {parsed.rejected}")
    return parsed.catalogue


@cache
def cached_demo_catalogue() -> Catalogue:
    """:func:`demo_catalogue`, parsed once per process (it never changes)."""
    return demo_catalogue()


class DemoOffers:
    """The offers feed of the demo: the demo catalogue, as the gateway's would be fetched."""

    async def fetch(self) -> ParsedCatalogue:
        """The demo catalogue (nothing rejected)."""
        return ParsedCatalogue(cached_demo_catalogue(), ())
