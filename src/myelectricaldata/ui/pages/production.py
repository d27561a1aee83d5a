"""Production: the Consommation page for the production direction (solar injection)."""

from __future__ import annotations

from myelectricaldata.domain.types import Direction
from myelectricaldata.ui import markers as m
from myelectricaldata.ui.layout import PageContext
from myelectricaldata.ui.pages.consumption import build_energy


async def build(ctx: PageContext) -> None:
    """The Production page."""
    await build_energy(ctx, Direction.PRODUCTION, m.PAGE_PRODUCTION)
