"""Photos from the page: ``POST /chat/photo`` sends one, ``GET /chat/image/{id}`` shows one.

An upload (multipart: ``photo``, the page's message ``id``, an optional ``caption`` and
``reply_to``) needs this site's page and a chat cookie; the picture is checked and
re-encoded (``core.messaging.webchat_images``), kept, and goes through the flows as a ``Photo``
like any page message (same dedupe by the page's id: a resend is handled once). What
the flows answer reaches the page over its websocket; the upload's own answer is only
``{"ok": true}`` or a localised ``{"error": …}`` the page shows, with nothing kept.

An image is served to the chat that sent it and the chat it was forwarded to, no one
else (another browser gets 404, as for an id that does not exist).
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import BodyPartReader, web

from bot.flows.router import t_for
from bot.handlers.webchat import CLIENT_ID, MAX_TEXT, BadMessage, WebChat, WebIdentity
from core.messaging import webchat_images
from web.chat.identity import existing_identity
from web.chat.socket import APOLOGY, same_origin

log = logging.getLogger("linli.webchat")


def _(message: str) -> str:
    """Mark for extraction; translated when sent."""
    return message


NOT_AN_IMAGE = _("That file is not a photo we can send. Please choose a JPEG or PNG picture.")
TOO_BIG = _("That photo is too large (over 5 MB). Please choose a smaller one.")
EMPTY = _("That file is empty. Please choose a photo.")
CHUNK = 64 * 1024


class Refused(Exception):
    """An upload we do not take; its text is the (untranslated) reason for the person."""


async def upload(request: web.Request, chat: WebChat) -> web.Response:
    """Take one photo from the page and send it through the flows."""
    if not same_origin(request):
        raise web.HTTPForbidden(text="cross-site upload refused")
    who = await existing_identity(request, chat.db)
    if who is None:
        return web.json_response({"error": "no chat session"}, status=401)
    t = t_for(await chat.locale_of(who))
    try:
        fields, data = await _read(request)
    except Refused as refused:
        return web.json_response({"error": t.gettext(str(refused))}, status=400)
    client_id = fields.get("id", "")
    if not CLIENT_ID.match(client_id):
        return web.json_response({"error": "a page message needs an id"}, status=400)
    if await chat.handled(who, client_id):
        return web.json_response({"ok": True})  # a resend of a photo already sent
    try:
        jpeg = await asyncio.to_thread(webchat_images.reencode, data)
    except webchat_images.NotAnImage as bad:
        log.info("web chat %s: photo refused (%s)", who.key, bad)
        return web.json_response({"error": t.gettext(NOT_AN_IMAGE)}, status=400)
    return await _send(chat, who, fields, jpeg, t.gettext(APOLOGY))


async def _send(
    chat: WebChat, who: WebIdentity, fields: dict[str, str], jpeg: bytes, apology: str
) -> web.Response:
    """Keep the photo and run it through the flows as the page's message."""
    image_id = await webchat_images.store(chat.db, who.channel, who.chat_id, jpeg)
    message: dict[str, object] = {
        "type": "photo",
        "id": fields["id"],
        "image": image_id,
        "caption": fields.get("caption", "")[:MAX_TEXT],
    }
    reply_to = fields.get("reply_to", "")
    if reply_to.isdigit():
        message["reply_to"] = int(reply_to)
    try:
        await chat.receive(who, message)
    except BadMessage as bad:
        return web.json_response({"error": str(bad)}, status=400)
    except Exception:
        log.exception("web chat %s: photo %s failed", who.key, fields["id"])
        return web.json_response({"error": apology}, status=500)
    return web.json_response({"ok": True})


async def _read(request: web.Request) -> tuple[dict[str, str], bytes]:
    """The form's short fields and the photo's bytes (read no further than the cap)."""
    if not request.content_type.startswith("multipart/"):
        raise Refused(EMPTY)
    reader = await request.multipart()
    fields: dict[str, str] = {}
    data = b""
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "photo":
            data = await _capped(part, webchat_images.MAX_UPLOAD)
        elif part.name in ("id", "caption", "reply_to"):
            fields[part.name] = (await _capped(part, MAX_TEXT * 4)).decode("utf-8", "replace")
    if not data:
        raise Refused(EMPTY)
    return fields, data


async def _capped(part: BodyPartReader, limit: int) -> bytes:
    """A part's bytes; Refused(TOO_BIG) as soon as it passes ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(CHUNK):
        size += len(chunk)
        if size > limit:
            raise Refused(TOO_BIG)
        chunks.append(chunk)
    return b"".join(chunks)


async def image(request: web.Request, chat: WebChat) -> web.Response:
    """A stored photo, for its sender's and its recipient's browsers only."""
    who = await existing_identity(request, chat.db)
    image_id = request.match_info["image_id"]
    content = None
    if who is not None and len(image_id) <= 32:
        content = await webchat_images.content_for(chat.db, image_id, who.channel, who.chat_id)
    if content is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=content,
        content_type="image/jpeg",
        headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )
