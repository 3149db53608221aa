"""Images the console shows inline (a QR code as a ``data:`` URL: nothing fetched later)."""

from __future__ import annotations

import base64


def png_data_url(png: bytes) -> str:
    """PNG bytes as a ``data:image/png;base64,…`` URL for an ``<img src>``."""
    return "data:image/png;base64," + base64.b64encode(png).decode()
