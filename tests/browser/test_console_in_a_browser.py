"""An HQ operator in a real browser: sign in, a catalog with a bad row, a new promo code."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser
from sqlalchemy import func, select

from core.demo.loader import DEMO_OPERATOR
from core.models import Product, Promotion
from tests.browser.serving import demo_city, serving
from web.console import mount as console

HEADER = (
    "sku,category,name_zh,name_en,unit_zh,unit_en,price_yuan,reference_price_yuan,"
    "heavy,stock,care_note_zh,care_note_en"
)


async def count(db, model) -> int:
    async with db.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)))


async def test_an_operator_signs_in_sees_a_bad_catalog_row_and_creates_a_promo_code(
    db, browser: Browser, artifacts: Path, tmp_path: Path
):
    await demo_city(db)
    products_before = await count(db, Product)
    csv = tmp_path / "catalog.csv"
    csv.write_text(
        "\n".join(
            [
                HEADER,
                "NEW-1,drinks,新可乐,New cola,罐,can,2.30,2.50,否,120,,",
                "NEW-2,drinks,贵可乐,Dear cola,罐,can,two yuan,2.50,否,120,,",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    username, password = DEMO_OPERATOR

    async with serving(db, [console]) as base:
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(f"{base}/admin/")
        assert page.url.endswith("/admin/login")  # no session: the sign-in page
        await page.fill("form#login input[name=username]", username)
        await page.fill("form#login input[name=password]", password)
        await page.click("form#login button[type=submit]")
        await page.wait_for_selector("form#logout")
        await page.click("form#language button[value=en]")
        await page.wait_for_selector("nav a#nav-catalog")

        await page.click("nav a#nav-catalog")
        await page.set_input_files("form#catalog-import input[type=file]", str(csv))
        await page.click("form#catalog-import button[type=submit]")
        await page.wait_for_selector("table#import-errors")
        lines = await page.locator("table#import-errors tbody tr td:first-child").all_inner_texts()
        assert lines == ["3"]  # the bad row alone, by its line in the file (header = line 1)
        assert "price" in (await page.inner_text("table#import-errors tbody")).lower()
        assert "nothing was imported" in await page.inner_text("#import-result")
        assert await count(db, Product) == products_before

        await page.click("nav a#nav-promos")
        form = "form#promo-new"
        await page.fill(f"{form} input[name=code]", "WINTER5")
        await page.fill(f"{form} input[name=name_zh]", "冬日立减")
        await page.fill(f"{form} input[name=name_en]", "Winter 5 off")
        await page.select_option(f"{form} select[name=kind]", "code")
        await page.select_option(f"{form} select[name=benefit]", "amount_off")
        await page.fill(f"{form} input[name=amount_off_yuan]", "5")
        await page.fill(f"{form} input[name=min_spend_yuan]", "30")
        await page.fill(f"{form} input[name=total_cap]", "100")
        await page.click(f"{form} button[type=submit]")
        row = await page.wait_for_selector("table#promos tr#promo-WINTER5")
        assert "Winter 5 off" in await row.inner_text()
        await page.screenshot(path=str(artifacts / "console-promos-1280.png"), full_page=True)
        await page.set_viewport_size({"width": 360, "height": 740})
        await page.screenshot(path=str(artifacts / "console-promos-360.png"), full_page=True)

    async with db.uow() as uow:
        created = await uow.session.scalar(select(Promotion).where(Promotion.code == "WINTER5"))
    assert created is not None and created.total_cap == 100


async def test_every_console_page_opens_in_a_browser_without_errors(db, browser: Browser):
    await demo_city(db)
    username, password = DEMO_OPERATOR
    problems: list[str] = []
    async with serving(db, [console]) as base:
        page = await browser.new_page(viewport={"width": 360, "height": 740})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on(
            "response",
            lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        await page.goto(f"{base}/admin/login")
        await page.fill("form#login input[name=username]", username)
        await page.fill("form#login input[name=password]", password)
        await page.click("form#login button[type=submit]")
        await page.wait_for_selector("form#logout")
        sections = ["catalog", "deals", "promos", "units", "broadcasts", "statements", "reports"]
        for section in sections:
            await page.click(f"nav a#nav-{section}")
            await page.wait_for_load_state("load")
            heading = await page.inner_text("h1")
            assert heading.strip(), section
            assert await page.evaluate("document.documentElement.scrollWidth") <= 360 + 1, section
    assert problems == []
