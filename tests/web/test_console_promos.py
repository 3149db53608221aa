"""Promo codes in the console: created and listed, paused so they stop applying; deals count."""

import datetime as dt

import pytest
from sqlalchemy import select

from core.catalog.deals import set_deal
from core.errors import PromoUnknown
from core.models import Category, Customer, DealEntry, Product, Promotion
from core.orders import cart
from tests.factories import make_bound_customer, make_product, make_unit_with_partner
from tests.web.console_support import add_hq, console, sign_in

NEW_CODE = {"code": "winter5", "kind": "code", "name_zh": "冬日立减", "name_en": "Winter 5 off",
            "benefit": "amount_off", "amount_off_yuan": "5", "min_spend_yuan": "30",
            "per_customer_limit": "1", "total_cap": "100"}  # fmt: skip


async def apply(db, customer_id: int, code: str) -> None:
    async with db.uow() as uow:
        customer = await uow.session.get(Customer, customer_id)
        await cart.apply_code(uow, customer, code)
        await uow.commit()


async def test_a_promo_code_is_created_listed_and_stops_applying_when_paused(db):
    await add_hq(db)
    setup = await make_unit_with_partner(db)
    customer = await make_bound_customer(db, setup)
    rice = await make_product(db, "RICE", price_fen=4000)
    async with db.uow() as uow:
        await cart.set_quantity(uow, customer.id, rice.id, 1)
        await uow.commit()
    async with console(db) as client:
        token = await sign_in(client)
        created = await client.post("/admin/promos", data={**NEW_CODE, "csrf": token})
        html = await created.text()
        assert "WINTER5 已创建并生效。" in html
        assert 'id="promo-WINTER5"' in html and "生效中" in html
        await apply(db, customer.id, "winter5")  # it applies to a 40-yuan cart

        async with db.uow() as uow:
            promo_id = await uow.session.scalar(
                select(Promotion.id).where(Promotion.code == "WINTER5")
            )
        paused = await client.post(f"/admin/promos/{promo_id}/pause", data={"csrf": token})
        assert "已暂停" in await paused.text()
        with pytest.raises(PromoUnknown):
            await apply(db, customer.id, "WINTER5")

        await client.post(f"/admin/promos/{promo_id}/resume", data={"csrf": token})
        await apply(db, customer.id, "WINTER5")


async def test_redemptions_are_shown_against_the_cap(db):
    await add_hq(db)
    async with db.uow() as uow:
        uow.session.add(Promotion(code="COKE01", kind="code", name_zh="一毛钱喝可乐",
                                  name_en="Coke", benefit="free_shipping", total_cap=1000,
                                  redeemed_count=37))  # fmt: skip
        await uow.commit()
    async with console(db) as client:
        await sign_in(client)
        html = await (await client.get("/admin/promos")).text()
        row = html.split('id="promo-COKE01"')[1].split("</tr>")[0]
        cells = [cell.split("</td>")[0] for cell in row.split('<td class="num">')[1:]]
        assert cells[:3] == ["37", "1000", "963"]  # redeemed, cap, left


async def test_a_refused_promo_shows_why_and_keeps_the_form_filled(db):
    await add_hq(db)
    async with console(db) as client:
        token = await sign_in(client)
        bad = {**NEW_CODE, "amount_off_yuan": "", "csrf": token}
        response = await client.post("/admin/promos", data=bad)
        assert response.status == 400
        html = await response.text()
        assert "未保存：amount_off_fen" in html
        assert 'value="冬日立减"' in html
    async with db.uow() as uow:
        assert await uow.session.scalar(select(Promotion.id)) is None


async def test_the_deals_page_warns_below_200_items_and_not_from_200(db, clock):
    await add_hq(db)
    today = clock.now().astimezone(db.settings.tz).date()
    for sku in ("D1", "D2", "D3"):
        await make_product(db, sku, price_fen=1000)
        async with db.uow() as uow:
            await set_deal(uow, today, sku, 500)
            await uow.commit()
    async with console(db) as client:
        await sign_in(client)
        html = await (await client.get("/admin/deals")).text()
        assert 'id="deals-warning"' in html
        assert "特价专区只有 3 件商品：承诺每天至少 200 件。" in html
        assert html.count("<strong>¥5.00</strong>") == 3
        assert 'id="deals-warning"' in await (await client.get("/admin/")).text()

        async with db.uow() as uow:
            category = await uow.session.scalar(select(Category))
            for n in range(197):
                product = Product(sku=f"BULK{n}", category_id=category.id, name_zh="货",
                                  name_en="goods", unit_zh="件", unit_en="pc", price_fen=900,
                                  reference_price_fen=950, heavy=False, stock=5,
                                  updated_at=clock.now())  # fmt: skip
                uow.session.add(product)
                await uow.session.flush()
                uow.session.add(DealEntry(deal_date=today, product_id=product.id,
                                          deal_price_fen=800))  # fmt: skip
            await uow.commit()
        html = await (await client.get("/admin/deals")).text()
        assert 'id="deals-warning"' not in html
        assert "特价专区共有 200 件商品。" in html
        yesterday = (today - dt.timedelta(days=1)).isoformat()
        earlier = await client.get(f"/admin/deals?day={yesterday}")
        assert 'id="deals-warning"' in await earlier.text()
