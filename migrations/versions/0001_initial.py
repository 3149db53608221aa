"""Initial schema: catalog, units and partners, customers, carts, orders, crates,
promotions and feedback.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-23 08:07:26.333903
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create every table of the first release, parents before children."""
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=60), nullable=False),
        sa.Column("name_en", sa.String(length=60), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("code", name=op.f("uq_categories_code")),
    )
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("area", sa.String(length=80), nullable=False),
        sa.Column("window_start", sa.Time(), nullable=False),
        sa.Column("window_end", sa.Time(), nullable=False),
        sa.Column("cutoff", sa.Time(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("code", name=op.f("uq_units_code")),
    )
    op.create_table(
        "buildings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_buildings_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buildings")),
        sa.UniqueConstraint("unit_id", "label", name=op.f("uq_buildings_unit_id_label")),
    )
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("wechat", sa.String(length=60), nullable=True),
        sa.Column("invite_code", sa.String(length=24), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_partners_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("invite_code", name=op.f("uq_partners_invite_code")),
        sa.UniqueConstraint("telegram_id", name=op.f("uq_partners_telegram_id")),
    )
    op.create_index(op.f("ix_partners_unit_id"), "partners", ["unit_id"], unique=False)
    op.create_index(
        "uq_partners_one_active_per_unit",
        "partners",
        ["unit_id"],
        unique=True,
        postgresql_where=sa.text("active"),
        sqlite_where=sa.text("active"),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=40), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=160), nullable=False),
        sa.Column("unit_zh", sa.String(length=40), nullable=False),
        sa.Column("unit_en", sa.String(length=40), nullable=False),
        sa.Column("price_fen", sa.Integer(), nullable=False),
        sa.Column("reference_price_fen", sa.Integer(), nullable=False),
        sa.Column("heavy", sa.Boolean(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("care_note_zh", sa.Text(), nullable=True),
        sa.Column("care_note_en", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("search_pinyin", sa.String(length=400), nullable=False),
        sa.Column("search_initials", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("price_fen > 0", name=op.f("ck_products_price_positive")),
        sa.CheckConstraint("reference_price_fen > 0", name=op.f("ck_products_reference_positive")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_products_stock_not_negative")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_products_category_id_categories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("sku", name=op.f("uq_products_sku")),
    )
    op.create_index(op.f("ix_products_category_id"), "products", ["category_id"], unique=False)
    op.create_index(op.f("ix_products_updated_at"), "products", ["updated_at"], unique=False)
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("room", sa.String(length=20), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("display_name", sa.String(length=80), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("has_elderly", sa.Boolean(), nullable=False),
        sa.Column("has_children", sa.Boolean(), nullable=False),
        sa.Column("has_pregnant", sa.Boolean(), nullable=False),
        sa.Column("profile_consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("referred_by_partner_id", sa.Integer(), nullable=True),
        sa.Column("invite_code", sa.String(length=24), nullable=True),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_order_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_customers_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["referred_by_partner_id"],
            ["partners.id"],
            name=op.f("fk_customers_referred_by_partner_id_partners"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_customers_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    op.create_index(op.f("ix_customers_unit_id"), "customers", ["unit_id"], unique=False)
    op.create_table(
        "deal_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_date", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("deal_price_fen", sa.Integer(), nullable=False),
        sa.CheckConstraint("deal_price_fen > 0", name=op.f("ck_deal_entries_deal_price_positive")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_deal_entries_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_entries")),
        sa.UniqueConstraint(
            "deal_date", "product_id", name=op.f("uq_deal_entries_deal_date_product_id")
        ),
    )
    op.create_index(op.f("ix_deal_entries_deal_date"), "deal_entries", ["deal_date"], unique=False)
    op.create_table(
        "gift_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trigger_product_id", sa.Integer(), nullable=False),
        sa.Column("min_quantity", sa.Integer(), nullable=False),
        sa.Column("gift_product_id", sa.Integer(), nullable=False),
        sa.Column("gift_quantity", sa.Integer(), nullable=False),
        sa.Column("gift_stock", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("gift_quantity >= 1", name=op.f("ck_gift_rules_gift_quantity_positive")),
        sa.CheckConstraint("gift_stock >= 0", name=op.f("ck_gift_rules_gift_stock_not_negative")),
        sa.CheckConstraint("min_quantity >= 1", name=op.f("ck_gift_rules_min_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["gift_product_id"],
            ["products.id"],
            name=op.f("fk_gift_rules_gift_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["trigger_product_id"],
            ["products.id"],
            name=op.f("fk_gift_rules_trigger_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gift_rules")),
    )
    op.create_index(
        op.f("ix_gift_rules_trigger_product_id"), "gift_rules", ["trigger_product_id"], unique=False
    )
    op.create_table(
        "promotions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("benefit", sa.String(length=20), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("fixed_price_fen", sa.Integer(), nullable=True),
        sa.Column("amount_off_fen", sa.Integer(), nullable=True),
        sa.Column("percent_off", sa.Integer(), nullable=True),
        sa.Column("rounding", sa.String(length=8), nullable=False),
        sa.Column("first_order_only", sa.Boolean(), nullable=False),
        sa.Column("min_spend_fen", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("per_customer_limit", sa.Integer(), nullable=False),
        sa.Column("total_cap", sa.Integer(), nullable=True),
        sa.Column("redeemed_count", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("for_elderly", sa.Boolean(), nullable=False),
        sa.Column("for_children", sa.Boolean(), nullable=False),
        sa.Column("for_pregnant", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "per_customer_limit >= 1", name=op.f("ck_promotions_per_customer_limit_positive")
        ),
        sa.CheckConstraint("redeemed_count >= 0", name=op.f("ck_promotions_redeemed_not_negative")),
        sa.CheckConstraint(
            "total_cap IS NULL OR redeemed_count <= total_cap",
            name=op.f("ck_promotions_redeemed_within_cap"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_promotions_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_promotions_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions")),
        sa.UniqueConstraint("code", name=op.f("uq_promotions_code")),
    )
    op.create_table(
        "cart_lines",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_cart_lines_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_cart_lines_product_id_products")
        ),
        sa.PrimaryKeyConstraint("customer_id", "product_id", name=op.f("pk_cart_lines")),
    )
    op.create_table(
        "cart_promos",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("promo_code", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_cart_promos_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_cart_promos")),
    )
    op.create_table(
        "channel_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_channel_identities_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_identities")),
        sa.UniqueConstraint(
            "channel", "external_id", name=op.f("uq_channel_identities_channel_external_id")
        ),
    )
    op.create_index(
        op.f("ix_channel_identities_customer_id"),
        "channel_identities",
        ["customer_id"],
        unique=False,
    )
    op.create_table(
        "crate_pickups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("pickup_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("requested_by", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_crate_pickups_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_crate_pickups_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crate_pickups")),
    )
    op.create_index(
        op.f("ix_crate_pickups_customer_id"), "crate_pickups", ["customer_id"], unique=False
    )
    op.create_index(
        op.f("ix_crate_pickups_pickup_date"), "crate_pickups", ["pickup_date"], unique=False
    )
    op.create_index(
        "uq_crate_pickups_one_scheduled_per_day",
        "crate_pickups",
        ["customer_id", "pickup_date"],
        unique=True,
        postgresql_where=sa.text("status = 'scheduled'"),
        sqlite_where=sa.text("status = 'scheduled'"),
    )
    op.create_table(
        "message_opt_outs",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_message_opt_outs_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("customer_id", "topic", name=op.f("pk_message_opt_outs")),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=24), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("room", sa.String(length=20), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("window_start", sa.Time(), nullable=False),
        sa.Column("window_end", sa.Time(), nullable=False),
        sa.Column("goods_fen", sa.Integer(), nullable=False),
        sa.Column("discount_fen", sa.Integer(), nullable=False),
        sa.Column("shipping_fen", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.Integer(), nullable=False),
        sa.Column("reference_fen", sa.Integer(), nullable=False),
        sa.Column("saving_fen", sa.Integer(), nullable=False),
        sa.Column("promotion_id", sa.Integer(), nullable=True),
        sa.Column("crates_issued", sa.Integer(), nullable=False),
        sa.Column("payment_method", sa.String(length=12), nullable=True),
        sa.Column("paid_fen", sa.Integer(), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("picked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("out_for_delivery_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=12), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint("total_fen >= 0", name=op.f("ck_orders_total_not_negative")),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_orders_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_orders_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_orders_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["promotion_id"], ["promotions.id"], name=op.f("fk_orders_promotion_id_promotions")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_orders_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint(
            "customer_id", "idempotency_key", name=op.f("uq_orders_customer_id_idempotency_key")
        ),
        sa.UniqueConstraint("order_no", name=op.f("uq_orders_order_no")),
    )
    op.create_index(op.f("ix_orders_customer_id"), "orders", ["customer_id"], unique=False)
    op.create_index(
        "ix_orders_unit_id_delivery_date", "orders", ["unit_id", "delivery_date"], unique=False
    )
    op.create_table(
        "crate_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity <> 0", name=op.f("ck_crate_movements_quantity_not_zero")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_crate_movements_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_crate_movements_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_crate_movements_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crate_movements")),
    )
    op.create_index(
        op.f("ix_crate_movements_customer_id"), "crate_movements", ["customer_id"], unique=False
    )
    op.create_index(
        op.f("ix_crate_movements_unit_id"), "crate_movements", ["unit_id"], unique=False
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_feedback_rating_range")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_feedback_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_feedback_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("order_id", name=op.f("uq_feedback_order_id")),
    )
    op.create_index(op.f("ix_feedback_customer_id"), "feedback", ["customer_id"], unique=False)
    op.create_table(
        "order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=160), nullable=False),
        sa.Column("unit_zh", sa.String(length=40), nullable=False),
        sa.Column("unit_en", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_fen", sa.Integer(), nullable=False),
        sa.Column("list_price_fen", sa.Integer(), nullable=False),
        sa.Column("reference_price_fen", sa.Integer(), nullable=False),
        sa.Column("line_fen", sa.Integer(), nullable=False),
        sa.Column("price_source", sa.String(length=12), nullable=False),
        sa.Column("is_gift", sa.Boolean(), nullable=False),
        sa.Column("gift_rule_id", sa.Integer(), nullable=True),
        sa.Column("heavy", sa.Boolean(), nullable=False),
        sa.Column("care_note_zh", sa.Text(), nullable=True),
        sa.Column("care_note_en", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["gift_rule_id"], ["gift_rules.id"], name=op.f("fk_order_lines_gift_rule_id_gift_rules")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_order_lines_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
    )
    op.create_index(op.f("ix_order_lines_order_id"), "order_lines", ["order_id"], unique=False)
    op.create_table(
        "redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("promotion_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_redemptions_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_redemptions_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["promotion_id"], ["promotions.id"], name=op.f("fk_redemptions_promotion_id_promotions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
        sa.UniqueConstraint("order_id", name=op.f("uq_redemptions_order_id")),
    )
    op.create_index(
        op.f("ix_redemptions_customer_id"), "redemptions", ["customer_id"], unique=False
    )
    op.create_index(
        op.f("ix_redemptions_promotion_id"), "redemptions", ["promotion_id"], unique=False
    )


def downgrade() -> None:
    """Drop every table, children before parents (their indexes go with them)."""
    op.drop_table("redemptions")
    op.drop_table("order_lines")
    op.drop_table("feedback")
    op.drop_table("crate_movements")
    op.drop_table("orders")
    op.drop_table("message_opt_outs")
    op.drop_table("crate_pickups")
    op.drop_table("channel_identities")
    op.drop_table("cart_promos")
    op.drop_table("cart_lines")
    op.drop_table("promotions")
    op.drop_table("gift_rules")
    op.drop_table("deal_entries")
    op.drop_table("customers")
    op.drop_table("products")
    op.drop_table("partners")
    op.drop_table("buildings")
    op.drop_table("units")
    op.drop_table("categories")
