"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_counter")),
    )
    op.create_table(
        "daily_energy",
        sa.Column("pdl", sa.String(length=14), nullable=False),
        sa.Column("direction", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value_wh", sa.BigInteger(), nullable=False),
        sa.Column("quality", sa.String(length=12), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("change_no", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pdl", "direction", "day", name=op.f("pk_daily_energy")),
    )
    with op.batch_alter_table("daily_energy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_daily_energy_change_no"), ["change_no"], unique=False)

    op.create_table(
        "ecowatt_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("hourly", sa.String(length=24), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("generated_at", sa.DateTime(), nullable=True),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("change_no", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_ecowatt_days")),
    )
    with op.batch_alter_table("ecowatt_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ecowatt_days_change_no"), ["change_no"], unique=False)

    op.create_table(
        "gateway_calls",
        sa.Column("utc_day", sa.Date(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("utc_day", name=op.f("pk_gateway_calls")),
    )
    op.create_table(
        "load_curve",
        sa.Column("pdl", sa.String(length=14), nullable=False),
        sa.Column("direction", sa.String(length=12), nullable=False),
        sa.Column("start_ts", sa.BigInteger(), nullable=False),
        sa.Column("interval_min", sa.SmallInteger(), nullable=False),
        sa.Column("avg_w", sa.Integer(), nullable=False),
        sa.Column("quality", sa.String(length=12), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("change_no", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pdl", "direction", "start_ts", name=op.f("pk_load_curve")),
    )
    with op.batch_alter_table("load_curve", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_load_curve_change_no"), ["change_no"], unique=False)

    op.create_table(
        "max_power",
        sa.Column("pdl", sa.String(length=14), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value_va", sa.Integer(), nullable=False),
        sa.Column("at_ts", sa.BigInteger(), nullable=False),
        sa.Column("quality", sa.String(length=12), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("change_no", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pdl", "day", name=op.f("pk_max_power")),
    )
    with op.batch_alter_table("max_power", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_max_power_change_no"), ["change_no"], unique=False)

    op.create_table(
        "offpeak_schedules",
        sa.Column("pdl", sa.String(length=14), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("ranges", sa.String(length=200), nullable=False),
        sa.Column("raw", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("pdl", "valid_from", name=op.f("pk_offpeak_schedules")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "sync_lock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_lock")),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("steps_total", sa.Integer(), nullable=False),
        sa.Column("steps_done", sa.Integer(), nullable=False),
        sa.Column("rows_written", sa.Integer(), nullable=False),
        sa.Column("current", sa.Text(), nullable=False),
        sa.Column("errors", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_table(
        "sync_state",
        sa.Column("pdl", sa.String(length=14), nullable=False),
        sa.Column("stream", sa.String(length=24), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("pdl", "stream", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "tempo_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("color", sa.String(length=5), nullable=False),
        sa.Column("rte_updated_at", sa.DateTime(), nullable=True),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("change_no", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_tempo_days")),
    )
    with op.batch_alter_table("tempo_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tempo_days_change_no"), ["change_no"], unique=False)

    op.create_table(
        "unavailable_ranges",
        sa.Column("pdl", sa.String(length=14), nullable=False),
        sa.Column("stream", sa.String(length=24), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pdl", "stream", "start", name=op.f("pk_unavailable_ranges")),
    )
    op.create_table(
        "usage_points",
        sa.Column("pdl", sa.String(length=14), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("subscribed_power_kva", sa.Float(), nullable=True),
        sa.Column("pricing_option", sa.String(length=20), nullable=True),
        sa.Column("has_consumption", sa.Boolean(), nullable=False),
        sa.Column("has_production", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("activation_date", sa.Date(), nullable=True),
        sa.Column("oldest_available_date", sa.Date(), nullable=True),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pdl", name=op.f("pk_usage_points")),
    )
    # Singleton rows: the change counter and the cross-process sync lock.
    op.bulk_insert(
        sa.table("change_counter", sa.column("id", sa.Integer), sa.column("value", sa.BigInteger)),
        [{"id": 1, "value": 0}],
    )
    op.bulk_insert(sa.table("sync_lock", sa.column("id", sa.Integer)), [{"id": 1}])


def downgrade() -> None:
    op.drop_table("usage_points")
    op.drop_table("unavailable_ranges")
    with op.batch_alter_table("tempo_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tempo_days_change_no"))

    op.drop_table("tempo_days")
    op.drop_table("sync_state")
    op.drop_table("sync_runs")
    op.drop_table("sync_lock")
    op.drop_table("settings")
    op.drop_table("offpeak_schedules")
    with op.batch_alter_table("max_power", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_max_power_change_no"))

    op.drop_table("max_power")
    with op.batch_alter_table("load_curve", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_load_curve_change_no"))

    op.drop_table("load_curve")
    op.drop_table("gateway_calls")
    with op.batch_alter_table("ecowatt_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ecowatt_days_change_no"))

    op.drop_table("ecowatt_days")
    with op.batch_alter_table("daily_energy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_daily_energy_change_no"))

    op.drop_table("daily_energy")
    op.drop_table("change_counter")
