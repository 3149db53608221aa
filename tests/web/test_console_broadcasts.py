"""Broadcasts from the console: preview, schedule through messaging.notices, outbox progress."""

import re

from sqlalchemy import func, select, update

from core.models import Broadcast, OutboxMessage
from core.people.customers import customer_for_identity
from tests.factories import make_bound_customer, make_unit_with_partner
from tests.web.console_support import add_hq, console, sign_in

KEY = re.compile(r'name="key" value="([0-9a-f]+)"')


async def households(db, n: int):
    setup = await make_unit_with_partner(db)
    for room in range(n):
        await make_bound_customer(db, setup, room=f"{101 + room}")
    return setup


async def test_a_scheduled_broadcast_writes_outbox_rows_and_its_page_shows_the_counts(db):
    await add_hq(db)
    await households(db, 3)
    async with console(db) as client:
        token = await sign_in(client)
        compose = {
            "csrf": token,
            "kind": "outage",
            "text": "明天 8:00–12:00 停水",
            "audience": "city",
        }
        preview = await client.post("/admin/broadcasts/preview", data=compose)
        html = await preview.text()
        assert preview.status == 200
        assert "将送达 3 户：网页 0 户，Telegram 3 户" in html
        assert "⚠️ 停水停电通知\n\n明天 8:00–12:00 停水" in html.replace("&#34;", '"')
        async with db.uow() as uow:  # a preview sends nothing
            assert await uow.session.scalar(select(func.count()).select_from(Broadcast)) == 0

        confirm = {
            "csrf": token,
            "key": KEY.search(html).group(1),
            "kind": "outage",
            "text": "明天 8:00–12:00 停水",
            "audience": "city",
            "unit": "",
            "at": "",
        }
        scheduled = await client.post("/admin/broadcasts", data=confirm)
        assert re.fullmatch(r"/admin/broadcasts/\d+", scheduled.url.path)
        again = await client.post("/admin/broadcasts", data=confirm)  # a double tap
        assert again.url.path == scheduled.url.path
        async with db.uow() as uow:
            rows = list(await uow.session.scalars(select(OutboxMessage)))
        assert len(rows) == 3 and {row.status for row in rows} == {"pending"}
        assert f"{scheduled.url.path}.json" in await scheduled.text()  # it keeps refreshing

        async with db.uow() as uow:  # the sender settles two of the three
            await uow.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == rows[0].id).values(status="sent")
            )
            await uow.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == rows[1].id).values(status="blocked")
            )
            await uow.commit()
        status = await (await client.get(f"{scheduled.url.path}.json")).json()
        assert (status["total"], status["sent"], status["blocked"], status["pending"]) == (
            3,
            1,
            1,
            1,
        )
        html = await (await client.get(scheduled.url.path)).text()
        assert '<td class="num" data-count="sent">1</td>' in html
        assert '<td class="num" data-count="blocked">1</td>' in html
        assert '<td class="num" data-count="pending">1</td>' in html
        listing = await (await client.get("/admin/broadcasts")).text()
        assert f'id="broadcast-{status["id"]}"' in listing


async def test_a_broadcast_to_one_unit_reaches_only_its_households(db):
    await add_hq(db)
    await households(db, 2)
    other = await make_unit_with_partner(db, code="meili")
    await make_bound_customer(db, other, room="909")
    async with console(db) as client:
        token = await sign_in(client)
        compose = {"csrf": token, "kind": "event", "text": "周六小区义卖", "audience": "unit",
                   "unit": "meili"}  # fmt: skip
        html = await (await client.post("/admin/broadcasts/preview", data=compose)).text()
        assert "将送达 1 户：网页 0 户，Telegram 1 户" in html
        assert "将在免打扰时段结束后发送" in html


async def test_an_empty_text_is_refused_with_the_reason(db):
    await add_hq(db)
    async with console(db) as client:
        token = await sign_in(client)
        compose = {"csrf": token, "kind": "event", "text": "  ", "audience": "city"}
        response = await client.post("/admin/broadcasts/preview", data=compose)
        assert response.status == 400
        assert "未保存：notice_text：write the notice" in await response.text()


async def test_the_preview_counts_web_households_and_says_when_nobody_would_get_it(db):
    await add_hq(db)
    setup = await households(db, 1)
    await make_unit_with_partner(db, code="empty")
    async with db.uow() as uow:
        web = await customer_for_identity(uow, "web", "web-console-00001", locale="zh_CN")
        web.unit_id = setup.unit.id
        await uow.commit()
    async with console(db) as client:
        token = await sign_in(client)
        compose = {"csrf": token, "kind": "event", "text": "周六小区义卖", "audience": "unit"}
        html = await (
            await client.post("/admin/broadcasts/preview", data={**compose, "unit": "jinxiu"})
        ).text()
        assert "将送达 2 户：网页 1 户，Telegram 1 户" in html
        assert 'id="broadcast-nobody"' not in html

        empty = await (
            await client.post("/admin/broadcasts/preview", data={**compose, "unit": "empty"})
        ).text()
        assert "这条通知不会送达任何人" in empty
        assert ">安排发送</button>" not in empty  # nothing to schedule
