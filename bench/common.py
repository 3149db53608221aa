"""Shared benchmark helpers: machine description, percentiles, scratch PostgreSQL databases."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from core.platform.config import normalise_database_url

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def machine() -> str:
    """One line naming the machine the figures came from."""
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (
        f"{platform.node()} | {os.cpu_count()} cores | {cpu} | "
        f"Python {platform.python_version()} | {platform.system()} {platform.release()}"
    )


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``samples`` (pct in 0..100)."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(samples_ms: list[float]) -> str:
    """p50/p95/p99/max in milliseconds."""
    return (
        f"p50 {percentile(samples_ms, 50):.1f} ms, p95 {percentile(samples_ms, 95):.1f} ms, "
        f"p99 {percentile(samples_ms, 99):.1f} ms, max {max(samples_ms):.1f} ms, "
        f"mean {statistics.fmean(samples_ms):.1f} ms"
    )


@asynccontextmanager
async def scratch_postgres(server_url: str) -> AsyncIterator[str]:
    """A throw-away database on the server of ``server_url``, dropped afterwards."""
    url = normalise_database_url(server_url)
    name = f"linli_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@contextlib.contextmanager
def fake_service(module: str, *args: str, what: str) -> Iterator[int]:
    """``python -m module args`` (a fake service that prints ``listening on PORT``) in its
    own process; its port. ``what`` names it when it does not start."""
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield listening_port(process, what)
    finally:
        process.terminate()
        process.wait(10)


def listening_port(process: subprocess.Popen[str], what: str) -> int:
    """The port a started process announces with its first line, ``listening on PORT``."""
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("listening on "):
        raise RuntimeError(f"{what} did not start: {line!r}")
    return int(line.split()[-1])


# --- simulated customers, shared by the Telegram and web chat benchmarks ---


async def wait_turn(due: float, gap_s: float, rng: random.Random) -> float:
    """Sleep until the next tap is due (open loop); the due time of this tap."""
    if not gap_s:
        return 0.0
    due = (due or time.perf_counter() + rng.uniform(0, gap_s)) + gap_s * rng.uniform(0.5, 1.5)
    await asyncio.sleep(max(0.0, due - time.perf_counter()))
    return due


def is_product(label: str) -> bool:
    """A product button in a list (name · price)."""
    return "¥" in label and "·" in label and not label.startswith(("✅", "🧺"))


def is_aisle(label: str) -> bool:
    """An aisle button on the shop screen."""
    return not label.startswith(("🧺", "🏠", "⬅", "🔍"))
