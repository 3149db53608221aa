"""Every table, imported here so Alembic and ``Base.metadata`` see them all.

Typed SQLAlchemy 2 models and the values their columns take; they import nothing of core
but each other (no services, no platform), nor bot/, web/ or app/.
"""

from core.models.base import Base, UTCDateTime
from core.models.catalog import Category, DealEntry, GiftRule, Product
from core.models.chat import AppSecret, AssistToken, ChatState, ProcessedUpdate, RelayLink
from core.models.commissions import CommissionEntry
from core.models.crates import CrateMovement, CratePickup
from core.models.customers import CartLine, CartPromo, ChannelIdentity, Customer, MessageOptOut
from core.models.feedback import Feedback
from core.models.households import Household
from core.models.jobs import JobRun
from core.models.operators import HqOperator
from core.models.orders import Order, OrderLine
from core.models.outbox import Broadcast, OutboxMessage
from core.models.promotions import Promotion, Redemption
from core.models.push import PushSubscription
from core.models.reports import ReportAction
from core.models.units import Building, Partner, Unit
from core.models.webchat import PartnerDevice, WebChatImage, WebChatMessage, WebToken
from core.models.winback import WinbackQuestion

__all__ = [
    "AppSecret",
    "AssistToken",
    "Base",
    "Broadcast",
    "Building",
    "CartLine",
    "CartPromo",
    "Category",
    "ChannelIdentity",
    "ChatState",
    "CommissionEntry",
    "CrateMovement",
    "CratePickup",
    "Customer",
    "DealEntry",
    "Feedback",
    "GiftRule",
    "Household",
    "HqOperator",
    "JobRun",
    "MessageOptOut",
    "Order",
    "OrderLine",
    "OutboxMessage",
    "Partner",
    "PartnerDevice",
    "ProcessedUpdate",
    "Product",
    "Promotion",
    "PushSubscription",
    "Redemption",
    "RelayLink",
    "ReportAction",
    "UTCDateTime",
    "Unit",
    "WebChatImage",
    "WebChatMessage",
    "WebToken",
    "WinbackQuestion",
]
