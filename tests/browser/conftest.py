"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright.

``make test`` installs chromium (and a CJK font) from Debian's packages; nothing is
downloaded at run time. Screenshots go to ``LINLI_TEST_ARTIFACTS`` (default
``test-artifacts/`` in the repository, ignored by git) so CI keeps them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling Google's hosts, which this
# closed network refuses; --no-sandbox because the tests may run as root.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots are saved for people to look at."""
    default = Path(__file__).parents[2] / "test-artifacts"
    root = Path(os.environ.get("LINLI_TEST_ARTIFACTS", default))
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def chromium() -> str:
    """The browser's path; missing means the set-up did not run, which is a failure."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    """A fresh headless Chromium with an empty profile."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()
