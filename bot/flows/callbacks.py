"""Typed, versioned, signed callback data within Telegram's 64 bytes.

A payload is ``code:field:field|signature``. ``code`` names the payload type and its
version (bump it when fields change: old buttons then read as expired). The signature is
an HMAC of the chat id and the body, so a button copied from another chat, a hand-made
one, or one from before a format change is refused with "this button has expired".
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import typing
from collections.abc import Callable
from typing import Any, TypeVar

MAX_BYTES = 64
_SIGNATURE_BYTES = 6  # 8 base64 characters: forging one takes ~2^48 tries
_REGISTRY: dict[str, type[Any]] = {}
_CODES: dict[type[Any], str] = {}
# Per payload type, its (field name, annotated type) pairs: resolving string annotations
# compiles them, which cost more than the rest of an unpack (bench/telegram_bench.py).
_FIELDS: dict[type[Any], tuple[tuple[str, object], ...]] = {}
# Per signing key, the HMAC keyed once; each signature copies it (half the cost of hmac.new).
_KEYED: dict[bytes, hmac.HMAC] = {}

T = TypeVar("T")


class StaleButton(Exception):
    """Forged, foreign, malformed or outdated callback data."""


def payload(code: str) -> Callable[[type[T]], type[T]]:
    """Register a frozen dataclass as a button payload under a short versioned code."""

    def register(cls: type[T]) -> type[T]:
        if code in _REGISTRY or ":" in code or "|" in code:
            raise ValueError(f"bad or duplicate payload code {code!r}")
        if not dataclasses.is_dataclass(cls):
            raise TypeError("payloads are dataclasses")
        _REGISTRY[code] = cls
        _CODES[cls] = code
        return cls

    return register


def _sign(key: bytes, chat_id: str, body: str) -> str:
    """Short HMAC binding the body to one chat."""
    keyed = _KEYED.get(key)
    if keyed is None:
        keyed = _KEYED[key] = hmac.new(key, digestmod=hashlib.sha256)
    mac = keyed.copy()
    mac.update(f"{chat_id}|{body}".encode())
    return base64.urlsafe_b64encode(mac.digest()[:_SIGNATURE_BYTES]).decode()


def _fields_of(cls: type[Any]) -> tuple[tuple[str, object], ...]:
    """The payload's fields in order with their types, resolved once per type."""
    found = _FIELDS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = _FIELDS[cls] = tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))
    return found


def _field(value: object) -> str:
    """Encode one field; text must not contain the separators."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and ":" not in value and "|" not in value:
        return value
    raise ValueError(f"cannot pack {value!r}")


def pack(key: bytes, chat_id: str, item: object) -> str:
    """Callback data for ``item`` shown in ``chat_id``; raises if it would exceed 64 bytes."""
    code = _CODES[type(item)]
    fields = [_field(getattr(item, name)) for name, _kind in _fields_of(type(item))]
    body = ":".join([code, *fields])
    data = f"{body}|{_sign(key, chat_id, body)}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def unpack(key: bytes, chat_id: str, data: str) -> object:
    """The payload object, or StaleButton for anything not made by us for this chat."""
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES or data.count("|") != 1:
        raise StaleButton()
    body, signature = data.split("|")
    if not hmac.compare_digest(signature.encode(), _sign(key, chat_id, body).encode()):
        raise StaleButton()
    code, *raw = body.split(":")
    cls = _REGISTRY.get(code)
    if cls is None:
        raise StaleButton()
    fields = _fields_of(cls)
    if len(raw) != len(fields):
        raise StaleButton()
    values: dict[str, object] = {}
    for (name, kind), text in zip(fields, raw, strict=True):
        values[name] = _parse(kind, text)
    return cls(**values)


def _parse(kind: object, text: str) -> object:
    """Decode one field by its annotated type."""
    try:
        if kind is bool:
            if text not in ("0", "1"):
                raise ValueError(text)
            return text == "1"
        if kind is int:
            return int(text)
    except ValueError as exc:
        raise StaleButton() from exc
    return text
