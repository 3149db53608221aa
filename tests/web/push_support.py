"""A fake push service on 127.0.0.1 and a browser's push keys, to read what Linli pushes.

``FakePushService`` answers like a real push service (201, or what a test tells it per
endpoint: 410 for a subscription the browser dropped) and keeps every request. A
``BrowserKeys`` is what a browser's ``PushManager.subscribe`` makes: an ECDH key pair and
an auth secret; ``decrypt`` opens a push with them as the browser would (RFC 8291).
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import http_ece
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass
class Received:
    """One push as the service got it."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class BrowserKeys:
    """One browser's subscription keys."""

    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: secrets.token_bytes(16))

    def subscription(self, endpoint: str) -> dict[str, Any]:
        """``PushSubscription.toJSON()`` as the page sends it."""
        point = self.private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": endpoint, "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)}}

    def decrypt(self, push: Received) -> dict[str, Any]:
        """The notification's JSON, decrypted as the browser does."""
        assert push.headers.get("Content-Encoding") == "aes128gcm"
        plain = http_ece.decrypt(
            push.body, private_key=self.private, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


class FakePushService:
    """Takes pushes at ``/push/<name>``; answers 201 unless told otherwise."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: dict[str, int] = {}
        self.arrived = asyncio.Event()
        app = web.Application()
        app.router.add_post("/push/{name}", self._take)
        self.server = TestServer(app, host="127.0.0.1")

    async def __aenter__(self) -> FakePushService:
        await self.server.start_server()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.server.close()

    def endpoint(self, name: str) -> str:
        """A subscription's endpoint on this service."""
        return str(self.server.make_url(f"/push/{name}"))

    async def _take(self, request: web.Request) -> web.Response:
        path = request.path
        self.received.append(Received(path, dict(request.headers), await request.read()))
        self.arrived.set()
        return web.Response(status=self.answers.get(path.rsplit("/", 1)[-1], 201))

    async def next_push(self, timeout_s: float = 5.0) -> Received:
        """Wait for one more push than was taken so far."""
        seen = len(self.received)
        deadline = asyncio.get_running_loop().time() + timeout_s
        while len(self.received) <= seen:
            self.arrived.clear()
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError("no push arrived")
            try:
                await asyncio.wait_for(self.arrived.wait(), left)
            except TimeoutError:
                raise AssertionError("no push arrived") from None
        return self.received[seen]
