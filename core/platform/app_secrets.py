"""Secrets made on first use and shared by every process through the database."""

from __future__ import annotations

import base64
import secrets

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from core.models import AppSecret
from core.platform.uow import Database


async def app_secret(db: Database, name: str) -> bytes:
    """32 random bytes stored under ``name``, made once; cached per process.

    Made in its own committed transaction, so a failing step elsewhere can never roll it
    back after this process has cached it; two processes racing both read the winner's.
    """
    cache_key = f"app_secret:{name}"
    cached = db.caches.get(cache_key)
    if cached is not None:
        return bytes(cached)
    query = select(AppSecret.value).where(AppSecret.name == name)
    async with db.uow() as uow:
        value = await uow.session.scalar(query)
        if value is None:
            try:
                fresh = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
                await uow.session.execute(insert(AppSecret).values(name=name, value=fresh))
                await uow.commit()
                value = fresh
            except IntegrityError:
                await uow.rollback()
                value = await uow.session.scalar(query)
    key = base64.urlsafe_b64decode(str(value))
    db.caches[cache_key] = key
    return key
