"""The Virtual equipments the export writes to: planned, then created or brought up to date.

One equipment per PDL (``logicalId`` ``myelectricaldata::<pdl>``) and one for Tempo and EcoWatt
(``myelectricaldata::grid``), each with one info command per measure whose ``logicalId`` is the
measure key. Everything is found again by ``logicalId``, so users may rename and move them.
``eqLogic::save`` deletes the commands missing from its list (with their history) and refuses a
new command whose name is taken, so an update lists every command the equipment has (ours with
their ``id``, the user's own and Virtual's ``Rafraichir`` as ``{"id": ...}``), and nothing is
saved when nothing needs to change (PROTOCOLS.md §5.1).

A command that receives history is historized with ``historizeMode`` ``none``: Jeedom would
otherwise average re-sent values into the stored ones and round archived rows to 2 decimals.
Names are set when a command is created, and afterwards only while the user kept one of our
labels (so switching ``language`` renames them, a user's own name stays).

With a user-given mapping instead (measure -> command id), :func:`check_commands` verifies the
commands before anything is sent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from myelectricaldata.domain.types import validate_pdl
from myelectricaldata.exporters.jeedom.client import JeedomClient
from myelectricaldata.exporters.jeedom.errors import (
    JeedomNotFound,
    JeedomProtocolError,
    JeedomRpcError,
    JeedomSetupError,
)
from myelectricaldata.exporters.jeedom.mapping import HISTORY_KEYS, Kind
from myelectricaldata.exporters.jeedom.model import Command, Equipment

EQ_TYPE = "virtual"
LOGICAL_PREFIX = "myelectricaldata::"
GRID_LOGICAL_ID = LOGICAL_PREFIX + "grid"
DEFAULT_PDL_NAME = "Linky {pdl}"
DEFAULT_GRID_NAME = "RTE Tempo EcoWatt"

#: Characters Jeedom deletes from names (``cleanComponanteName``); the apostrophe becomes a
#: typographic one instead of vanishing ("l'an dernier" would read "lan dernier").
_DELETED = str.maketrans("", "", '&#][%\\/"*')


class MeasureLike(Protocol):
    """What provisioning reads of a measure (``mapping.MeasureInfo`` is one)."""

    @property
    def key(self) -> str:
        """Measure key: the command's ``logicalId``."""

    @property
    def label_fr(self) -> str:
        """French name."""

    @property
    def label_en(self) -> str:
        """English name."""

    @property
    def unit(self) -> str | None:
        """Unit shown by Jeedom (``unite``)."""

    @property
    def kind(self) -> Kind:
        """``numeric``, ``string`` or ``binary``: the info command's ``subType``."""


@dataclass(frozen=True, slots=True)
class CommandPlan:
    """One info command as the export wants it."""

    logical_id: str
    name: str
    labels: frozenset[str]  # every name of ours it may carry (French and English)
    sub_type: Kind
    unit: str
    historized: bool


@dataclass(frozen=True, slots=True)
class EquipmentPlan:
    """One Virtual equipment and its commands, in display order."""

    logical_id: str
    name: str
    object_id: int | None
    commands: tuple[CommandPlan, ...]


@dataclass(frozen=True, slots=True)
class Provisioned:
    """An equipment ready to receive events: its id, our command ids by ``logicalId``, and
    whether ``eqLogic::save`` had to run."""

    equipment_id: int
    commands: Mapping[str, int]
    saved: bool


def jeedom_name(label: str) -> str:
    """``label`` as Jeedom stores a name: tags and ``& # ] [ % \\ / " *`` removed, the
    apostrophe typographic, spaces collapsed, at most 127 bytes."""
    text = re.sub(r"<[^>]*>", "", label).replace("'", "’").translate(_DELETED)
    text = re.sub(r"\s+", " ", text)
    return text.encode()[:127].decode(errors="ignore").strip()


def same_name(left: str, right: str) -> bool:
    """Whether Jeedom's database sees two names as one (``utf8mb4_unicode_ci``: case, accents
    and trailing spaces ignored)."""
    return _collate(left) == _collate(right)


def _collate(text: str) -> str:
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return bare.casefold().rstrip(" ")


def pdl_logical_id(pdl: str) -> str:
    """``logicalId`` of a PDL's equipment."""
    return LOGICAL_PREFIX + validate_pdl(pdl)


def _commands(
    measures: Iterable[MeasureLike], language: Literal["fr", "en"]
) -> tuple[CommandPlan, ...]:
    plans: dict[str, CommandPlan] = {}
    for measure in measures:
        labels = (measure.label_fr, measure.label_en)
        name = jeedom_name(labels[0] if language == "fr" else labels[1])
        plans.setdefault(
            measure.key,
            CommandPlan(
                logical_id=measure.key,
                name=name,
                labels=frozenset(jeedom_name(label) for label in labels),
                sub_type=measure.kind,
                unit=measure.unit or "",
                historized=measure.key in HISTORY_KEYS,
            ),
        )
    seen: dict[str, str] = {}
    for plan in plans.values():
        other = seen.setdefault(_collate(plan.name), plan.logical_id)
        if other != plan.logical_id:
            raise ValueError(f"measures {other} and {plan.logical_id} have one Jeedom name")
    return tuple(plans.values())


def pdl_plan(
    pdl: str,
    measures: Iterable[MeasureLike],
    *,
    language: Literal["fr", "en"] = "fr",
    name: str = DEFAULT_PDL_NAME,
    object_id: int | None = None,
) -> EquipmentPlan:
    """The equipment of one PDL; ``name`` may hold ``{pdl}``."""
    return EquipmentPlan(
        logical_id=pdl_logical_id(pdl),
        name=jeedom_name(name.replace("{pdl}", pdl)),
        object_id=object_id,
        commands=_commands(measures, language),
    )


def grid_plan(
    measures: Iterable[MeasureLike],
    *,
    language: Literal["fr", "en"] = "fr",
    name: str = DEFAULT_GRID_NAME,
    object_id: int | None = None,
) -> EquipmentPlan:
    """The equipment of the Tempo and EcoWatt signals (shared by every PDL)."""
    return EquipmentPlan(
        GRID_LOGICAL_ID, jeedom_name(name), object_id, _commands(measures, language)
    )


def _command_fields(plan: CommandPlan, *, with_name: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "logicalId": plan.logical_id,
        "type": "info",
        "subType": plan.sub_type,
        "unite": plan.unit,
    }
    if with_name:
        fields["name"] = plan.name
    if plan.historized:
        fields["isHistorized"] = 1
        fields["configuration"] = {"historizeMode": "none"}
    return fields


def _needs_update(plan: CommandPlan, command: Command) -> bool:
    if command.type != "info" or command.sub_type != plan.sub_type or command.unit != plan.unit:
        return True
    if plan.historized and (not command.historized or command.historize_mode != "none"):
        return True
    return _rename(plan, command)


def _rename(plan: CommandPlan, command: Command) -> bool:
    return command.name != plan.name and command.name in plan.labels


def save_request(
    plan: EquipmentPlan, equipment: Equipment | None, commands: Sequence[Command]
) -> dict[str, Any] | None:
    """The ``eqLogic::save`` params that bring Jeedom to ``plan``, ``None`` when it is there.

    Raises :class:`JeedomSetupError` for an equipment that is disabled (Jeedom drops every
    value sent to it) or a command name that another command of the equipment already has.
    """
    if equipment is None:
        request: dict[str, Any] = {
            "eqType_name": EQ_TYPE,
            "name": plan.name,
            "logicalId": plan.logical_id,
            "isEnable": 1,
            "isVisible": 1,
            "cmd": [_command_fields(c, with_name=True) for c in plan.commands],
        }
        if plan.object_id is not None:
            request["object_id"] = plan.object_id
        return request
    if not equipment.enabled:
        raise JeedomSetupError(
            f"the Jeedom equipment {equipment.name!r} (id {equipment.id}) is disabled, and "
            "Jeedom drops every value sent to a disabled equipment: enable it (Plugins > "
            "Programmation > Virtuel), or disable this export"
        )
    ours = {c.logical_id: c for c in commands if c.logical_id}
    planned = {c.logical_id for c in plan.commands}
    entries: list[dict[str, Any]] = []
    changed = False
    for wanted in plan.commands:
        existing = ours.get(wanted.logical_id)
        if existing is None:
            _check_free(equipment, wanted, commands)
            entries.append(_command_fields(wanted, with_name=True))
            changed = True
        elif _needs_update(wanted, existing):
            fields = _command_fields(wanted, with_name=_rename(wanted, existing))
            entries.append({"id": existing.id, **fields})
            changed = True
        else:
            entries.append({"id": existing.id})
    if not changed:
        return None
    # Everything else stays: eqLogic::save deletes the commands its list leaves out.
    entries.extend({"id": c.id} for c in commands if c.logical_id not in planned)
    return {"eqType_name": EQ_TYPE, "id": equipment.id, "cmd": entries}


def _check_free(equipment: Equipment, wanted: CommandPlan, commands: Sequence[Command]) -> None:
    for command in commands:
        if same_name(command.name, wanted.name):
            raise JeedomSetupError(
                f"the Jeedom equipment {equipment.name!r} already has a command named "
                f"{command.name!r} (id {command.id}) that the export did not create: rename "
                f"or delete it, so that the export can add its {wanted.logical_id!r} command"
            )


async def provision(client: JeedomClient, plan: EquipmentPlan) -> Provisioned:
    """Find the plan's equipment by ``logicalId``, create or update it when needed, and return
    the ids of its commands."""
    found = [e for e in await client.equipments(EQ_TYPE) if e.logical_id == plan.logical_id]
    if len(found) > 1:
        names = ", ".join(f"{e.name!r} (id {e.id})" for e in found)
        raise JeedomSetupError(
            f"several Jeedom equipments have logicalId {plan.logical_id!r}: {names}; delete "
            "all but one"
        )
    equipment = found[0] if found else None
    commands = await client.commands(equipment.id) if equipment is not None else []
    request = save_request(plan, equipment, commands)
    if request is None:
        assert equipment is not None
        equipment_id = equipment.id
    else:
        try:
            equipment_id = await client.save_equipment(request)
        except JeedomRpcError as exc:
            if "(1062)" not in exc.jeedom_message:
                raise
            raise JeedomSetupError(
                f"Jeedom already has an equipment named {plan.name!r} in object "
                f"{plan.object_id}: rename that one, or change the equipment name or object "
                f"in the settings ({exc.jeedom_message})"
            ) from None
        commands = await client.commands(equipment_id)
    ids = {c.logical_id: c.id for c in commands if c.logical_id}
    missing = [c.logical_id for c in plan.commands if c.logical_id not in ids]
    if missing:
        raise JeedomProtocolError(
            f"Jeedom saved equipment {equipment_id} without the commands {missing}"
        )
    return Provisioned(
        equipment_id, {c.logical_id: ids[c.logical_id] for c in plan.commands}, request is not None
    )


async def check_commands(
    client: JeedomClient, commands: Mapping[str, int], kinds: Mapping[str, Kind]
) -> list[str]:
    """Check user-given commands (``<pdl>.<key>`` or ``<key>`` -> command id): each exists, is
    an info command of an enabled equipment, can hold its value, and is historized when it
    receives history. Raises :class:`JeedomSetupError` naming the first one to fix; returns
    warnings (a smoothing mode that would average or round history)."""
    warnings: list[str] = []
    enabled: dict[int, Equipment] = {}
    for address, cmd_id in commands.items():
        key = address.rsplit(".", 1)[-1]
        try:
            command = await client.command(cmd_id)
        except JeedomNotFound:
            raise JeedomSetupError(
                f"commands[{address!r}] = {cmd_id}: Jeedom has no such command; fix the id "
                "(shown in the command's advanced settings)"
            ) from None
        where = f"commands[{address!r}] = {cmd_id} ({command.name!r})"
        if command.type != "info":
            raise JeedomSetupError(f"{where} is an action: choose an info command")
        if kinds.get(key, "numeric") == "string" and command.sub_type != "string":
            raise JeedomSetupError(
                f"{where} is {command.sub_type}, and {key} is text that Jeedom would store "
                "as 0: choose an info command of subtype « Autre » (string)"
            )
        if command.equipment_id not in enabled:
            enabled[command.equipment_id] = await client.equipment(command.equipment_id)
        equipment = enabled[command.equipment_id]
        if not equipment.enabled:
            raise JeedomSetupError(
                f"{where} belongs to the disabled equipment {equipment.name!r}, and Jeedom "
                "drops every value sent to it: enable it"
            )
        if key in HISTORY_KEYS:
            if not command.historized:
                raise JeedomSetupError(
                    f"{where} receives history but is not historized: tick « Historiser » "
                    "in its settings"
                )
            if command.historize_mode != "none":
                warnings.append(
                    f"{where}: « Mode de lissage » is {command.historize_mode or 'unset'}, "
                    "so Jeedom rounds archived rows to 2 decimals and may average re-sent "
                    "values; set it to « Aucun »"
                )
    return warnings
