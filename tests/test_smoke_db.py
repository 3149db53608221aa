from sqlalchemy import func, select

from core.models import Product


async def test_a_fresh_database_has_an_empty_catalog(db):
    async with db.uow() as uow:
        count = await uow.session.scalar(select(func.count()).select_from(Product))
    assert count == 0
