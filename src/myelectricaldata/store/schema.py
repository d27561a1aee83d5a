"""Tables of the store. Alembic migrations under ``migrations/`` must match this module exactly.

Unique keys contain no nullable column (PostgreSQL treats NULLs as distinct). Load-curve instants
are Unix seconds (UTC) so that both engines compare and sort them exactly and cheaply. Every data
row carries ``change_no``: the number of the write that last inserted or changed it, which
exporters use as their checkpoint.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every engine (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store: instants must be time-zone aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _pdl() -> Column[str]:
    return Column("pdl", String(14), primary_key=True)


usage_points = Table(
    "usage_points",
    metadata,
    _pdl(),
    Column("name", String(200), nullable=False, default=""),
    Column("subscribed_power_kva", Float, nullable=True),
    Column("pricing_option", String(20), nullable=True),
    Column("has_consumption", Boolean, nullable=False, default=True),
    Column("has_production", Boolean, nullable=False, default=False),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("activation_date", Date, nullable=True),
    Column("oldest_available_date", Date, nullable=True),
    Column("origin", String(10), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Why the gateway refused this PDL's data at the last try (ACCESS_DENIED, consent ended);
    # NULL once it serves it again. ``is_active`` stays what the site lists.
    Column("denied", Text, nullable=True),
    Column("denied_at", UTCDateTime, nullable=True),
)

offpeak_schedules = Table(
    "offpeak_schedules",
    metadata,
    _pdl(),
    Column("valid_from", Date, primary_key=True),
    Column("ranges", String(200), nullable=False),
    Column("raw", String(200), nullable=False),
)

daily_energy = Table(
    "daily_energy",
    metadata,
    _pdl(),
    Column("direction", String(12), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("value_wh", BigInteger, nullable=False),
    Column("quality", String(12), nullable=False),
    Column("origin", String(10), nullable=False),
    Column("change_no", BigInteger, nullable=False),
    Index(None, "change_no"),
)

load_curve = Table(
    "load_curve",
    metadata,
    _pdl(),
    Column("direction", String(12), primary_key=True),
    Column("start_ts", BigInteger, primary_key=True),
    Column("interval_min", SmallInteger, nullable=False),
    Column("avg_w", Integer, nullable=False),
    Column("quality", String(12), nullable=False),
    Column("origin", String(10), nullable=False),
    Column("change_no", BigInteger, nullable=False),
    Index(None, "change_no"),
)

max_power = Table(
    "max_power",
    metadata,
    _pdl(),
    Column("day", Date, primary_key=True),
    Column("value_va", Integer, nullable=False),
    Column("at_ts", BigInteger, nullable=False),
    Column("quality", String(12), nullable=False),
    Column("origin", String(10), nullable=False),
    Column("change_no", BigInteger, nullable=False),
    Index(None, "change_no"),
)

tempo_days = Table(
    "tempo_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("color", String(5), nullable=False),
    Column("rte_updated_at", UTCDateTime, nullable=True),
    Column("origin", String(10), nullable=False),
    Column("change_no", BigInteger, nullable=False),
    Index(None, "change_no"),
)

ecowatt_days = Table(
    "ecowatt_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("level", SmallInteger, nullable=False),
    Column("hourly", String(24), nullable=False),
    Column("message", Text, nullable=False),
    Column("generated_at", UTCDateTime, nullable=True),
    Column("origin", String(10), nullable=False),
    Column("change_no", BigInteger, nullable=False),
    Index(None, "change_no"),
)

change_counter = Table(
    "change_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("pdl", String(14), primary_key=True),
    Column("stream", String(24), primary_key=True),
    Column("last_attempt_at", UTCDateTime, nullable=True),
    Column("last_success_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("last_error_at", UTCDateTime, nullable=True),
)

unavailable_ranges = Table(
    "unavailable_ranges",
    metadata,
    Column("pdl", String(14), primary_key=True),
    Column("stream", String(24), primary_key=True),
    Column("start", Date, primary_key=True),
    Column("end", Date, nullable=False),
    Column("code", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("trigger", String(20), nullable=False),
    Column("status", String(12), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("steps_total", Integer, nullable=False, default=0),
    Column("steps_done", Integer, nullable=False, default=0),
    Column("rows_written", Integer, nullable=False, default=0),
    Column("current", Text, nullable=False, default=""),
    Column("errors", Text, nullable=False, default="[]"),
)

#: Named locks (``sync``, ``export:<destination>``) and the process holding each: see
#: ``store/locks.py`` for how a dead holder is told from a live one.
locks = Table(
    "locks",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("owner", String(120), nullable=False),
    Column("host", String(255), nullable=False),
    Column("boot_id", String(64), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started", String(32), nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
)

#: Gateway calls per UTC day and quota bucket (``cached``: 1000 a day, ``no_cache``: 50).
gateway_quota = Table(
    "gateway_quota",
    metadata,
    Column("utc_day", Date, primary_key=True),
    Column("bucket", String(12), primary_key=True),
    Column("calls", Integer, nullable=False),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("value", Text, nullable=False),
    Column("secret", Boolean, nullable=False, default=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

export_configs = Table(
    "export_configs",
    metadata,
    Column("type", String(60), primary_key=True),
    Column("config", Text, nullable=False),  # JSON; secret fields hold Fernet ciphertext
    Column("updated_at", UTCDateTime, nullable=False),
)

export_checkpoints = Table(
    "export_checkpoints",
    metadata,
    Column("destination", String(60), primary_key=True),
    Column("stream", String(24), primary_key=True),
    Column("change_no", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

export_logs = Table(
    "export_logs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("destination", String(60), nullable=False),
    Column("trigger", String(20), nullable=False),
    Column("status", String(12), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("records", Integer, nullable=False, default=0),
    Column("records_total", Integer, nullable=False, default=0),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text, nullable=True),
    Index(None, "destination", "id"),
)

#: Days whose costs or HC/HP split changed after they were exported (a price, offer or off-peak
#: version dated in the past): one range per destination and PDL, merged when marked again.
#: ``destination`` ``*`` is a mark not yet handed to the destinations (``store/reprice.py``);
#: ``seq`` grows at every merge, so a destination clears only the range it re-sent.
reprice_marks = Table(
    "reprice_marks",
    metadata,
    Column("destination", String(60), primary_key=True),
    Column("pdl", String(14), primary_key=True),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("reason", String(40), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("marked_at", UTCDateTime, nullable=False),
)

#: Web UI sessions signed out before they expired (kept until they would have expired).
revoked_sessions = Table(
    "revoked_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("expires_at", UTCDateTime, nullable=False),
)

# -- offers and dated prices (DESIGN.md §4.0) ----------------------------------------------------

offer_providers = Table(
    "offer_providers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("website", Text, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

# One row per offer x kVA x validity period, as the gateway lists them (history kept: a row the
# gateway stops listing is never deleted). Prices are a JSON object of the non-null price fields.
offers = Table(
    "offers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("provider_id", String(64), nullable=False),
    Column("name", String(300), nullable=False),
    Column("offer_type", String(30), nullable=False),
    Column("power_kva", SmallInteger, nullable=True),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("subscription_eur_month", Float, nullable=False),
    Column("prices", Text, nullable=False),
    Column("hc_schedules", Text, nullable=True),
    Column("offer_url", Text, nullable=True),
    Column("is_active", Boolean, nullable=False),
    Column("price_updated_at", UTCDateTime, nullable=True),
    Column("origin", String(10), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "offer_type", "valid_from"),
)

# The offer of each PDL: the one picked on the gateway's site (/pdl selected_offer_id) and the
# user's choice here, which wins; ``personal:<TYPE>`` names the user's own dated prices.
pdl_offers = Table(
    "pdl_offers",
    metadata,
    Column("pdl", String(14), primary_key=True),
    Column("gateway_offer_id", String(64), nullable=True),
    Column("user_offer_id", String(64), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

# The user's own prices, dated: each version is in force from ``valid_from`` to the next one.
# ``pdl`` is ``*`` for prices that apply to every meter without its own.
personal_prices = Table(
    "personal_prices",
    metadata,
    Column("pdl", String(14), primary_key=True),
    Column("offer_type", String(30), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("subscription_eur_month", Float, nullable=False),
    Column("prices", Text, nullable=False),
    Column("hc_schedules", Text, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)
