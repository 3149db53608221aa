"""Buttons of the Invite screen (codes ``pi…``): none carries an id, all act on the sender."""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.callbacks import payload


@payload("pil1")
@dataclass(frozen=True)
class InviteLeaflet:
    """Send the printable leaflet PDF."""


@payload("pie1")
@dataclass(frozen=True)
class InviteEditLetter:
    """Ask for a new letter to customers."""


@payload("pia1")
@dataclass(frozen=True)
class InviteAssist:
    """Make a one-time assisted link for a neighbour at the door."""
