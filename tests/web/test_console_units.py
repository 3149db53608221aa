"""Units, buildings and partners in the console, over core/people/units.py."""

import datetime as dt

from core.people.units import active_partner, buildings_of, unit_by_code
from tests.web.console_support import add_hq, console, sign_in


async def test_hq_adds_a_unit_edits_it_adds_a_building_and_a_partner(db):
    await add_hq(db)
    async with console(db) as client:
        token = await sign_in(client)
        made = await client.post("/admin/units", data={
            "csrf": token, "code": "meili", "name_zh": "美丽家园", "name_en": "Meili Home",
            "area": "静安区", "buildings": "1栋，2栋, 3栋"})  # fmt: skip
        assert made.url.path == "/admin/units/meili"
        assert 'form id="unit-edit"' in await made.text()
        edited = await client.post(
            "/admin/units/meili",
            data={
                "csrf": token,
                "name_zh": "美丽家园",
                "name_en": "Meili Home",
                "area": "静安区 南京西路",
                "cutoff": "14:00",
                "window_start": "17:30",
                "window_end": "20:30",
                "active": "1",
            },
        )
        assert "已保存。" in await edited.text()
        await client.post("/admin/units/meili/buildings", data={"csrf": token, "label": "4栋"})
        partner = await client.post("/admin/units/meili/partner", data={
            "csrf": token, "name": "赵敏", "phone": "13800000000"})  # fmt: skip
        assert "赵敏" in await partner.text()
        second = await client.post(
            "/admin/units/meili/partner", data={"csrf": token, "name": "钱多多"}
        )
        assert second.status == 400
        assert "勾选“替换”" in await second.text()
        listing = await (await client.get("/admin/units")).text()
        assert 'id="unit-meili"' in listing and "赵敏" in listing
    async with db.uow() as uow:
        unit = await unit_by_code(uow, "meili")
        assert (unit.cutoff, unit.window_start, unit.area) == (
            dt.time(14, 0),
            dt.time(17, 30),
            "静安区 南京西路",
        )
        assert [b.label for b in await buildings_of(uow, unit.id)] == ["1栋", "2栋", "3栋", "4栋"]
        assert (await active_partner(uow, unit.id)).name == "赵敏"


async def test_a_unit_code_twice_is_refused_with_the_reason(db):
    await add_hq(db)
    async with console(db) as client:
        token = await sign_in(client)
        form = {"csrf": token, "code": "meili", "name_zh": "美丽家园", "name_en": "Meili",
                "area": "静安区", "buildings": "1栋"}  # fmt: skip
        await client.post("/admin/units", data=form)
        again = await client.post("/admin/units", data=form)
        assert again.status == 400
        assert "unit meili exists already" in await again.text()
