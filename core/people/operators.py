"""HQ console accounts: add an operator, check a sign-in (argon2id via argon2-cffi).

The hash is a PHC string carrying its own parameters, so raising the cost later only
needs ``PasswordHasher``'s defaults to change: the next good sign-in rehashes.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from core.errors import InvalidInput
from core.models import HqOperator
from core.platform.uow import UnitOfWork

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256
_HASHER = PasswordHasher()
# Verified against when the username is unknown, so a miss costs what a hit costs.
_DUMMY_HASH = _HASHER.hash("linli-no-such-operator")


def normalise_username(text: str) -> str:
    """Usernames are typed by hand: ignore case and surrounding spaces."""
    return (text or "").strip().lower()


def check_password(password: str) -> str:
    """A password long enough to resist guessing, short enough not to be a DoS on the KDF."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(field="password", reason=f"at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(field="password", reason=f"at most {MAX_PASSWORD} characters")
    return password


async def operator_by_username(uow: UnitOfWork, username: str) -> HqOperator | None:
    """The account named ``username`` (any case), if there is one."""
    return await uow.session.scalar(
        select(HqOperator).where(HqOperator.username == normalise_username(username))
    )


async def add_operator(uow: UnitOfWork, username: str, password: str) -> HqOperator:
    """A new console account; the same username twice is refused, not overwritten."""
    name = normalise_username(username)
    if not USERNAME.fullmatch(name):
        raise InvalidInput(
            field="username", reason="2-40 lowercase letters, digits, '.', '_' or '-'"
        )
    check_password(password)
    if await operator_by_username(uow, name) is not None:
        raise InvalidInput(field="username", reason=f"operator {name} exists already")
    operator = HqOperator(
        username=name,
        password_hash=_HASHER.hash(password),
        active=True,
        created_at=uow.clock.now(),
    )
    uow.session.add(operator)
    await uow.session.flush()
    return operator


def password_matches(operator: HqOperator, password: str) -> bool:
    """Whether ``password`` is the operator's (no rehash, no sign-in recorded)."""
    try:
        return _HASHER.verify(operator.password_hash, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return False


async def authenticate(uow: UnitOfWork, username: str, password: str) -> HqOperator | None:
    """The operator when the password is theirs (rehashed if the parameters changed), else None.

    The caller commits, which keeps a rehash and the sign-in time.
    """
    operator = await operator_by_username(uow, username)
    stored = operator.password_hash if operator is not None else _DUMMY_HASH
    too_long = len(password) > MAX_PASSWORD
    try:
        _HASHER.verify(stored, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    if operator is None or not operator.active or too_long:
        return None
    if _HASHER.check_needs_rehash(operator.password_hash):
        operator.password_hash = _HASHER.hash(password)
    operator.last_sign_in_at = uow.clock.now()
    return operator
