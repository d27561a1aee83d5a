"""re-pricing marks: days to export again after a back-dated price, offer or off-peak change

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reprice_marks",
        sa.Column("destination", sa.String(length=60), nullable=False),
        sa.Column("pdl", sa.String(length=14), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("destination", "pdl", name=op.f("pk_reprice_marks")),
    )


def downgrade() -> None:
    op.drop_table("reprice_marks")
