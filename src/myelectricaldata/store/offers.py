"""The offers catalogue with its history, each PDL's offer, and the user's own dated prices.

The catalogue is refreshed at most daily (:func:`refresh_catalogue`); a row the gateway stops
listing is kept, so past days keep the price they had. A PDL's offer is the user's choice when
there is one, else the offer picked on the gateway's site (``/pdl`` ``selected_offer_id``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from myelectricaldata.domain.offers import (
    PERSONAL_PREFIX,
    Catalogue,
    Offer,
    OfferType,
    PersonalPrices,
    Provider,
    WeekSchedule,
    bare_name,
    parse_hc_schedules,
    personal_offer_id,
    personal_offers,
)
from myelectricaldata.sources.offers import OffersUnavailable, ParsedCatalogue
from myelectricaldata.store import schema as t
from myelectricaldata.store.repo import Store
from myelectricaldata.store.reprice import RepriceReason, every_pdl_in, mark_in

logger = logging.getLogger(__name__)

#: The catalogue is fetched again once it is this old (the gateway asks for at most daily).
CATALOGUE_MAX_AGE = timedelta(days=1)
FETCHED_KEY = "offers.fetched_at"
FAILED_KEY = "offers.failed_at"
#: After a failed fetch, the next one waits this long (requests must not each wait on retries).
RETRY_AFTER_FAILURE = timedelta(hours=1)
#: ``pdl`` of personal prices that apply to every meter without its own.
EVERY_PDL = "*"


def _now() -> datetime:
    return datetime.now(UTC)


def _schedules_json(schedules: WeekSchedule | None) -> str | None:
    return json.dumps(schedules.as_json(), sort_keys=True) if schedules is not None else None


@dataclass(frozen=True, slots=True)
class Selection:
    """The offer ids a PDL is tied to: picked on the gateway's site, and chosen here."""

    pdl: str
    gateway_offer_id: str | None
    user_offer_id: str | None

    @property
    def offer_id(self) -> str | None:
        """The one in force: the user's choice wins."""
        return self.user_offer_id or self.gateway_offer_id


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What a catalogue refresh did."""

    fetched: bool
    rows: int
    rejected: int
    fetched_at: datetime | None
    error: str | None = None


class OfferStore:
    """Typed access to the offers tables of a :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    def _insert(self, table: Any) -> Any:
        dialect = self.engine.dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)

    # -- catalogue -----------------------------------------------------------------------------

    def save_catalogue(self, catalogue: Catalogue, *, fetched_at: datetime | None = None) -> int:
        """Upsert every provider and row (rows no longer listed are kept); returns the rows."""
        now = fetched_at or _now()
        providers = [
            {"id": p.id, "name": p.name, "website": p.website, "updated_at": now}
            for p in catalogue.providers.values()
        ]
        rows = [
            {
                "id": o.id,
                "provider_id": o.provider_id,
                "name": o.name,
                "offer_type": o.offer_type.value,
                "power_kva": o.power_kva,
                "valid_from": o.valid_from,
                "valid_to": o.valid_to,
                "subscription_eur_month": o.subscription_eur_month,
                "prices": json.dumps(dict(o.prices), sort_keys=True),
                "hc_schedules": _schedules_json(o.hc_schedules),
                "offer_url": o.offer_url,
                "is_active": o.is_active,
                "price_updated_at": o.price_updated_at,
                "origin": o.origin,
                "updated_at": now,
            }
            for o in catalogue.offers
        ]
        with self.engine.begin() as conn:
            repriced = self._repriced_families(conn, rows)
            for table, values in ((t.offer_providers, providers), (t.offers, rows)):
                if not values:
                    continue
                stmt = self._insert(table)
                keys = [k for k in values[0] if k != "id"]
                conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["id"], set_={k: stmt.excluded[k] for k in keys}
                    ),
                    values,
                )
            if repriced:
                for pdl in every_pdl_in(conn):
                    family = self._family_in(conn, self._selection_in(conn, pdl).offer_id)
                    if family in repriced:
                        mark_in(conn, pdl, repriced[family], RepriceReason.PRICES)
        self.store.put_setting(FETCHED_KEY, now.astimezone(UTC).isoformat())
        return len(rows)

    @staticmethod
    def _repriced_families(conn: Any, rows: list[dict[str, Any]]) -> dict[tuple[str, ...], date]:
        """The offers whose prices in force on some day change with ``rows`` (a new row, or a
        row whose prices, dates or hours changed), each with the first day it re-prices."""
        c = t.offers.c
        fields = ("valid_from", "valid_to", "subscription_eur_month", "prices", "hc_schedules")
        stored = {
            r.id: tuple(getattr(r, f) for f in fields)
            for r in conn.execute(select(c.id, *(c[f] for f in fields))).all()
        }
        first: dict[tuple[str, ...], date] = {}
        for row in rows:
            before = stored.get(row["id"])
            if before == tuple(row[f] for f in fields):
                continue
            day = row["valid_from"] if before is None else min(row["valid_from"], before[0])
            family = (row["provider_id"], row["offer_type"], bare_name(row["name"]))
            first[family] = min(day, first.get(family, day))
        return first

    def fetched_at(self) -> datetime | None:
        """When the catalogue was last saved."""
        saved = self.store.get_setting(FETCHED_KEY)
        return datetime.fromisoformat(saved[0]) if saved else None

    def catalogue(self) -> Catalogue:
        """Every stored row and provider."""
        with self.engine.connect() as conn:
            providers = conn.execute(select(t.offer_providers)).all()
            rows = conn.execute(select(t.offers).order_by(t.offers.c.id)).all()
        by_id = {p.id: Provider(p.id, p.name, p.website) for p in providers}
        offers = []
        for r in rows:
            provider = by_id.get(r.provider_id)
            offers.append(
                Offer(
                    id=r.id,
                    provider_id=r.provider_id,
                    name=r.name,
                    offer_type=OfferType(r.offer_type),
                    subscription_eur_month=r.subscription_eur_month,
                    valid_from=r.valid_from,
                    valid_to=r.valid_to,
                    power_kva=r.power_kva,
                    prices=json.loads(r.prices),
                    hc_schedules=parse_hc_schedules(
                        json.loads(r.hc_schedules) if r.hc_schedules else None
                    ),
                    offer_url=r.offer_url,
                    is_active=r.is_active,
                    price_updated_at=r.price_updated_at,
                    provider_name=provider.name if provider else "",
                    origin=r.origin,
                )
            )
        return Catalogue(offers, by_id.values())

    # -- a PDL's offer -------------------------------------------------------------------------

    def selection(self, pdl: str) -> Selection:
        """The offer ids of ``pdl`` (both ``None`` when nothing is chosen)."""
        with self.engine.connect() as conn:
            return self._selection_in(conn, pdl)

    def _set(self, pdl: str, column: str, offer_id: str | None) -> None:
        row = {"pdl": pdl, column: offer_id, "updated_at": _now()}
        stmt = self._insert(t.pdl_offers).values(row)
        with self.engine.begin() as conn:
            before = self._family_in(conn, self._selection_in(conn, pdl).offer_id)
            self._upsert_selection(conn, stmt, column)
            if self._family_in(conn, self._selection_in(conn, pdl).offer_id) != before:
                # Another offer prices every day already exported: all of them again. Another
                # row of the same offer (the site picks the newest grid) prices nothing anew.
                mark_in(conn, pdl, None, RepriceReason.OFFER)

    @staticmethod
    def _family_in(conn: Any, offer_id: str | None) -> tuple[str, ...] | None:
        """The offer an id selects (:attr:`Offer.family`): its rows over time and kVA price
        alike; an id the catalogue does not hold stands for itself."""
        if offer_id is None:
            return None
        if offer_id.startswith(PERSONAL_PREFIX):
            return (offer_id,)
        c = t.offers.c
        row = conn.execute(
            select(c.provider_id, c.offer_type, c.name).where(c.id == offer_id)
        ).first()
        if row is None:
            return (offer_id,)
        return (row.provider_id, row.offer_type, bare_name(row.name))

    @staticmethod
    def _selection_in(conn: Any, pdl: str) -> Selection:
        c = t.pdl_offers.c
        row = conn.execute(select(c.gateway_offer_id, c.user_offer_id).where(c.pdl == pdl)).first()
        if row is None:
            return Selection(pdl, None, None)
        return Selection(pdl, row.gateway_offer_id, row.user_offer_id)

    @staticmethod
    def _upsert_selection(conn: Any, stmt: Any, column: str) -> None:
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["pdl"],
                set_={column: stmt.excluded[column], "updated_at": stmt.excluded.updated_at},
            )
        )

    def set_gateway_offer(self, pdl: str, offer_id: str | None) -> None:
        """Record ``selected_offer_id`` as ``/pdl`` gives it (the sync calls this)."""
        self._set(pdl, "gateway_offer_id", offer_id)

    def set_user_offer(self, pdl: str, offer_id: str | None) -> None:
        """Record the user's choice (``None`` falls back to the gateway's)."""
        self._set(pdl, "user_offer_id", offer_id)

    # -- personal prices -----------------------------------------------------------------------

    def personal_versions(self, pdl: str) -> list[PersonalPrices]:
        """The user's dated prices for ``pdl``: its own per type, else those for every meter."""
        c = t.personal_prices.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.personal_prices)
                .where(c.pdl.in_([pdl, EVERY_PDL]))
                .order_by(c.offer_type, c.valid_from)
            ).all()
        own_types = {r.offer_type for r in rows if r.pdl == pdl}
        return [
            PersonalPrices(
                OfferType(r.offer_type),
                r.valid_from,
                r.subscription_eur_month,
                json.loads(r.prices),
                parse_hc_schedules(json.loads(r.hc_schedules) if r.hc_schedules else None),
            )
            for r in rows
            if r.pdl == pdl or r.offer_type not in own_types
        ]

    def _mark_personal(self, conn: Any, pdl: str, offer_type: OfferType, first: date) -> None:
        """Mark from ``first`` the meters priced by the user's own prices of ``offer_type``
        (``pdl`` ``*``: every meter whose offer they are)."""
        wanted = personal_offer_id(offer_type)
        pdls = every_pdl_in(conn) if pdl == EVERY_PDL else [pdl]
        for one in pdls:
            if self._selection_in(conn, one).offer_id == wanted:
                mark_in(conn, one, first, RepriceReason.PRICES)

    def put_personal(self, pdl: str, version: PersonalPrices) -> None:
        """Add or replace the version of ``pdl`` that starts on ``version.valid_from``; the days
        it prices that were exported are marked for re-export."""
        row = {
            "pdl": pdl,
            "offer_type": version.offer_type.value,
            "valid_from": version.valid_from,
            "subscription_eur_month": version.subscription_eur_month,
            "prices": json.dumps(dict(version.prices), sort_keys=True),
            "hc_schedules": _schedules_json(version.hc_schedules),
            "updated_at": _now(),
        }
        stmt = self._insert(t.personal_prices).values(row)
        keys = ("subscription_eur_month", "prices", "hc_schedules", "updated_at")
        with self.engine.begin() as conn:
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["pdl", "offer_type", "valid_from"],
                    set_={k: stmt.excluded[k] for k in keys},
                )
            )
            self._mark_personal(conn, pdl, version.offer_type, version.valid_from)

    def delete_personal(self, pdl: str, offer_type: OfferType, valid_from: date) -> bool:
        """Remove one version; ``False`` when there was none."""
        c = t.personal_prices.c
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(t.personal_prices).where(
                    c.pdl == pdl, c.offer_type == offer_type.value, c.valid_from == valid_from
                )
            )
            if result.rowcount:
                self._mark_personal(conn, pdl, offer_type, valid_from)
        return bool(result.rowcount)

    # -- what pricing reads --------------------------------------------------------------------

    def catalogue_for(self, pdl: str) -> Catalogue:
        """The stored catalogue plus the user's dated prices for ``pdl``."""
        stored = self.catalogue()
        personal = personal_offers(self.personal_versions(pdl))
        return Catalogue([*stored.offers, *personal], stored.providers.values())

    def offer_of(self, pdl: str, catalogue: Catalogue, kva: float | None, on: date) -> Offer | None:
        """The PDL's offer as the row in force on ``on`` (else its latest row), ``None`` when
        nothing is chosen or the chosen id is not in the catalogue."""
        offer_id = self.selection(pdl).offer_id
        if offer_id is None:
            return None
        if offer_id.startswith(PERSONAL_PREFIX):
            rows = [
                o
                for o in catalogue.offers
                if o.origin == "personal" and personal_offer_id(o.offer_type) == offer_id
            ]
        else:
            chosen = catalogue.get(offer_id)
            rows = catalogue.versions(chosen, kva) if chosen is not None else []
        if not rows:
            return None
        return next((o for o in rows if o.valid_on(on)), rows[-1])


async def refresh_catalogue(
    offers: OfferStore,
    fetch: Callable[[], Awaitable[ParsedCatalogue]],
    *,
    now: datetime,
    force: bool = False,
    max_age: timedelta = CATALOGUE_MAX_AGE,
) -> RefreshResult:
    """Fetch and save the catalogue when it is older than ``max_age`` (or ``force``).

    A failed fetch keeps the stored catalogue and says why in ``error``.
    """
    last = await asyncio.to_thread(offers.fetched_at)
    if not force and last is not None and now - last < max_age:
        return RefreshResult(False, 0, 0, last)
    failed = await asyncio.to_thread(offers.store.get_setting, FAILED_KEY)
    if not force and failed is not None:
        failed_at = datetime.fromisoformat(failed[0])
        if now - failed_at < RETRY_AFTER_FAILURE:
            retry = (failed_at + RETRY_AFTER_FAILURE).isoformat()
            return RefreshResult(
                False, 0, 0, last, f"the last fetch failed; next try after {retry}"
            )
    try:
        parsed = await fetch()
    except OffersUnavailable as exc:
        logger.warning("offers catalogue not refreshed: %s", exc)
        await asyncio.to_thread(
            offers.store.put_setting, FAILED_KEY, now.astimezone(UTC).isoformat()
        )
        return RefreshResult(False, 0, 0, last, str(exc))
    rows = await asyncio.to_thread(offers.save_catalogue, parsed.catalogue, fetched_at=now)
    return RefreshResult(True, rows, len(parsed.rejected), now)
