"""gateway quota by bucket, PDLs the gateway refuses

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

The gateway counts two quotas per UTC day: 1000 calls with its cache, 50 without (EcoWatt
included). Calls counted so far were all cached ones and move to that bucket. A PDL whose data
the gateway refuses (ACCESS_DENIED: inactive, unlinked, consent ended) keeps why and since when.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_quota",
        sa.Column("utc_day", sa.Date(), nullable=False),
        sa.Column("bucket", sa.String(length=12), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("utc_day", "bucket", name=op.f("pk_gateway_quota")),
    )
    op.execute(
        "INSERT INTO gateway_quota (utc_day, bucket, calls) "
        "SELECT utc_day, 'cached', calls FROM gateway_calls"
    )
    op.drop_table("gateway_calls")
    with op.batch_alter_table("usage_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("denied", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("denied_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("usage_points", schema=None) as batch_op:
        batch_op.drop_column("denied_at")
        batch_op.drop_column("denied")
    op.create_table(
        "gateway_calls",
        sa.Column("utc_day", sa.Date(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("utc_day", name=op.f("pk_gateway_calls")),
    )
    op.execute(
        "INSERT INTO gateway_calls (utc_day, calls) "
        "SELECT utc_day, SUM(calls) FROM gateway_quota GROUP BY utc_day"
    )
    op.drop_table("gateway_quota")
