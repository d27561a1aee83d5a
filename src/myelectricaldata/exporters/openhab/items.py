"""openHAB's items as one run knows them: listed once, provisioned on demand, checked before use.

An exporter lives for one run. Its :class:`ItemBook` reads openHAB's item listing once (a
single ``GET /rest/items``), creates or fixes only the items a write needs and the listing does
not already show as wanted (never the same item twice in a run), and keeps the listing up to
date with what it changed. Before anything is sent, :meth:`ItemBook.prepare` says which items
are ready, which are missing (provisioning off) and which have a type that would lose the value
(:meth:`~.model.RemoteItem.takes`): openHAB answers 202 to a state and drops a foreign unit
afterwards, so the check comes first, and a write is never counted for an item that would
drop it.

After a failure that may be an openHAB restart (no answer, 5xx), :meth:`ItemBook.forget` makes
the next attempt read the listing again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from myelectricaldata.exporters.openhab.client import OpenHABClient
from myelectricaldata.exporters.openhab.model import ItemDefinition, RemoteItem


@dataclass(frozen=True, slots=True)
class Readiness:
    """Which of the items asked for can take their values (groups aside)."""

    ready: frozenset[str]
    #: Items openHAB does not have (provisioning off).
    missing: tuple[str, ...] = ()
    #: "<item> is <type>, values need <type>" for items whose type would lose the values.
    misfits: tuple[str, ...] = ()


class ItemBook:
    """The items of one run; ``provision`` creates and fixes them, else they must exist."""

    def __init__(self, client: OpenHABClient, *, provision: bool) -> None:
        self._client = client
        self._provision = provision
        self._listing: dict[str, RemoteItem] | None = None
        self._ensured: set[str] = set()

    def forget(self) -> None:
        """Read the listing again at the next :meth:`prepare` (openHAB may have restarted)."""
        self._listing = None
        self._ensured.clear()

    async def listing(self) -> dict[str, RemoteItem]:
        """openHAB's items, read once per run (or after :meth:`forget`)."""
        if self._listing is None:
            self._listing = await self._client.items()
        return self._listing

    async def prepare(self, wanted: Sequence[ItemDefinition]) -> Readiness:
        """Provision ``wanted`` if asked (only what this run did not already), then say which
        items can take their values."""
        listing = await self.listing()
        if self._provision:
            todo = [item for item in wanted if item.name not in self._ensured]
            if todo:
                report = await self._client.provision(todo, listing)
                fresh = {*report.created, *report.updated}
                for item in todo:
                    remote = listing.get(item.name)
                    if item.name in fresh or remote is None:
                        listing[item.name] = RemoteItem.of(item)
                    elif remote.editable:
                        # Unchanged definition, metadata now set: the state is kept.
                        listing[item.name] = replace(RemoteItem.of(item), state=remote.state)
                    self._ensured.add(item.name)
        ready: set[str] = set()
        missing: list[str] = []
        misfits: list[str] = []
        for item in wanted:
            if item.type == "Group":
                continue
            remote = listing.get(item.name)
            if remote is None:
                missing.append(item.name)
            elif not remote.takes(item):
                misfits.append(f"{item.name} is {remote.type}, its values need {item.type}")
            else:
                ready.add(item.name)
        return Readiness(frozenset(ready), tuple(missing), tuple(misfits))


__all__ = ["ItemBook", "Readiness"]
