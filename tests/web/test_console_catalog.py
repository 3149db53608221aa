"""Catalog import in the console: the CLI's validation, a progress bar, all or nothing."""

import asyncio

from aiohttp import FormData
from sqlalchemy import func, select

from core.models import Product
from tests.factories import make_category
from tests.web.console_support import add_hq, console, sign_in

HEADER = ("sku,category,name_zh,name_en,unit_zh,unit_en,price_yuan,reference_price_yuan,"
          "heavy,stock,care_note_zh,care_note_en")  # fmt: skip


def catalog_csv(*rows: str) -> bytes:
    return ("\n".join((HEADER, *rows)) + "\n").encode("utf-8")


def row(sku: str, price: str = "2.30") -> str:
    return f"{sku},drinks,可乐 {sku},Cola {sku},罐,can,{price},2.50,否,120,,"


async def upload(client, token: str, data: bytes):
    form = FormData()
    form.add_field("csrf", token)
    form.add_field("file", data, filename="catalog.csv", content_type="text/csv")
    return await client.post("/admin/catalog/import", data=form)


async def finished_status(client, page_url) -> dict:
    seen = []
    for _ in range(200):
        status = await (await client.get(f"{page_url.path}.json")).json()
        seen.append(status["percent"])
        if status["finished"]:
            status["seen"] = seen
            return status
        await asyncio.sleep(0.02)
    raise AssertionError(f"the import never finished: {seen}")


async def products(db) -> int:
    async with db.uow() as uow:
        return await uow.session.scalar(select(func.count()).select_from(Product))


async def test_a_csv_with_one_bad_row_shows_the_row_error_and_imports_nothing(db):
    await add_hq(db)
    await make_category(db, "drinks")
    async with console(db) as client:
        token = await sign_in(client)
        page = await upload(client, token, catalog_csv(row("A1"), row("A2", "2.345"), row("A3")))
        assert page.status == 200
        status = await finished_status(client, page.url)
        assert status["status"] == "rejected"
        assert [(e["line"], e["column"]) for e in status["errors"]] == [(3, "price_yuan")]
        html = await (await client.get(page.url.path)).text()
        assert "1 处问题：未导入任何商品。" in html
        assert '<td class="num">3</td><td>price_yuan</td>' in html
    assert await products(db) == 0


async def test_a_good_csv_imports_with_progress_reaching_100_percent(db):
    await add_hq(db)
    await make_category(db, "drinks")
    rows = [row(f"SKU{n:04d}") for n in range(2500)]
    async with console(db) as client:
        token = await sign_in(client)
        page = await upload(client, token, catalog_csv(*rows))
        assert 'id="import-bar"' in await page.text()
        status = await finished_status(client, page.url)
        assert status["status"] == "done"
        assert status["percent"] == 100 and status["created"] == 2500
        assert status["seen"] == sorted(status["seen"])  # the bar only moves forward
        html = await (await client.get(page.url.path)).text()
        assert 'value="100"' in html and "新增 2500 件商品" in html
        assert f"{page.url.path}.json" not in html  # it stops polling when done
    assert await products(db) == 2500


async def test_posting_without_a_file_asks_for_one(db):
    await add_hq(db)
    async with console(db) as client:
        token = await sign_in(client)
        response = await client.post("/admin/catalog/import", data={"csrf": token})
        assert response.status == 400
        assert "请选择要导入的 CSV 文件。" in await response.text()
