"""Statements and customer-value reports in the console: the CLI's numbers, CSV and chart."""

import csv
import io

from core.commissions.statements import statements_for, write_csv
from tests.factories import (
    deliver_order,
    make_bound_customer,
    make_product,
    make_unit_with_partner,
    place,
)
from tests.web.console_support import add_hq, console, sign_in


async def two_delivered_orders(db):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "COLA", stock=100)
    for room in ("101", "102"):
        customer = await make_bound_customer(db, setup, room=room)
        placed = await place(db, customer, [(cola, 1)])
        await deliver_order(db, placed.order.id)
    return setup


async def test_the_statement_csv_downloads_with_the_right_totals(db):
    await add_hq(db)
    setup = await two_delivered_orders(db)
    async with console(db) as client:
        await sign_in(client)
        html = await (await client.get("/admin/statements?month=2026-11")).text()
        assert "王阿姨" in html
        assert '<strong class="closing">¥6.00</strong>' in html  # 2 × 3 delivery
        assert '<strong class="closing-held">¥40.00</strong>' in html  # 2 × 20 new, held
        response = await client.get("/admin/statements.csv?month=2026-11&unit=jinxiu")
        assert response.status == 200
        assert response.content_type == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        body = await response.text()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sum(int(row["amount_fen"]) for row in rows) == 600
    assert sum(int(row["held_fen"]) for row in rows) == 4000
    assert {row["partner_id"] for row in rows} == {str(setup.partner.id)}
    async with db.uow() as uow:  # byte for byte what `linli statement --csv` writes
        expected = io.StringIO()
        write_csv(await statements_for(uow, "2026-11", "jinxiu"), expected)
    assert body == expected.getvalue()


async def test_the_report_page_shows_the_groups_and_the_chart_is_a_png(db):
    await add_hq(db)
    await two_delivered_orders(db)
    async with console(db) as client:
        await sign_in(client)
        html = await (await client.get("/admin/reports?unit=jinxiu")).text()
        assert "2 位顾客" in html
        for group in ("high_value", "potential", "lost", "regular", "new"):
            assert f'data-group="{group}"' in html
        potential = html.split('<tr data-group="potential">')[1].split("</tr>")[0]
        assert '<td class="num">2</td>' in potential
        assert 'id="report-chart"' in html
        chart = await client.get("/admin/reports/jinxiu/chart.png")
        assert chart.content_type == "image/png"
        assert (await chart.read()).startswith(b"\x89PNG\r\n\x1a\n")
        export = await client.get("/admin/reports/jinxiu.csv")
        data = await export.read()
        assert data.startswith(b"\xef\xbb\xbf")  # a BOM, for Excel
        assert len(data.decode("utf-8-sig").strip().splitlines()) == 3  # header + 2 customers
        assert (await client.get("/admin/reports/nowhere/chart.png")).status == 404
