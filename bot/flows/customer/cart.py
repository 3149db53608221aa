"""The cart screen: lines with − / + / 🗑, the quote, promo codes and coupons, edited in place."""

from __future__ import annotations

from bot.flows.context import Ctx
from bot.flows.customer.cart_view import (
    gone_note,
    line_texts,
    load_cart,
    promotion_name,
    quote_texts,
    short_name,
    slot_arrival,
    slot_for,
)
from bot.flows.customer.menu import label, section
from bot.flows.customer.quantity import quantity_screen
from bot.flows.customer.shelf import product_name
from bot.flows.events import Text
from bot.flows.payloads import CartAction, Menu, Quantity
from bot.flows.replies import InlineButton, InlineKeyboard
from bot.flows.router import expired, on_button, on_command, on_step
from bot.messages.errors import explain
from core.catalog.search import product_by_id
from core.errors import DomainError, InvalidQuantity, OutOfStock, PromoError
from core.models import Promotion
from core.orders.cart import (
    CartView,
    apply_code,
    cart_items,
    change_quantity,
    remove_code,
    set_quantity,
)
from core.orders.pricing_context import MAX_QUANTITY
from core.orders.promotions import promotion_by_id, promotion_with_code

CART = "cart"
PROMO_STEP = "promo_code"
LINES_PER_PAGE = 8  # three buttons a line: Telegram keyboards stay well under 100 buttons


@section("cart")
async def open_cart(ctx: Ctx) -> None:
    """The main menu's 🧺 Cart."""
    await show_cart(ctx)


@on_command("cart")
async def cart_command(ctx: Ctx) -> None:
    """``/cart`` from anywhere."""
    await show_cart(ctx)


async def show_cart(ctx: Ctx, *, note: str | None = None, page: int = 0) -> None:
    """Draw the cart (in place after a button press); ``note`` goes on top."""
    ctx.chat.go("idle")
    cart, gone = await load_cart(ctx)
    notes = [text for text in (note, gone_note(ctx, gone)) if text]
    if cart.priced is None:
        text = ctx._("Your cart is empty. Have a look around: today's deals are a good start.")
        buttons: InlineKeyboard = (
            (
                ctx.button(label(ctx, "shop"), Menu("shop")),
                ctx.button(label(ctx, "deals"), Menu("deals")),
            ),
            (ctx.button(ctx._("⬅️ Menu"), Menu("menu")),),
        )
        ctx.show("\n\n".join([*notes, text]), buttons)
        return
    lines = cart.priced.quote.paid_lines
    page = max(0, min(page, (len(lines) - 1) // LINES_PER_PAGE))
    parts = [
        *notes,
        ctx._("🧺 Your cart") + "\n" + "\n".join(await line_texts(ctx, cart)),
        "\n".join(await quote_texts(ctx, cart)),
        slot_arrival(ctx, await slot_for(ctx)),
    ]
    ctx.show("\n\n".join(parts), await _cart_buttons(ctx, cart, page))


async def _cart_buttons(ctx: Ctx, cart: CartView, page: int) -> InlineKeyboard:
    """A − / + / 🗑 row per line on this page, then codes, coupons, checkout and back."""
    assert cart.priced is not None
    lines = cart.priced.quote.paid_lines
    rows: list[tuple[InlineButton, ...]] = []
    for line in lines[page * LINES_PER_PAGE : (page + 1) * LINES_PER_PAGE]:
        name = short_name(product_name(ctx, cart.priced.products[line.product_id]))
        rows.append(
            (
                ctx.button(f"➖ {name}", Quantity(line.product_id, -1, CART)),
                ctx.button(f"➕ {name}", Quantity(line.product_id, 1, CART)),
                ctx.button(f"🗑 {name}", Quantity(line.product_id, 0, CART)),
            )
        )
    pager = []
    if page > 0:
        pager.append(ctx.button("◀", CartAction("view", str(page - 1))))
    if (page + 1) * LINES_PER_PAGE < len(lines):
        pager.append(ctx.button("▶", CartAction("view", str(page + 1))))
    if pager:
        rows.append(tuple(pager))
    if cart.promo_code:
        rows.append(
            (ctx.button(ctx._("✖️ Remove code {code}").format(code=cart.promo_code), _NOCODE),)
        )
    else:
        rows.append((ctx.button(ctx._("🎟 Enter a promo code"), CartAction("code")),))
        for code in cart.coupons:
            promotion = await _promotion(ctx, code)
            if promotion is not None:
                label = ctx._("🎟 Use coupon: {name}").format(name=promotion_name(ctx, promotion))
                rows.append((ctx.button(label, CartAction("coupon", str(promotion.id))),))
    rows.append((ctx.button(ctx._("✅ Checkout"), CartAction("checkout")),))
    rows.append((ctx.button(ctx._("🛒 Keep shopping"), Menu("menu")),))
    return tuple(rows)


_NOCODE = CartAction("nocode")


async def _promotion(ctx: Ctx, code: str) -> Promotion | None:
    """A coupon's row, to name it on its button."""
    return await promotion_with_code(ctx.uow, code)


@quantity_screen(CART)
async def change_line(ctx: Ctx, item: Quantity) -> None:
    """− / + / 🗑 on a cart line: change it and redraw the cart in place."""
    current = dict(await cart_items(ctx.uow, ctx.customer.id)).get(item.product_id, 0)
    product = await product_by_id(ctx.uow, item.product_id)
    if product is None:
        await expired(ctx)
        return
    wanted = 0 if item.delta == 0 else current + item.delta
    if item.delta > 0 and wanted > product.stock:
        ctx.toast(
            explain(OutOfStock(sku=product.sku, left=product.stock, wanted=wanted), ctx.t),
            alert=True,
        )
    elif item.delta > 0 and wanted > MAX_QUANTITY:
        ctx.toast(
            explain(InvalidQuantity(quantity=wanted, maximum=MAX_QUANTITY), ctx.t), alert=True
        )
    else:
        try:
            # set_quantity refuses before it writes anything: no savepoint needed.
            if item.delta == 0:
                await set_quantity(ctx.uow, ctx.customer.id, item.product_id, 0)
            else:
                await change_quantity(ctx.uow, ctx.customer.id, item.product_id, item.delta)
        except DomainError as refusal:
            ctx.toast(explain(refusal, ctx.t), alert=True)
        else:
            if wanted <= 0 < current:
                ctx.toast(ctx._("Removed {name}").format(name=product_name(ctx, product)))
    await show_cart(ctx, page=await _page_of(ctx, item.product_id))


async def _page_of(ctx: Ctx, product_id: int) -> int:
    """The page a line sits on, so − / + keep the customer where they were."""
    ids = [pid for pid, _quantity in await cart_items(ctx.uow, ctx.customer.id)]
    return ids.index(product_id) // LINES_PER_PAGE if product_id in ids else 0


@on_button(CartAction)
async def cart_action(ctx: Ctx, item: CartAction) -> None:
    """The cart screen's own buttons."""
    if item.action == "view":
        await show_cart(ctx, page=int(item.arg) if item.arg.isdigit() else 0)
    elif item.action == "code":
        _ask_code(ctx)
    elif item.action == "coupon":
        await _use_coupon(ctx, item.arg)
    elif item.action == "nocode":
        await remove_code(ctx.uow, ctx.customer.id)
        await show_cart(ctx, note=ctx._("Code removed."))
    elif item.action == "checkout":
        from bot.flows.customer.checkout import start_checkout  # checkout builds on this screen

        await start_checkout(ctx)
    else:
        await expired(ctx)


def _ask_code(ctx: Ctx, note: str | None = None) -> None:
    """Wait for a typed code, with a way back."""
    ctx.chat.go(PROMO_STEP)
    text = ctx._("Please type your promo code, for example COKE01.")
    ctx.show(
        f"{note}\n\n{text}" if note else text,
        ((ctx.button(ctx._("✖️ Cancel"), CartAction("view")),),),
    )


async def _use_coupon(ctx: Ctx, promotion_id: str) -> None:
    """One tap on an offered coupon."""
    promotion = (
        await promotion_by_id(ctx.uow, int(promotion_id)) if promotion_id.isdigit() else None
    )
    if promotion is None:
        await expired(ctx)
        return
    try:
        await apply_code(ctx.uow, ctx.customer, promotion.code)
    except PromoError as refusal:
        await show_cart(ctx, note=explain(refusal, ctx.t))
        return
    await show_cart(ctx, note=ctx._("Coupon applied."))


@on_step(PROMO_STEP)
async def typed_code(ctx: Ctx) -> None:
    """The typed promo code: applied, or explained while we keep waiting for another."""
    event = ctx.event
    if not isinstance(event, Text) or not event.text.strip():
        _ask_code(ctx, ctx._("Please type the code as text."))
        return
    try:
        await apply_code(ctx.uow, ctx.customer, event.text)
    except PromoError as refusal:
        _ask_code(ctx, explain(refusal, ctx.t))
        return
    await show_cart(ctx, note=ctx._("Code applied."))
