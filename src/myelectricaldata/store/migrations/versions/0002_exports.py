"""exports

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "export_checkpoints",
        sa.Column("destination", sa.String(length=60), nullable=False),
        sa.Column("stream", sa.String(length=24), nullable=False),
        sa.Column("change_no", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("destination", "stream", name=op.f("pk_export_checkpoints")),
    )
    op.create_table(
        "export_configs",
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("type", name=op.f("pk_export_configs")),
    )
    op.create_table(
        "export_locks",
        sa.Column("destination", sa.String(length=60), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("destination", name=op.f("pk_export_locks")),
    )
    op.create_table(
        "export_logs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("destination", sa.String(length=60), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("records_total", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_logs")),
    )
    with op.batch_alter_table("export_logs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_export_logs_destination_id"), ["destination", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("export_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_logs_destination_id"))

    op.drop_table("export_logs")
    op.drop_table("export_locks")
    op.drop_table("export_configs")
    op.drop_table("export_checkpoints")
