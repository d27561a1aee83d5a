"""Settings the API can change: the tariff prices used for costs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from myelectricaldata.api.params import get_runtime
from myelectricaldata.domain.errors import InvalidInput
from myelectricaldata.domain.offers import checked_tariff_body
from myelectricaldata.domain.tariffs import DEFAULT_PRICES_DATE, TariffPrices
from myelectricaldata.exporters.registry import field_errors
from myelectricaldata.runtime import save_prices, saved_prices

router = APIRouter(prefix="/api/settings", tags=["settings"])


@router.get("/tariff", summary="Tariff prices")
async def get_tariff(request: Request) -> dict[str, Any]:
    """Prices in force (EUR TTC), whether they were saved, and the date of the defaults."""
    store = get_runtime(request).store
    prices = await run_in_threadpool(saved_prices, store)
    saved = await run_in_threadpool(store.get_setting, "tariff.prices")
    return {
        "data": prices.model_dump(),
        "saved": saved is not None,
        "defaults_date": str(DEFAULT_PRICES_DATE),
    }


@router.put("/tariff", summary="Save tariff prices", response_model=None)
async def put_tariff(
    request: Request, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any] | JSONResponse:
    """Save prices (omitted fields keep their default); 422 names the fields in error.

    Each price is checked like the offers' prices: French decimal commas accepted, a kWh price
    of 0 to 3 EUR and a monthly subscription of 0 to 100 EUR (``80`` for 0,80 is refused).
    """
    try:
        body = checked_tariff_body(body)
    except InvalidInput as exc:
        return JSONResponse(
            {"detail": [{"loc": ["body", exc.field], "msg": exc.reason, "type": "value_error"}]},
            status_code=422,
        )
    try:
        prices = TariffPrices.model_validate(body)
    except ValidationError as exc:
        return JSONResponse({"detail": field_errors(exc)}, status_code=422)
    await run_in_threadpool(save_prices, get_runtime(request).store, prices)
    return await get_tariff(request)
