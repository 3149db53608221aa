"""Buttons of the partner's Tonight screens (codes "pt…"); ids are re-checked in core."""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.callbacks import payload


@payload("ptr1")
@dataclass(frozen=True)
class TonightRun:
    """The run sheet at a page."""

    page: int = 0


@payload("pts1")
@dataclass(frozen=True)
class TonightStop:
    """One door: an order (``order_id``), or crates only (``order_id`` 0, the customer)."""

    order_id: int
    customer_id: int
    page: int = 0


@payload("pta1")
@dataclass(frozen=True)
class TonightAct:
    """A tap at the door: delivered, paid, crates back (``count``), absent."""

    action: str
    order_id: int
    customer_id: int
    count: int = 0
    page: int = 0


@payload("ptg1")
@dataclass(frozen=True)
class TonightGo:
    """🚚 Start the run: tonight's orders leave, their households are told."""

    page: int = 0
