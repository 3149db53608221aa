"""Photos sent from the web chat: checked, re-encoded and kept in the database.

Only real images are kept (Pillow must decode them), and never as uploaded: they are
re-encoded as JPEG (no EXIF, GPS or other metadata survives) with the long side capped,
so what a partner receives is small and says nothing the customer did not mean to send.
Flows see a photo as ``web-image:<id>``; its bytes are read by the web route (for its
sender and its one recipient) and by the Telegram renderer (an upload with sendPhoto).
"""

from __future__ import annotations

import io
import secrets

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import update

from core.models import WebChatImage
from core.platform.uow import Database

REF_PREFIX = "web-image:"
MAX_UPLOAD = 5 * 1024 * 1024  # bytes a page may send
MAX_SIDE = 1600  # pixels of the long side kept
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding them
FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP", "BMP"})
QUALITY = 85


class NotAnImage(ValueError):
    """The bytes are not a picture we accept (or none at all)."""


def ref_of(image_id: str) -> str:
    """The ``Photo.file_ref`` flows carry for a stored web image."""
    return f"{REF_PREFIX}{image_id}"


def id_of(file_ref: str | None) -> str | None:
    """The stored image behind a ``web-image:`` ref; None for a Telegram file id or nothing."""
    if not file_ref or not file_ref.startswith(REF_PREFIX):
        return None
    return file_ref[len(REF_PREFIX) :] or None


def reencode(data: bytes) -> bytes:
    """``data`` as a metadata-free JPEG no larger than ``MAX_SIDE``; NotAnImage otherwise."""
    if not data:
        raise NotAnImage("empty")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise NotAnImage(f"format {probe.format}")
            if probe.width * probe.height > MAX_PIXELS:
                raise NotAnImage("too many pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            return _as_jpeg(opened)
    except NotAnImage:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as bad:
        raise NotAnImage(str(bad)) from bad


def _as_jpeg(opened: Image.Image) -> bytes:
    """Upright, RGB on white, long side capped, JPEG without metadata."""
    image = ImageOps.exif_transpose(opened)  # keep the way the phone held it
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode != "RGB":
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=QUALITY, optimize=True)
    return out.getvalue()


async def store(db: Database, channel: str, chat_id: str, jpeg: bytes) -> str:
    """Keep a re-encoded photo sent by chat (``channel``, ``chat_id``); its random id."""
    image_id = secrets.token_urlsafe(18)
    async with db.uow() as uow:
        uow.session.add(
            WebChatImage(
                id=image_id,
                channel=channel,
                chat_id=chat_id,
                content=jpeg,
                created_at=uow.clock.now(),
            )
        )
        await uow.commit()
    return image_id


async def owned_by(db: Database, image_id: str, channel: str, chat_id: str) -> bool:
    """True when chat (``channel``, ``chat_id``) uploaded this image."""
    async with db.uow() as uow:
        image = await uow.session.get(WebChatImage, image_id)
        return image is not None and (image.channel, image.chat_id) == (channel, chat_id)


async def deliver_to(db: Database, image_id: str, channel: str, chat_id: str) -> None:
    """Let chat (``channel``, ``chat_id``) read the image too (the first recipient only)."""
    async with db.uow() as uow:
        await uow.session.execute(
            update(WebChatImage)
            .where(WebChatImage.id == image_id, WebChatImage.recipient_channel.is_(None))
            .values(recipient_channel=channel, recipient_chat_id=chat_id)
        )
        await uow.commit()


async def content_for(db: Database, image_id: str, channel: str, chat_id: str) -> bytes | None:
    """The JPEG when chat (``channel``, ``chat_id``) sent or received it, else None."""
    async with db.uow() as uow:
        image = await uow.session.get(WebChatImage, image_id)
        if image is None:
            return None
        sender = (image.channel, image.chat_id)
        recipient = (image.recipient_channel, image.recipient_chat_id)
        if (channel, chat_id) not in (sender, recipient):
            return None
        return image.content


async def content_of(db: Database, image_id: str) -> bytes | None:
    """The JPEG, for the bot itself (the Telegram upload)."""
    async with db.uow() as uow:
        image = await uow.session.get(WebChatImage, image_id)
        return image.content if image is not None else None
