"""Guided shopping: a kind of goods → a product → how many → the whole order read back → yes.

Each function asks one question (``ask_*``) or takes its answer (``*_answer``); the
running total follows every change, and the read-back is confirmed with an
idempotency nonce kept in the chat data, so a double tap never orders twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from bot.flows.context import Ctx
from bot.flows.customer.cart_view import arrival, line_texts, load_cart, slot_for
from bot.flows.customer.checkout import ping_partner
from bot.flows.customer.shelf import cart_count, category_name, product_name
from bot.flows.guided.keys import (
    ADD_ONE,
    BACK,
    CHANGE,
    CHOICES,
    MORE,
    PRESS_A_BUTTON,
    REMOVE,
    SHOP_AGAIN,
    SOMETHING_ELSE,
    STEP_CATEGORY,
    STEP_CHANGE,
    STEP_DONE,
    STEP_ITEM,
    STEP_PRODUCT,
    STEP_REVIEW,
    TAKE_ONE,
    THATS_ALL,
    YES,
    chosen,
    is_label,
    joined,
    keyboard,
    page_of,
    unique_labels,
)
from bot.messages.errors import explain
from core.catalog.search import categories, category_by_id, product_by_id, products_in_category
from core.errors import DomainError
from core.orders.cart import CartView, cart_items, change_quantity, checkout_cart, set_quantity

CATEGORIES_PER_PAGE = 8
PRODUCTS_PER_PAGE = 6
NONCE = "nonce"  # chat-data key: the read-back's idempotency key
ITEMS = "items"  # chat-data key: the cart lines the read-back showed


async def _attempt(ctx: Ctx, change: Callable[[], Awaitable[object]]) -> str | None:
    """Run a cart change on its own savepoint; the refusal in words, or None when it worked."""
    try:
        async with ctx.uow.savepoint():
            await change()
    except DomainError as refusal:
        await ctx.uow.refresh(ctx.customer)  # a rolled-back savepoint may expire it
        return explain(refusal, ctx.t)
    return None


def total_line(ctx: Ctx, cart: CartView) -> str:
    """The running total, delivery included, in one plain sentence."""
    if cart.priced is None:
        return ctx._("Your order is empty.")
    quote = cart.priced.quote
    total = ctx.t.money(quote.total_fen)
    if quote.shipping_fen:
        return ctx._("Total so far: {total} (with {fee} delivery)").format(
            total=total, fee=ctx.t.money(quote.shipping_fen)
        )
    return ctx._("Total so far: {total} (free delivery)").format(total=total)


# --- a kind of goods -------------------------------------------------------------------


async def ask_category(ctx: Ctx, page: int = 0, *, note: str | None = None) -> None:
    """ "What would you like to buy?" with the aisles as big buttons, two a row."""
    aisles = await categories(ctx.uow)
    labels = unique_labels([category_name(ctx, aisle) for aisle in aisles])
    pairs = list(zip(labels, (aisle.id for aisle in aisles), strict=True))
    shown, page, paged = page_of(pairs, page, CATEGORIES_PER_PAGE)
    rows = [[MORE] if paged else [], [THATS_ALL] if await cart_count(ctx) else []]
    ctx.chat.go(STEP_CATEGORY, page=page, **{CHOICES: dict(shown)})
    question = (
        ctx._("What would you like to buy? Please choose a kind of goods.")
        if aisles
        else ctx._("Sorry, the shop has nothing to sell right now. Please try again later.")
    )
    ctx.say(
        joined(note, question),
        keyboard=keyboard(ctx, [label for label, _id in shown], rows=rows),
    )


async def category_answer(ctx: Ctx, text: str | None) -> None:
    """An aisle, "More", or "That's all"."""
    page = int(ctx.chat.data.get("page", 0))
    if is_label(ctx, text, MORE):
        await ask_category(ctx, page + 1)
    elif is_label(ctx, text, THATS_ALL):
        await ask_review(ctx)
    elif (category_id := chosen(ctx, text)) is not None:
        await ask_products(ctx, category_id)
    else:
        await ask_category(ctx, page, note=ctx._(PRESS_A_BUTTON))


# --- a product ------------------------------------------------------------------------


async def ask_products(
    ctx: Ctx, category_id: int, page: int = 0, *, note: str | None = None
) -> None:
    """The aisle's products in stock, one big button each: "name · ¥price"."""
    aisle = await category_by_id(ctx.uow, category_id)
    if aisle is None:
        await ask_category(ctx, note=note)
        return
    found = await products_in_category(
        ctx.uow, category_id, limit=PRODUCTS_PER_PAGE + 1, offset=page * PRODUCTS_PER_PAGE
    )
    if not found and page > 0:
        await ask_products(ctx, category_id, 0, note=note)
        return
    more = len(found) > PRODUCTS_PER_PAGE
    in_stock = [product for product in found[:PRODUCTS_PER_PAGE] if product.stock > 0]
    if not in_stock and not more and page == 0:
        empty = ctx._("Sorry, there is nothing in {category} right now.").format(
            category=category_name(ctx, aisle)
        )
        await ask_category(ctx, note=joined(note, empty))
        return
    labels = unique_labels(
        [f"{product_name(ctx, p)} · {ctx.t.money(p.price_fen)}" for p in in_stock]
    )
    ctx.chat.go(
        STEP_PRODUCT,
        category_id=category_id,
        page=page,
        more=more,
        **{CHOICES: {label: p.id for label, p in zip(labels, in_stock, strict=True)}},
    )
    question = ctx._("{category}: which one would you like?").format(
        category=category_name(ctx, aisle)
    )
    rows = [[MORE] if more or page > 0 else [], [BACK]]
    ctx.say(joined(note, question), keyboard=keyboard(ctx, labels, columns=1, rows=rows))


async def product_answer(ctx: Ctx, text: str | None) -> None:
    """A product goes into the order (one of it); "More" pages; "Back" to the aisles."""
    data = ctx.chat.data
    category_id, page = int(data.get("category_id", 0)), int(data.get("page", 0))
    if is_label(ctx, text, MORE):
        await ask_products(ctx, category_id, page + 1 if data.get("more") else 0)
    elif is_label(ctx, text, BACK):
        await ask_category(ctx)
    elif (product_id := chosen(ctx, text)) is not None:
        refusal = await _attempt(
            ctx, lambda: change_quantity(ctx.uow, ctx.customer.id, product_id, 1)
        )
        if refusal is not None:
            await ask_products(ctx, category_id, page, note=refusal)
            return
        product = await product_by_id(ctx.uow, product_id)
        name = product_name(ctx, product) if product else ""
        await ask_item(ctx, product_id, note=ctx._("Added: {name}.").format(name=name))
    else:
        await ask_products(ctx, category_id, page, note=ctx._(PRESS_A_BUTTON))


# --- how many --------------------------------------------------------------------------


async def ask_item(ctx: Ctx, product_id: int, *, note: str | None = None) -> None:
    """How many of this one, the running total, then: one more, remove, or that's all."""
    product = await product_by_id(ctx.uow, product_id)
    quantity = dict(await cart_items(ctx.uow, ctx.customer.id)).get(product_id)
    if product is None or quantity is None:
        await ask_category(ctx, note=note)
        return
    cart, _gone = await load_cart(ctx)
    have = ctx._("In your order: {name} × {num}").format(
        name=product_name(ctx, product), num=quantity
    )
    if product.sku in cart.short:
        left = cart.short[product.sku]
        have += "\n" + ctx.t.ngettext(
            "⚠️ Only {num} is left, so please take fewer.",
            "⚠️ Only {num} are left, so please take fewer.",
            left,
        ).format(num=left)
    ctx.chat.go(STEP_ITEM, product_id=product_id, category_id=product.category_id)
    rows = [
        [ADD_ONE, TAKE_ONE] if quantity > 1 else [ADD_ONE],
        [REMOVE],
        [SOMETHING_ELSE, THATS_ALL],
    ]
    ctx.say(
        joined(note, f"{have}\n{total_line(ctx, cart)}", ctx._("Anything else?")),
        keyboard=keyboard(ctx, [], rows=rows),
    )


async def item_answer(ctx: Ctx, text: str | None) -> None:
    """Add one, take one away, remove it, something else, or that's all."""
    product_id = int(ctx.chat.data.get("product_id", 0))
    customer_id = ctx.customer.id
    if is_label(ctx, text, ADD_ONE):
        refusal = await _attempt(ctx, lambda: change_quantity(ctx.uow, customer_id, product_id, 1))
        await ask_item(ctx, product_id, note=refusal or ctx._("One more added."))
    elif is_label(ctx, text, TAKE_ONE):
        refusal = await _attempt(ctx, lambda: change_quantity(ctx.uow, customer_id, product_id, -1))
        await ask_item(ctx, product_id, note=refusal or ctx._("One taken away."))
    elif is_label(ctx, text, REMOVE):
        await _remove(ctx, product_id)
    elif is_label(ctx, text, SOMETHING_ELSE):
        await ask_category(ctx)
    elif is_label(ctx, text, THATS_ALL):
        await ask_review(ctx)
    else:
        await ask_item(ctx, product_id, note=ctx._(PRESS_A_BUTTON))


async def _remove(ctx: Ctx, product_id: int) -> None:
    """Take the line out, say so with the new total, and offer the aisles again."""
    product = await product_by_id(ctx.uow, product_id)
    await set_quantity(ctx.uow, ctx.customer.id, product_id, 0)
    cart, _gone = await load_cart(ctx)
    removed = ctx._("Removed: {name}.").format(name=product_name(ctx, product) if product else "")
    await ask_category(ctx, note=f"{removed}\n{total_line(ctx, cart)}")


# --- the read-back ----------------------------------------------------------------------


async def ask_review(ctx: Ctx, *, note: str | None = None) -> None:
    """The whole order in words, the total, payment and arrival: "Yes, order it"?"""
    cart, gone = await load_cart(ctx)
    if gone:
        note = joined(
            note, ctx._("No longer sold, so taken out: {names}.").format(names=", ".join(gone))
        )
    if cart.priced is None:
        await ask_category(
            ctx, note=joined(note, ctx._("Your order is empty. Please choose something first."))
        )
        return
    quote = cart.priced.quote
    money = ctx.t.money
    lines = await line_texts(ctx, cart)
    for gift in quote.gift_lines:
        product = await product_by_id(ctx.uow, gift.product_id)
        if product is not None:
            lines.append(
                ctx._("🎁 {name} × {num}: free gift").format(
                    name=product_name(ctx, product), num=gift.quantity
                )
            )
    costs = []
    if quote.discount_fen:
        costs.append(ctx._("Discount: −{amount}").format(amount=money(quote.discount_fen)))
    costs.append(
        ctx._("Delivery: {amount}").format(amount=money(quote.shipping_fen))
        if quote.shipping_fen
        else ctx._("Delivery: free")
    )
    slot = await slot_for(ctx)
    summary = "\n".join(
        [
            ctx._("Total {total}, pay on delivery.").format(total=money(quote.total_fen)),
            arrival(ctx, slot.date, slot.window_start, slot.window_end),
        ]
    )
    nonce = ctx.chat.data.get(NONCE) if ctx.chat.step == STEP_REVIEW else None
    read_back = [list(item) for item in await cart_items(ctx.uow, ctx.customer.id)]
    ctx.chat.go(STEP_REVIEW, **{NONCE: nonce or secrets.token_urlsafe(16), ITEMS: read_back})
    ctx.say(
        joined(
            note,
            ctx._("You are ordering:") + "\n" + "\n".join(lines),
            "\n".join(costs),
            summary,
            ctx._("Shall I place this order?"),
        ),
        keyboard=keyboard(ctx, [], rows=[[YES], [CHANGE]]),
    )


async def review_answer(ctx: Ctx, text: str | None) -> None:
    """Yes places the order; "Change something" lists the lines to change."""
    if is_label(ctx, text, YES):
        read_back = [list(item) for item in await cart_items(ctx.uow, ctx.customer.id)]
        if read_back != ctx.chat.data.get(ITEMS):
            await ask_review(ctx, note=ctx._("Your order has changed. Please check it again."))
            return
        await _place(ctx, str(ctx.chat.data.get(NONCE) or ""))
    elif is_label(ctx, text, CHANGE):
        await ask_change(ctx)
    else:
        await ask_review(ctx, note=ctx._(PRESS_A_BUTTON))


async def ask_change(ctx: Ctx, *, note: str | None = None) -> None:
    """Each line of the order as a big button; pressing one opens "how many" for it."""
    cart, _gone = await load_cart(ctx)
    if cart.priced is None:
        await ask_category(ctx, note=note)
        return
    paid = cart.priced.quote.paid_lines
    names = [
        f"{product_name(ctx, cart.priced.products[line.product_id])} × {line.quantity}"
        for line in paid
    ]
    labels = unique_labels(names)
    ctx.chat.go(
        STEP_CHANGE,
        **{CHOICES: {label: line.product_id for label, line in zip(labels, paid, strict=True)}},
    )
    ctx.say(
        joined(note, ctx._("What would you like to change?")),
        keyboard=keyboard(ctx, labels, columns=1, rows=[[SOMETHING_ELSE, THATS_ALL]]),
    )


async def change_answer(ctx: Ctx, text: str | None) -> None:
    """A line to change, something else to add, or back to the read-back."""
    if is_label(ctx, text, SOMETHING_ELSE):
        await ask_category(ctx)
    elif is_label(ctx, text, THATS_ALL):
        await ask_review(ctx)
    elif (product_id := chosen(ctx, text)) is not None:
        await ask_item(ctx, product_id)
    else:
        await ask_change(ctx, note=ctx._(PRESS_A_BUTTON))


# --- the order --------------------------------------------------------------------------


async def _place(ctx: Ctx, nonce: str) -> None:
    """Check out with the read-back's nonce: the same nonce always gives the same order."""
    if not nonce:
        await ask_review(ctx)
        return
    try:
        async with ctx.uow.savepoint():
            placed = await checkout_cart(ctx.uow, ctx.customer, nonce)
    except DomainError as refusal:
        await ctx.uow.refresh(ctx.customer)  # a rolled-back savepoint may expire it
        ctx.chat.go(STEP_REVIEW, **{NONCE: nonce})
        await ask_review(ctx, note=explain(refusal, ctx.t))
        return
    order = placed.order
    ctx.chat.go(STEP_DONE, **{NONCE: nonce})
    thanks = ctx._("Thank you! Your order {order} is placed. Total {total}, pay on delivery.")
    ctx.say(
        joined(
            thanks.format(order=order.order_no, total=ctx.t.money(order.total_fen)),
            arrival(ctx, order.delivery_date, order.window_start, order.window_end),
        ),
        keyboard=keyboard(ctx, [], rows=[[SHOP_AGAIN]]),
    )
    if placed.created:
        await ping_partner(ctx, order)


async def done_answer(ctx: Ctx, text: str | None) -> None:
    """After the order: shop again; a repeated "Yes" shows the same order, never a new one."""
    if is_label(ctx, text, YES):
        await _place(ctx, str(ctx.chat.data.get(NONCE) or ""))
    elif is_label(ctx, text, SHOP_AGAIN):
        await ask_category(ctx)
    else:
        ctx.say(
            ctx._("Your order is placed. Would you like anything else?"),
            keyboard=keyboard(ctx, [], rows=[[SHOP_AGAIN]]),
        )
