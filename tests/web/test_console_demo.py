"""A newcomer signs in with the demo operator ``linli demo`` prints and opens every page."""

from core.demo.loader import DEMO_OPERATOR, load_demo
from core.platform.clock import local_now
from tests.web.console_support import console, sign_in

PAGES = ["/admin/", "/admin/catalog", "/admin/deals", "/admin/promos", "/admin/units",
         "/admin/units/jinxiu", "/admin/broadcasts", "/admin/statements",
         "/admin/reports?unit=jinxiu"]  # fmt: skip


async def test_the_demo_operator_signs_in_and_every_page_opens_in_both_languages(db):
    async with db.uow() as uow:
        summary = await load_demo(uow, local_now(db.clock, db.settings.tz).date())
        await uow.commit()
    assert summary.console_sign_in == DEMO_OPERATOR
    username, password = DEMO_OPERATOR
    async with console(db) as client:
        token = await sign_in(client, username, password)
        for locale, words in (("zh_CN", "退出"), ("en", "Sign out")):
            await client.post("/admin/language", data={"csrf": token, "locale": locale})
            for path in PAGES:
                response = await client.get(path, allow_redirects=False)
                assert response.status == 200, (locale, path)
                assert words in await response.text(), (locale, path)
        promos = await (await client.get("/admin/promos")).text()
        assert 'id="promo-COKE01"' in promos
        deals = await (await client.get("/admin/deals")).text()
        assert 'id="deals-warning"' not in deals  # the demo city keeps its 200-item promise
