"""Usage points (PDL) and their contracts, with the date-versioned off-peak hours."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from myelectricaldata.api.formats import iso_instant, json_response
from myelectricaldata.api.params import (
    PdlPath,
    check_pdl,
    get_runtime,
    require_point,
    source_label,
)
from myelectricaldata.domain.offpeak import OffpeakSchedule
from myelectricaldata.store.repo import StoredUsagePoint

router = APIRouter(tags=["usage points"])


class OffpeakVersion(BaseModel):
    """Off-peak hours in force from ``valid_from`` (until the next version)."""

    valid_from: str = Field(examples=["1970-01-01"])
    ranges: list[str] = Field(
        description="Local HH:MM-HH:MM ranges; an end before the start crosses midnight.",
        examples=[["22:30-06:30"]],
    )
    raw: str = Field(description="The contract's own text.", examples=["HC (22H30-6H30)"])


class Offpeak(BaseModel):
    """The schedule in force today and every version so far, oldest first."""

    current: OffpeakVersion | None
    history: list[OffpeakVersion]


class UsagePointValue(BaseModel):
    """A usage point and its contract."""

    pdl: str = Field(examples=["09999000000001"])
    name: str
    subscribed_power_kva: float | None = Field(examples=[9.0])
    pricing_option: str | None = Field(examples=["BASE", "HC_HP", "TEMPO"])
    offpeak: Offpeak
    has_consumption: bool
    has_production: bool
    is_active: bool = Field(
        description="False when the site lists it as inactive or the gateway refused its data "
        "at the last sync (ACCESS_DENIED): it is skipped until that changes."
    )
    inactive_reason: str | None = Field(
        description="Why it is inactive and what to do; null when active.",
        examples=[None, "inactive on the MyElectricalData site: it is skipped; ..."],
    )
    activation_date: str | None
    oldest_available_date: str | None
    origin: str = Field(examples=["demo", "gateway"])
    is_demo: bool
    updated_at: str


class UsagePointList(BaseModel):
    """Every known usage point."""

    source: str
    data: list[UsagePointValue]


class UsagePointAnswer(BaseModel):
    """One usage point."""

    source: str
    data: UsagePointValue


def _version(valid_from: date, schedule: OffpeakSchedule) -> dict[str, Any]:
    return {
        "valid_from": valid_from.isoformat(),
        "ranges": [str(r) for r in schedule.ranges],
        "raw": schedule.raw or schedule.canonical(),
    }


def point_json(stored: StoredUsagePoint) -> dict[str, Any]:
    """JSON form of a stored usage point (no secrets: the store keeps none here)."""
    point = stored.point
    history = [_version(valid_from, schedule) for valid_from, schedule in stored.offpeak_versions]
    return {
        "pdl": point.pdl,
        "name": point.name,
        "subscribed_power_kva": point.subscribed_power_kva,
        "pricing_option": point.pricing_option.value if point.pricing_option else None,
        "offpeak": {"current": history[-1] if history else None, "history": history},
        "has_consumption": point.has_consumption,
        "has_production": point.has_production,
        "is_active": point.is_active,
        "inactive_reason": stored.inactive_reason,
        "activation_date": point.activation_date.isoformat() if point.activation_date else None,
        "oldest_available_date": (
            point.oldest_available_date.isoformat() if point.oldest_available_date else None
        ),
        "origin": stored.origin,
        "is_demo": stored.origin == "demo",
        "updated_at": iso_instant(stored.updated_at),
    }


@router.get(
    "/api/pdl",
    response_model=None,
    summary="Usage points",
    responses={200: {"model": UsagePointList, "description": "Every known usage point"}},
)
def list_usage_points(request: Request) -> Response:
    """Every usage point known here with its contract: subscribed power, pricing option and
    off-peak hours (current and past versions)."""
    runtime = get_runtime(request)
    points = runtime.store.usage_points()
    return json_response({"source": source_label(runtime), "data": [point_json(p) for p in points]})


@router.get(
    "/api/pdl/{pdl}",
    response_model=None,
    summary="One usage point",
    responses={
        200: {"model": UsagePointAnswer, "description": "The usage point"},
        404: {"description": "Unknown usage point."},
    },
)
def get_usage_point(request: Request, pdl: PdlPath) -> Response:
    """One usage point and its contract (404 when it is not known here)."""
    runtime = get_runtime(request)
    check_pdl(pdl)
    return json_response(
        {"source": source_label(runtime), "data": point_json(require_point(runtime, pdl))}
    )
