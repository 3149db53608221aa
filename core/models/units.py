"""Residential units, their buildings, and the one active partner per unit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, UTCDateTime


class Unit(Base):
    """About 5,000 households served by one partner, with its own window and cutoff."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(120))
    area: Mapped[str] = mapped_column(String(80))
    window_start: Mapped[dt.time] = mapped_column(Time)
    window_end: Mapped[dt.time] = mapped_column(Time)
    cutoff: Mapped[dt.time] = mapped_column(Time)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    buildings: Mapped[list[Building]] = relationship(
        back_populates="unit", order_by="Building.sort_order", lazy="raise"
    )


class Building(Base):
    """A building of a unit; ``sort_order`` is the order a partner walks them."""

    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("unit_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    label: Mapped[str] = mapped_column(String(40))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    unit: Mapped[Unit] = relationship(back_populates="buildings", lazy="raise")


class Partner(Base):
    """The person a unit's customers meet; at most one active per unit (a partial unique index)."""

    __tablename__ = "partners"
    __table_args__ = (
        Index(
            "uq_partners_one_active_per_unit",
            "unit_id",
            unique=True,
            postgresql_where=text("active"),
            sqlite_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, default=None)
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    wechat: Mapped[str | None] = mapped_column(String(60), default=None)
    invite_code: Mapped[str] = mapped_column(String(24), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # The partner's own words on the leaflet; None means the default letter.
    letter_zh: Mapped[str | None] = mapped_column(Text, default=None)
