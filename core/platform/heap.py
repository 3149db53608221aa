"""Keep the garbage collector off what lives for the whole process."""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect once, then freeze everything alive so full collections skip it.

    Call when start-up is done (modules imported, catalogs loaded). pypinyin's
    dictionaries alone are some 200,000 lists; scanning them on every full collection
    stalled the bot for 40–150 ms mid-conversation (bench/telegram_bench.py). Objects
    made later are collected as usual.
    """
    gc.collect()
    gc.freeze()
