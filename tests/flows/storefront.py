"""A small shop for storefront flow tests: aisles, a bound shopper and search keys."""

from __future__ import annotations

from sqlalchemy import select

from bot.flows.events import Command
from bot.handlers.memory import CHANNEL, MemoryChannel
from core.catalog.deals import set_deal
from core.catalog.search import index_product
from core.models import Customer, Product
from core.orders.cart import view
from core.people.customers import customer_for_identity
from core.platform.clock import local_now
from core.platform.uow import Database
from tests.factories import make_aisle, make_product, make_unit_with_partner
from tests.flows.shopping import make_shopper

SHOPPER = "shopper"


async def stock_the_shop(db: Database) -> None:
    """Three aisles; Drinks holds 可乐 and ten more (two pages), Rice & oil a heavy sack."""
    await make_aisle(db, "drinks", sort_order=1, name_zh="饮料", name_en="Drinks")
    await make_aisle(db, "grain", sort_order=2, name_zh="粮油", name_en="Rice & oil")
    await make_aisle(db, "snacks", sort_order=3, name_zh="零食", name_en="Snacks")
    await make_product(db, "COLA", name_zh="可乐", price_fen=300, reference_fen=350)
    for n in range(10):
        await make_product(db, f"TEA{n}", name_zh=f"绿茶{n}号", price_fen=400 + n)
    await make_product(
        db,
        "RICE",
        name_zh="东北大米 5kg",
        price_fen=4990,
        reference_fen=5990,
        heavy=True,
        care_note_zh="放阴凉干燥处",
        category_code="grain",
    )
    await index_everything(db)


ENGLISH = {"COLA": "Cola", "RICE": "Northeast rice 5kg"}


async def index_everything(db: Database) -> None:
    """Give every product its pinyin keys (as the catalog import does) and a real English name."""
    async with db.uow() as uow:
        for product in await uow.session.scalars(select(Product)):
            index_product(product)
            product.name_en = ENGLISH.get(product.sku, product.name_en)
            if product.care_note_zh:
                product.care_note_en = "Keep somewhere cool and dry"
        await uow.commit()


async def put_on_deal(db: Database, sku: str, deal_fen: int) -> None:
    """Put a product in today's deals zone."""
    async with db.uow() as uow:
        today = local_now(uow.clock, uow.settings.tz).date()
        await set_deal(uow, today, sku, deal_fen)
        await uow.commit()


async def delist(db: Database, sku: str) -> None:
    """Take a product off the shelf."""
    async with db.uow() as uow:
        product = await uow.session.scalar(select(Product).where(Product.sku == sku))
        product.active = False
        await uow.commit()


async def shopper_in(db: Database, user: str = SHOPPER, *, locale: str = "en") -> Customer:
    """A memory-channel shopper bound to 锦绣花园 with an address and phone."""
    setup = await make_unit_with_partner(db)
    return await make_shopper(db, setup, user, building=0, locale=locale)


async def in_cart(db: Database, user: str = SHOPPER) -> dict[str, int]:
    """What the cart screen would list for this chat's shopper: quantity by sku."""
    async with db.uow() as uow:
        cart = await view(uow, await customer_for_identity(uow, CHANNEL, user))
    if cart.priced is None:
        return {}
    return {line.sku: line.quantity for line in cart.priced.quote.paid_lines}


def labels(channel: MemoryChannel, user: str = SHOPPER) -> list[str]:
    """Every button label on the newest message."""
    return [button.label for row in channel.chat(user).last.buttons for button in row]


async def open_shop(db: Database, *, locale: str = "en", tap: str = "🛒") -> MemoryChannel:
    """A stocked shop, and a bound shopper who opened one of its sections."""
    await stock_the_shop(db)
    return await walk_in(db, locale=locale, tap=tap)


async def walk_in(db: Database, *, locale: str = "en", tap: str = "🛒") -> MemoryChannel:
    """A bound shopper opens the menu and taps a section (🛒 shop, 🔥 deals, 🔍 search)."""
    await shopper_in(db, locale=locale)
    channel = MemoryChannel(db)
    await channel.send(SHOPPER, Command("menu"))
    await channel.press(SHOPPER, tap)
    return channel
