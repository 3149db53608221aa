"""households: the unit of identity; held new-customer fees in the ledger

Revision ID: 0014_households
Revises: 0013_web_chat_images
Create Date: 2026-12-07 23:00:00

Every customer with an address, and every order, is backfilled into its household
(building + normalised room) here, so ``linli db upgrade`` leaves no identity with an
address outside a household. The room rule below is a frozen copy of
core/people/rooms.py as of this revision (a migration stays as it was written). Existing
``new_customer`` ledger entries (paid at once) get their household too, so a household
that already earned a fee never earns a held one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_households"
down_revision: str | Sequence[str] | None = "0013_web_chat_images"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WORDS = ("号楼", "栋", "幢", "座", "楼", "号", "#")
_SEPARATORS = " -#./"
_HAS_ROOM = re.compile(r"[0-9]")  # a room always has a number
_DASHES = str.maketrans({"—": "-", "–": "-", "‐": "-", "_": "-", "/": "-", "·": "-"})


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text or "").upper().translate(_DASHES)
    return re.sub(r"\s+", " ", folded).strip()


def _number(label: str) -> str:
    plain = _plain(label).replace(" ", "")
    for word in _WORDS:
        if plain.endswith(word) and len(plain) > len(word):
            return plain[: -len(word)]
    return plain


def _room_key(text: str, label: str) -> str | None:
    """The household's room, or None when the stored room is not one."""
    room = _plain(text)
    if not room or not _HAS_ROOM.search(room):
        return None
    number, compact = _number(label), room.replace(" ", "")
    prefixes = {_plain(label).replace(" ", "")} | {number + word for word in _WORDS}
    stripped = False
    for prefix in sorted(prefixes, key=len, reverse=True):
        rest = compact[len(prefix) :]
        if number and compact.startswith(prefix) and _HAS_ROOM.search(rest):
            room, stripped = rest, True
            break
    if not stripped and number and room.startswith(number):
        rest = room[len(number) :]
        if rest[:1] and rest[0] in _SEPARATORS and _HAS_ROOM.search(rest):
            room = rest
    for suffix in ("室", "房"):
        if room.endswith(suffix) and _HAS_ROOM.search(room[: -len(suffix)]):
            room = room[: -len(suffix)]
    room = re.sub(r"[ #]+", "-", room.strip(_SEPARATORS))
    room = re.sub(r"-{2,}", "-", room).strip("-")
    return room[:20] if room and _HAS_ROOM.search(room) else None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("room", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_customer_id", sa.Integer(), nullable=True),
        sa.Column("created_from", sa.String(length=64), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_partner_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_households_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_partner_id"],
            ["partners.id"],
            name=op.f("fk_households_confirmed_by_partner_id_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_households_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("building_id", "room", name=op.f("uq_households_building_id_room")),
    )
    op.create_index(
        op.f("ix_households_created_by_customer_id"),
        "households",
        ["created_by_customer_id"],
        unique=False,
    )
    op.create_index(op.f("ix_households_unit_id"), "households", ["unit_id"], unique=False)
    for table in ("customers", "orders"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("household_id", sa.Integer(), nullable=True))
            batch.create_index(batch.f(f"ix_{table}_household_id"), ["household_id"])
            batch.create_foreign_key(
                batch.f(f"fk_{table}_household_id_households"),
                "households",
                ["household_id"],
                ["id"],
            )
    with op.batch_alter_table("commission_entries") as batch:
        batch.add_column(sa.Column("household_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("held_fen", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("reason", sa.String(length=200), nullable=True))
        batch.create_index(batch.f("ix_commission_entries_household_id"), ["household_id"])
        batch.create_foreign_key(
            batch.f("fk_commission_entries_household_id_households"),
            "households",
            ["household_id"],
            ["id"],
        )
    _backfill()


def _backfill() -> None:
    """Every customer with an address and every order into its household (idempotent)."""
    bind = op.get_bind()
    buildings = {
        row.id: (row.unit_id, row.label)
        for row in bind.execute(sa.text("SELECT id, unit_id, label FROM buildings"))
    }
    households = {
        (row.building_id, row.room): row.id
        for row in bind.execute(sa.text("SELECT id, building_id, room FROM households"))
    }

    def household(building_id: int, room: str, created_at: object, by: int | None) -> int | None:
        if building_id not in buildings:
            return None
        key = _room_key(room, buildings[building_id][1])
        if key is None:
            return None
        if (building_id, key) not in households:
            bind.execute(
                sa.text(
                    "INSERT INTO households (unit_id, building_id, room, created_at,"
                    " created_by_customer_id) VALUES (:unit, :building, :room, :at, :by)"
                ),
                {
                    "unit": buildings[building_id][0],
                    "building": building_id,
                    "room": key,
                    "at": created_at or dt.datetime.now(dt.UTC),
                    "by": by,
                },
            )
            households[(building_id, key)] = bind.execute(
                sa.text("SELECT id FROM households WHERE building_id = :b AND room = :r"),
                {"b": building_id, "r": key},
            ).scalar_one()
        return households[(building_id, key)]

    customers = bind.execute(
        sa.text(
            "SELECT id, building_id, room, created_at FROM customers"
            " WHERE building_id IS NOT NULL AND room IS NOT NULL ORDER BY id"
        )
    ).all()
    for row in customers:
        found = household(row.building_id, row.room, row.created_at, row.id)
        if found is not None:
            bind.execute(
                sa.text("UPDATE customers SET household_id = :h, room = :r WHERE id = :id"),
                {"h": found, "r": _room_key(row.room, buildings[row.building_id][1]), "id": row.id},
            )
    orders = bind.execute(
        sa.text(
            "SELECT id, customer_id, building_id, room, placed_at FROM orders"
            " WHERE building_id IS NOT NULL AND room IS NOT NULL ORDER BY id"
        )
    ).all()
    for row in orders:
        found = household(row.building_id, row.room, row.placed_at, row.customer_id)
        if found is not None:
            bind.execute(
                sa.text("UPDATE orders SET household_id = :h WHERE id = :id"),
                {"h": found, "id": row.id},
            )
    bind.execute(
        sa.text(
            "UPDATE commission_entries SET household_id = (SELECT orders.household_id"
            " FROM orders WHERE orders.id = commission_entries.order_id)"
            " WHERE household_id IS NULL AND order_id IS NOT NULL"
            " AND kind IN ('new_customer', 'clawback_new_customer')"
        )
    )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("commission_entries") as batch:
        batch.drop_constraint(
            batch.f("fk_commission_entries_household_id_households"), type_="foreignkey"
        )
        batch.drop_index(batch.f("ix_commission_entries_household_id"))
        batch.drop_column("reason")
        batch.drop_column("held_fen")
        batch.drop_column("household_id")
    for table in ("orders", "customers"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(
                batch.f(f"fk_{table}_household_id_households"), type_="foreignkey"
            )
            batch.drop_index(batch.f(f"ix_{table}_household_id"))
            batch.drop_column("household_id")
    op.drop_index(op.f("ix_households_unit_id"), table_name="households")
    op.drop_index(op.f("ix_households_created_by_customer_id"), table_name="households")
    op.drop_table("households")
