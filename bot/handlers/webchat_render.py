"""Channel-neutral replies → the web page's messages (plain JSON-able dicts).

A bubble carries its text, the inline buttons under it, the big reply-keyboard keys it
brings (guided mode), an image as a ``data:`` URL; a document is a download; an edit
names the bubble it rewrites by its sequence number. Texts are plain: the page puts them
in text nodes, never into HTML.
"""

from __future__ import annotations

import base64
import mimetypes
from typing import Any

from bot.flows.replies import Document, Edit, InlineKeyboard, Say, Toast

Item = tuple[str, dict[str, Any]]  # (kind, body) as core.messaging.webchat_log stores it
REF_PREFIX = "w"  # refs of web-shown messages, apart from Telegram's numeric message ids
IMAGE_PATH = "/chat/image/"  # a photo sent from a page, served to its sender and recipient


def ref_of(seq: int) -> str:
    """The message ref flows see for the page's message number ``seq``."""
    return f"{REF_PREFIX}{seq}"


def seq_of(ref: str | None) -> int | None:
    """The page's message number behind a ref from ``ref_of``; None for anything else."""
    if ref is None or not ref.startswith(REF_PREFIX) or not ref[1:].isdigit():
        return None
    return int(ref[1:])


def image_url(image_id: str) -> str:
    """Where the page loads a stored web photo (``web.chat.photos``)."""
    return f"{IMAGE_PATH}{image_id}"


def buttons_json(buttons: InlineKeyboard) -> list[list[dict[str, str]]]:
    """Rows of ``{"label", "data"}``."""
    return [[{"label": b.label, "data": b.data} for b in row] for row in buttons]


def png_url(image: bytes) -> str:
    """An image as a ``data:`` URL the page shows inline (nothing fetched later)."""
    kind = "image/jpeg" if image[:3] == b"\xff\xd8\xff" else "image/png"
    return f"data:{kind};base64,{base64.b64encode(image).decode()}"


def say_item(reply: Say, *, reply_ref: bool = False) -> Item:
    """A bubble; ``reply_ref``: the reader may answer it (a relayed customer message)."""
    body: dict[str, Any] = {"text": reply.text, "buttons": buttons_json(reply.buttons)}
    if reply.keyboard is not None or reply.ask_contact:
        body["keyboard"] = [list(row) for row in reply.keyboard or ()]
        body["ask_contact"] = reply.ask_contact
    elif reply.remove_keyboard:
        body["remove_keyboard"] = True
    if reply.image is not None:
        body["image"] = png_url(reply.image)
    if reply_ref:
        body["answerable"] = True
    return "say", body


def edit_item(reply: Edit, target: int | None) -> Item:
    """An edit of bubble ``target``; without one (a typed step) it is a new bubble."""
    if target is None:
        return say_item(Say(reply.text, reply.buttons))
    return "edit", {"target": target, "text": reply.text, "buttons": buttons_json(reply.buttons)}


def toast_item(reply: Toast) -> Item:
    """A short note over the chat."""
    return "toast", {"text": reply.text, "alert": reply.alert}


def document_item(reply: Document) -> Item:
    """A download link with the file inside (leaflet PDFs and report CSVs are small)."""
    mime = mimetypes.guess_type(reply.filename)[0] or "application/octet-stream"
    return "document", {
        "filename": reply.filename,
        "caption": reply.caption,
        "url": f"data:{mime};base64,{base64.b64encode(reply.content).decode()}",
    }
