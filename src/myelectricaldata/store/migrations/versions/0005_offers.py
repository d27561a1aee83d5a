"""offers catalogue, each PDL's offer, personal dated prices

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-06

The manual tariff prices saved before this revision (setting ``tariff.prices``, one price set
for every meter and every date) become personal dated prices for every meter (``*``), in force
from 1970-01-01, and each known meter's offer becomes "my prices" of its pricing option: the
costs it shows do not change. The setting itself is kept (it also holds the resale price).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: TariffPrices field -> offer price field, per personal offer type.
_PRICE_MAP = {
    "BASE": {"base_eur_kwh": "base_price"},
    "HC_HP": {"hc_eur_kwh": "hc_price", "hp_eur_kwh": "hp_price"},
    "TEMPO": {
        "tempo_blue_hc_eur_kwh": "tempo_blue_hc",
        "tempo_blue_hp_eur_kwh": "tempo_blue_hp",
        "tempo_white_hc_eur_kwh": "tempo_white_hc",
        "tempo_white_hp_eur_kwh": "tempo_white_hp",
        "tempo_red_hc_eur_kwh": "tempo_red_hc",
        "tempo_red_hp_eur_kwh": "tempo_red_hp",
    },
}
#: Defaults of TariffPrices when the revision was written (fields a saved JSON may omit).
_DEFAULTS = {
    "subscription_eur_month": 15.47,
    "base_eur_kwh": 0.1952,
    "hc_eur_kwh": 0.1635,
    "hp_eur_kwh": 0.2081,
    "tempo_blue_hc_eur_kwh": 0.1232,
    "tempo_blue_hp_eur_kwh": 0.1494,
    "tempo_white_hc_eur_kwh": 0.1391,
    "tempo_white_hp_eur_kwh": 0.1730,
    "tempo_red_hc_eur_kwh": 0.1460,
    "tempo_red_hp_eur_kwh": 0.6468,
}
#: How the old cost model priced each contract option (HC_WEEKEND as HC/HP, EJP as Base).
_OPTION_TYPE = {
    "BASE": "BASE",
    "HC_HP": "HC_HP",
    "HC_WEEKEND": "HC_HP",
    "TEMPO": "TEMPO",
    "EJP": "BASE",
}


def upgrade() -> None:
    op.create_table(
        "offer_providers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("website", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_providers")),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("offer_type", sa.String(length=30), nullable=False),
        sa.Column("power_kva", sa.SmallInteger(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("subscription_eur_month", sa.Float(), nullable=False),
        sa.Column("prices", sa.Text(), nullable=False),
        sa.Column("hc_schedules", sa.Text(), nullable=True),
        sa.Column("offer_url", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("price_updated_at", sa.DateTime(), nullable=True),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offers_offer_type_valid_from"),
            ["offer_type", "valid_from"],
            unique=False,
        )
    op.create_table(
        "pdl_offers",
        sa.Column("pdl", sa.String(length=14), nullable=False),
        sa.Column("gateway_offer_id", sa.String(length=64), nullable=True),
        sa.Column("user_offer_id", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pdl", name=op.f("pk_pdl_offers")),
    )
    op.create_table(
        "personal_prices",
        sa.Column("pdl", sa.String(length=14), nullable=False),
        sa.Column("offer_type", sa.String(length=30), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("subscription_eur_month", sa.Float(), nullable=False),
        sa.Column("prices", sa.Text(), nullable=False),
        sa.Column("hc_schedules", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pdl", "offer_type", "valid_from", name=op.f("pk_personal_prices")),
    )
    _migrate_manual_prices()


def _migrate_manual_prices() -> None:
    """Saved manual prices -> personal prices for every meter, and each meter's offer."""
    bind = op.get_bind()
    saved = bind.execute(
        sa.text("SELECT value FROM settings WHERE key = :key"), {"key": "tariff.prices"}
    ).scalar()
    if saved is None:
        return
    try:
        loaded = json.loads(saved)
    except ValueError:
        loaded = None
    if not isinstance(loaded, dict):
        return  # unreadable: nothing to carry over (the setting itself is kept as it is)
    values = {**_DEFAULTS, **{k: v for k, v in loaded.items() if v is not None}}
    now = datetime.now(UTC).replace(tzinfo=None)
    personal = sa.table(
        "personal_prices",
        sa.column("pdl", sa.String),
        sa.column("offer_type", sa.String),
        sa.column("valid_from", sa.Date),
        sa.column("subscription_eur_month", sa.Float),
        sa.column("prices", sa.Text),
        sa.column("hc_schedules", sa.Text),
        sa.column("updated_at", sa.DateTime),
    )
    rows = [
        {
            "pdl": "*",
            "offer_type": offer_type,
            "valid_from": date(1970, 1, 1),
            "subscription_eur_month": float(values["subscription_eur_month"]),
            "prices": json.dumps(
                {field: float(values[old]) for old, field in mapping.items()}, sort_keys=True
            ),
            "hc_schedules": None,
            "updated_at": now,
        }
        for offer_type, mapping in _PRICE_MAP.items()
    ]
    op.bulk_insert(personal, rows)
    choices = sa.table(
        "pdl_offers",
        sa.column("pdl", sa.String),
        sa.column("gateway_offer_id", sa.String),
        sa.column("user_offer_id", sa.String),
        sa.column("updated_at", sa.DateTime),
    )
    points = bind.execute(sa.text("SELECT pdl, pricing_option FROM usage_points")).all()
    if not points:
        return
    op.bulk_insert(
        choices,
        [
            {
                "pdl": pdl,
                "gateway_offer_id": None,
                "user_offer_id": f"personal:{_OPTION_TYPE.get(option or 'BASE', 'BASE')}",
                "updated_at": now,
            }
            for pdl, option in points
        ],
    )


def downgrade() -> None:
    op.drop_table("personal_prices")
    op.drop_table("pdl_offers")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_offer_type_valid_from"))
    op.drop_table("offers")
    op.drop_table("offer_providers")
