"""The server's VAPID key pair for Web Push: given by settings, or made once and kept.

``LINLI_VAPID_PRIVATE_KEY`` (the raw key, base64url, or a PEM) with its
``LINLI_VAPID_PUBLIC_KEY`` (the uncompressed point, base64url, as browsers take it);
unset, the private key is derived from an app secret made on first use and shared by
every process through the database (``core.platform.app_secrets``), so all processes
sign alike and browsers' subscriptions survive restarts.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from core.platform.app_secrets import app_secret
from core.platform.config import ConfigError, Settings
from core.platform.uow import Database

SECRET_NAME = "vapid"
TOKEN_LIFETIME_S = 12 * 3600  # push services accept at most 24 h
RENEW_BEFORE_S = 3600
# P-256's group order: a private key is a number below it
_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def b64url(data: bytes) -> str:
    """Unpadded base64url, as the Push API writes keys."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def public_key_of(vapid: Vapid02) -> str:
    """The applicationServerKey a page subscribes with."""
    point = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


@dataclass
class VapidKeys:
    """The key pair, its subject, and the signed tokens kept per push service."""

    vapid: Vapid02
    subject: str
    tokens: dict[str, tuple[float, dict[str, str]]] = field(default_factory=dict)

    @property
    def public_key(self) -> str:
        """The applicationServerKey (base64url)."""
        return public_key_of(self.vapid)

    def headers_for(self, endpoint: str) -> dict[str, str]:
        """The Authorization header for ``endpoint``'s push service (signed once in a while).

        Synchronous and CPU-bound: called from the push sender's worker threads.
        """
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        kept = self.tokens.get(audience)
        if kept is not None and kept[0] - RENEW_BEFORE_S > now:
            return dict(kept[1])
        expires = int(now) + TOKEN_LIFETIME_S
        signed = self.vapid.sign({"aud": audience, "exp": expires, "sub": self.subject})
        headers = {"Authorization": signed["Authorization"]}
        self.tokens[audience] = (expires, headers)
        return dict(headers)


def subject_of(settings: Settings) -> str:
    """Who push services may contact: the setting, else the site (https) or a mailto."""
    if settings.vapid_subject:
        return settings.vapid_subject
    if settings.web_address.startswith("https://"):
        return settings.web_address
    return "mailto:hq@linli.invalid"


def from_settings(settings: Settings) -> Vapid02 | None:
    """The configured key pair, checked (None when not configured)."""
    private = (settings.vapid_private_key or "").strip()
    public = (settings.vapid_public_key or "").strip()
    if not private:
        if public:
            raise ConfigError("LINLI_VAPID_PUBLIC_KEY is set without LINLI_VAPID_PRIVATE_KEY")
        return None
    try:
        if "BEGIN" in private:
            vapid = Vapid02.from_pem(private.encode())
        else:
            vapid = Vapid02.from_string(private_key=private)
    except Exception as bad:
        raise ConfigError(f"LINLI_VAPID_PRIVATE_KEY is not a P-256 private key ({bad})") from None
    if public and public.rstrip("=") != public_key_of(vapid):
        raise ConfigError("LINLI_VAPID_PUBLIC_KEY is not the public key of LINLI_VAPID_PRIVATE_KEY")
    return vapid


async def vapid_keys(db: Database) -> VapidKeys:
    """This deployment's VAPID keys (cached per process)."""
    cached = db.caches.get("vapid_keys")
    if isinstance(cached, VapidKeys):
        return cached
    vapid = from_settings(db.settings)
    if vapid is None:
        secret = await app_secret(db, SECRET_NAME)
        number = int.from_bytes(secret, "big") % (_ORDER - 1) + 1
        vapid = Vapid02(private_key=ec.derive_private_key(number, ec.SECP256R1()))
    keys = VapidKeys(vapid, subject_of(db.settings))
    db.caches["vapid_keys"] = keys
    return keys
