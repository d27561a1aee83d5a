"""Offers: the catalogue (with dated prices), each PDL's offer, the user's own dated prices,
and the offer simulator (``GET /api/simulation/{pdl}``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError

from myelectricaldata.api.params import (
    EndQuery,
    PdlPath,
    StartQuery,
    get_clock,
    get_runtime,
    invalid,
    not_found,
    parse_day,
    require_point,
    source_label,
    today_of,
)
from myelectricaldata.domain.billing import Bill, Calendars, DaySource, build_usage
from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offers import (
    PERSONAL_PREFIX,
    Catalogue,
    Offer,
    OfferType,
    PersonalPrices,
    personal_offer_id,
    personal_prices_from,
)
from myelectricaldata.domain.simulator import MAX_SIMULATION_DAYS, Ranked, Simulation, simulate
from myelectricaldata.domain.timeutil import local_midnight
from myelectricaldata.domain.types import Direction
from myelectricaldata.sources.demo_offers import demo_catalogue
from myelectricaldata.sources.offers import OffersClient, ParsedCatalogue
from myelectricaldata.store.offers import OfferStore, refresh_catalogue
from myelectricaldata.support.retry import Backoff

if TYPE_CHECKING:
    from myelectricaldata.runtime import Runtime

router = APIRouter(tags=["offers"])


def _body_error(field: str, message: str, value: Any = None) -> RequestValidationError:
    """A 422 naming a body field (``prices.hp_price`` -> ``["body", "prices", "hp_price"]``)."""
    loc = ("body", *field.split("."))
    return RequestValidationError(
        [{"type": "value_error", "loc": loc, "msg": message, "input": value}]
    )


async def _fetch_for(runtime: Runtime) -> ParsedCatalogue:
    if runtime.is_demo:
        return ParsedCatalogue(demo_catalogue(), ())
    # Fetched on a request's path: two quick attempts, not minutes of backoff (a failure keeps
    # the stored catalogue and is not tried again for an hour).
    policy = Backoff(attempts=2, base=0.5, cap=2.0, longest_wait=5.0)
    async with OffersClient(runtime.settings.med_api_url, policy=policy, timeout=15.0) as client:
        return await client.fetch()


async def ensure_catalogue(request: Request, *, force: bool = False) -> dict[str, Any]:
    """Refresh the stored catalogue when it is a day old (demo: the demo catalogue)."""
    runtime = get_runtime(request)
    offers = OfferStore(runtime.store)
    result = await refresh_catalogue(
        offers, lambda: _fetch_for(runtime), now=get_clock(request)(), force=force
    )
    return {
        "fetched_at": result.fetched_at.isoformat() if result.fetched_at else None,
        "refreshed": result.fetched,
        "rows_rejected": result.rejected,
        "error": result.error,
    }


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def offer_json(offer: Offer, catalogue: Catalogue | None = None) -> dict[str, Any]:
    """An offer row as the API shows it (EUR incl. taxes)."""
    return {
        "id": offer.id,
        "provider_id": offer.provider_id,
        "provider": catalogue.provider_name(offer) if catalogue else offer.provider_name,
        "name": offer.name,
        "offer_type": offer.offer_type.value,
        "power_kva": offer.power_kva,
        "valid_from": offer.valid_from.isoformat(),
        "valid_to": offer.valid_to.isoformat() if offer.valid_to else None,
        "subscription_eur_month": offer.subscription_eur_month,
        "prices_eur_kwh": dict(offer.prices),
        "hc_schedules": offer.hc_schedules.as_json() if offer.hc_schedules else None,
        "offer_url": offer.offer_url,
        "origin": offer.origin,
    }


# -- catalogue -----------------------------------------------------------------------------


@router.get("/api/offers", summary="Offers catalogue")
async def list_offers(
    request: Request,
    kva: Annotated[float | None, Query(gt=0, le=36, description="Subscribed power, kVA.")] = None,
    offer_type: Annotated[OfferType | None, Query(alias="type")] = None,
    on: Annotated[
        str | None, Query(description="Day the prices are in force (YYYY-MM-DD).")
    ] = None,
    history: Annotated[
        bool, Query(description="Every dated row, not only those in force.")
    ] = False,
) -> dict[str, Any]:
    """The offers in force on ``on`` (default today) for ``kva``, or every row with history."""
    day = parse_day(on, "on") or today_of(request)
    status = await ensure_catalogue(request)
    catalogue = await run_in_threadpool(OfferStore(get_runtime(request).store).catalogue)
    if history:
        rows = [
            o
            for o in catalogue.offers
            if o.fits(kva) and (offer_type is None or o.offer_type is offer_type)
        ]
        rows.sort(key=lambda o: (o.provider_id, o.name, o.power_kva or 0, o.valid_from))
    else:
        rows = catalogue.current(kva, day, offer_type=offer_type)
    return {
        "source": source_label(get_runtime(request)),
        "on": day.isoformat(),
        "catalogue": status,
        "providers": [
            {"id": p.id, "name": p.name, "website": p.website} for p in catalogue.providers.values()
        ],
        "data": [offer_json(o, catalogue) for o in rows],
    }


@router.post("/api/offers/refresh", summary="Fetch the offers catalogue now")
async def refresh_offers(request: Request) -> dict[str, Any]:
    """Fetch the catalogue now (the gateway asks for at most one fetch a day: use sparingly)."""
    return {"catalogue": await ensure_catalogue(request, force=True)}


# -- a PDL's offer -------------------------------------------------------------------------


async def _pdl_offer(request: Request, pdl: str) -> dict[str, Any]:
    runtime = get_runtime(request)
    point = await run_in_threadpool(require_point, runtime, pdl)
    await ensure_catalogue(request)
    offers = OfferStore(runtime.store)
    catalogue = await run_in_threadpool(offers.catalogue_for, pdl)
    selection = await run_in_threadpool(offers.selection, pdl)
    kva = point.point.subscribed_power_kva
    offer = await run_in_threadpool(offers.offer_of, pdl, catalogue, kva, today_of(request))
    versions = catalogue.versions(offer, kva) if offer is not None else []
    return {
        "pdl": pdl,
        "subscribed_power_kva": kva,
        "gateway_offer_id": selection.gateway_offer_id,
        "user_offer_id": selection.user_offer_id,
        "offer": offer_json(offer, catalogue) if offer else None,
        "versions": [offer_json(v, catalogue) for v in versions],
    }


@router.get("/api/offers/pdl/{pdl}", summary="A PDL's offer and its dated prices")
async def get_pdl_offer(request: Request, pdl: PdlPath) -> dict[str, Any]:
    """The offer in force for the PDL (the user's choice, else the one picked on the gateway's
    site) and every dated row of it at the meter's kVA."""
    return await _pdl_offer(request, pdl)


@router.put("/api/offers/pdl/{pdl}", summary="Choose a PDL's offer")
async def put_pdl_offer(
    request: Request, pdl: PdlPath, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """``{"offer_id": "..."}`` (a catalogue id, or ``personal:<TYPE>`` for your own prices);
    ``{"offer_id": null}`` goes back to the offer picked on the gateway's site."""
    runtime = get_runtime(request)
    await run_in_threadpool(require_point, runtime, pdl)
    if set(body) != {"offer_id"}:
        raise _body_error("offer_id", 'expected {"offer_id": "<id>"} or {"offer_id": null}')
    offer_id = body["offer_id"]
    if offer_id is not None and (not isinstance(offer_id, str) or not offer_id.strip()):
        raise _body_error("offer_id", "is not an offer id", offer_id)
    offers = OfferStore(runtime.store)
    if offer_id is not None:
        offer_id = offer_id.strip()
        await ensure_catalogue(request)
        catalogue = await run_in_threadpool(offers.catalogue_for, pdl)
        if offer_id.startswith(PERSONAL_PREFIX):
            known = any(
                o.origin == "personal" and personal_offer_id(o.offer_type) == offer_id
                for o in catalogue.offers
            )
            hint = "save your prices first: PUT /api/offers/personal/{pdl}"
        else:
            known = catalogue.get(offer_id) is not None
            hint = "GET /api/offers lists the offers"
        if not known:
            raise _body_error("offer_id", f"{offer_id!r} is not a known offer: {hint}", offer_id)
    await run_in_threadpool(offers.set_user_offer, pdl, offer_id)
    return await _pdl_offer(request, pdl)


# -- personal dated prices -----------------------------------------------------------------


def _personal_json(version: PersonalPrices) -> dict[str, Any]:
    return {
        "offer_type": version.offer_type.value,
        "offer_id": personal_offer_id(version.offer_type),
        "valid_from": version.valid_from.isoformat(),
        "subscription_eur_month": version.subscription_eur_month,
        "prices_eur_kwh": dict(version.prices),
        "hc_schedules": version.hc_schedules.as_json() if version.hc_schedules else None,
    }


@router.get("/api/offers/personal/{pdl}", summary="Your own dated prices")
async def get_personal(request: Request, pdl: PdlPath) -> dict[str, Any]:
    """Every version of your own prices for the PDL, oldest first per offer type."""
    runtime = get_runtime(request)
    await run_in_threadpool(require_point, runtime, pdl)
    versions = await run_in_threadpool(OfferStore(runtime.store).personal_versions, pdl)
    return {"pdl": pdl, "data": [_personal_json(v) for v in versions]}


@router.put("/api/offers/personal/{pdl}", summary="Save a version of your own prices")
async def put_personal(
    request: Request, pdl: PdlPath, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """One version: ``{"offer_type": "HC_HP", "valid_from": "2025-08-01",
    "subscription_eur_month": "15,74", "prices": {"hc_price": "0,1635", "hp_price": "0,2081"}}``.

    Prices are EUR incl. taxes (per kWh, per month); a French decimal comma is accepted. A bad
    value answers 422 naming the field (``["body", "prices", "hp_price"]``) and stores nothing.
    """
    runtime = get_runtime(request)
    await run_in_threadpool(require_point, runtime, pdl)
    try:
        version = personal_prices_from(body)
    except InvalidInput as exc:
        raise _body_error(exc.field, exc.reason) from None
    await run_in_threadpool(OfferStore(runtime.store).put_personal, pdl, version)
    return await get_personal(request, pdl)


@router.delete(
    "/api/offers/personal/{pdl}/{offer_type}/{valid_from}",
    summary="Remove a version of your own prices",
)
async def delete_personal(
    request: Request, pdl: PdlPath, offer_type: OfferType, valid_from: str
) -> dict[str, Any]:
    """Remove the version of ``offer_type`` that starts on ``valid_from``."""
    runtime = get_runtime(request)
    await run_in_threadpool(require_point, runtime, pdl)
    day = parse_day(valid_from, "valid_from")
    assert day is not None
    removed = await run_in_threadpool(
        OfferStore(runtime.store).delete_personal, pdl, offer_type, day
    )
    if not removed:
        raise not_found(f"no {offer_type.value} prices of {pdl} start on {day}")
    return await get_personal(request, pdl)


# -- simulator -----------------------------------------------------------------------------


def _bill_json(bill: Bill, catalogue: Catalogue) -> dict[str, Any]:
    return {
        "offer": offer_json(bill.offer, catalogue),
        "exact": bill.exact,
        "total_eur": _round(bill.total_eur),
        "low_eur": _round(bill.low_eur),
        "high_eur": _round(bill.high_eur),
        "energy_eur": _round(bill.energy_eur),
        "subscription_eur": _round(bill.subscription_eur),
        "kwh": round(bill.total_kwh, 3),
        "unknown_kwh": round(bill.unknown_kwh, 3),
        "problems": [p.value for p in bill.problems],
        "unpriced_days": len(bill.unpriced_days),
        "slots": [
            {
                "tag": s.tag,
                "kwh": round(s.kwh, 3),
                "eur": round(s.eur, 2),
                "average_eur_kwh": _round(s.average_eur_kwh, 5),
            }
            for s in bill.slots
        ],
    }


def _ranked_json(item: Ranked, catalogue: Catalogue) -> dict[str, Any]:
    return {
        "rank": item.rank,
        "is_current": item.is_current,
        "saving_eur": _round(item.saving_eur),
        **_bill_json(item.bill, catalogue),
    }


def simulation_json(sim: Simulation, catalogue: Catalogue) -> dict[str, Any]:
    """The simulation as the API answers it."""
    usage = sim.usage
    return {
        "start": sim.first.isoformat(),
        "end": sim.last.isoformat(),
        "days": sim.days,
        "subscribed_power_kva": sim.kva,
        "prices_on": None if sim.dated else sim.as_of.isoformat(),
        "pricing": "dated" if sim.dated else "current",
        "days_with_load_curve": usage.count(DaySource.CURVE),
        "days_from_daily_values": usage.count(DaySource.ESTIMATED),
        "days_partial": usage.count(DaySource.PARTIAL),
        "days_without_data": len(usage.missing),
        "profile_days": usage.profile_days,
        "kwh": round(usage.total_kwh, 3),
        "current": _ranked_json(sim.current, catalogue) if sim.current else None,
        "ranking": [_ranked_json(r, catalogue) for r in sim.ranking],
        "notes": [{"code": n.code, "message": n.message} for n in sim.notes],
    }


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def run_simulation(
    runtime: Runtime,
    pdl: str,
    first: date,
    last: date,
    today: date,
    *,
    offer_type: OfferType | None = None,
    dated: bool = False,
) -> tuple[Simulation, Catalogue]:
    """Read what the simulator needs from the store and rank (blocking: run it in a thread)."""
    store = runtime.store
    point = store.usage_point(pdl)
    assert point is not None
    offers = OfferStore(store)
    catalogue = offers.catalogue_for(pdl)
    kva = point.point.subscribed_power_kva
    daily = {r.day: r.value_wh for r in store.daily(pdl, Direction.CONSUMPTION, first, last)}
    rows = (
        row
        for batch in store.iter_load_curve_rows(
            pdl,
            Direction.CONSUMPTION,
            local_midnight(first),
            local_midnight(last + timedelta(days=1)),
        )
        for row in batch
    )
    usage = build_usage(rows, daily, first, last)
    tempo = {d.day: d.color for d in store.tempo(first - timedelta(days=1), last)}
    cal = Calendars(point.offpeak_history, tempo, None)
    current = offers.offer_of(pdl, catalogue, kva, today)
    sim = simulate(
        catalogue, usage, cal, kva=kva, as_of=today, current=current, offer_type=offer_type,
        dated=dated,
    )  # fmt: skip
    return sim, catalogue


@router.get("/api/simulation/{pdl}", summary="Rank every offer on your own load curve")
async def get_simulation(
    request: Request,
    pdl: PdlPath,
    start: StartQuery = None,
    end: EndQuery = None,
    offer_type: Annotated[OfferType | None, Query(alias="type")] = None,
    pricing: Annotated[
        str,
        Query(
            pattern="^(current|dated)$",
            description="current: every day at today's prices (to choose an offer); dated: "
            "each day at the price in force that day (what the period cost).",
        ),
    ] = "current",
) -> dict[str, Any]:
    """Every offer in force today for the meter's kVA, priced on the PDL's consumption of
    ``start..end`` (both inclusive; default: the last 12 months up to yesterday).

    Days without a complete load curve are priced from their daily value (the answer says
    how many); EJP and peak-day offers show a cost range while their peak days are unknown.
    """
    runtime = get_runtime(request)
    await run_in_threadpool(require_point, runtime, pdl)
    today = today_of(request)
    last = parse_day(end, "end") or today - timedelta(days=1)
    first = parse_day(start, "start") or _add_months(last, -12) + timedelta(days=1)
    if first > last:
        raise invalid("end", f"end {last} is before start {first}: both are inclusive", end)
    if (last - first).days + 1 > MAX_SIMULATION_DAYS:
        raise invalid(
            "end", f"{first}..{last} is longer than {MAX_SIMULATION_DAYS} days: shorten it", end
        )
    status = await ensure_catalogue(request)
    sim, catalogue = await run_in_threadpool(
        run_simulation, runtime, pdl, first, last, today, offer_type=offer_type,
        dated=pricing == "dated",
    )  # fmt: skip
    return {
        "pdl": pdl,
        "source": source_label(runtime),
        "catalogue": status,
        **simulation_json(sim, catalogue),
    }
