"""What ``linli serve`` prints at start: where to point a browser, and the parts' own lines."""

from __future__ import annotations

from app.server import announce, local_base
from web.context import ANNOUNCE, WebContext


def test_the_address_to_open_is_local_even_when_serving_every_interface():
    assert local_base("0.0.0.0", 8080) == "http://127.0.0.1:8080"
    assert local_base("::", 8080) == "http://127.0.0.1:8080"
    assert local_base("::1", 9000) == "http://[::1]:9000"
    assert local_base("192.168.1.5", 80) == "http://192.168.1.5:80"


async def test_the_banner_names_the_chat_page_the_console_and_what_parts_add(db):
    ctx = WebContext(db)
    ctx.extras[ANNOUNCE] = ["demo sign-in: hq@linli.invalid / demo-password"]
    printed: list[str] = []

    announce(printed.append, "http://127.0.0.1:8080", None, ctx)

    assert "  chat page:   http://127.0.0.1:8080/" in printed
    assert "  HQ console:  http://127.0.0.1:8080/admin" in printed
    assert "  demo sign-in: hq@linli.invalid / demo-password" in printed
    assert any("Telegram:    off" in line for line in printed)
    assert printed[-1] == "Press Ctrl-C to stop."
