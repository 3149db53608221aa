"""``linli serve`` as an operator runs it: a process on a migrated demo database that
answers HTTP, prints where to point a browser and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.telegram.fake_bot_api import TOKEN, Person, RecordingRequest, message_update
from tests.telegram.limited_bot_api import LimitedBotApi
from web.webhook import SECRET_HEADER

ROOT = Path(__file__).resolve().parents[2]
STARTED = "Press Ctrl-C to stop."
SECRET = "process-test_secret"
ANNA = Person(777001, "Anna")


def linli(*args: str) -> list[str]:
    """The command line of ``linli ARGS`` from this checkout."""
    return [sys.executable, "-c", "from app.cli.main import cli; cli()", *args]


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """A clean LINLI_* environment on a temp SQLite database, port picked by the system."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env["PYTHONPATH"] = str(ROOT)
    env["LINLI_DATABASE_URL"] = f"sqlite:///{tmp_path / 'linli.sqlite3'}"
    env["LINLI_HTTP_PORT"] = "0"
    env.update({f"LINLI_{name.upper()}": value for name, value in settings.items()})
    return env


@dataclass
class Serving:
    """A running ``linli serve`` and what it printed."""

    process: asyncio.subprocess.Process
    stdout: list[str] = field(default_factory=list)
    base: str = ""

    async def started(self) -> None:
        """Read its output until it says it serves; remember the address."""
        assert self.process.stdout is not None
        async with asyncio.timeout(60):
            while True:
                line = (await self.process.stdout.readline()).decode()
                if not line:
                    raise AssertionError(f"linli serve ended early: {self.stdout}")
                self.stdout.append(line.rstrip("\n"))
                found = re.search(r"serving on (http://\S+)", line)
                if found:
                    self.base = found.group(1)
                if STARTED in line:
                    return

    async def terminate(self) -> tuple[int, list[str], str]:
        """SIGTERM; (exit code, the rest of stdout, stderr), within a few seconds."""
        self.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            out, err = await self.process.communicate()
        return self.process.returncode or 0, out.decode().splitlines(), err.decode()


async def run_linli(env: dict[str, str], cwd: Path, *args: str) -> None:
    """``linli *args`` to its end, which must be a success."""
    done = await asyncio.create_subprocess_exec(
        *linli(*args), env=env, cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await done.communicate()
    assert done.returncode == 0, err.decode()


@asynccontextmanager
async def linli_serve(tmp_path: Path, **settings: str) -> AsyncIterator[Serving]:
    """``linli db upgrade``, ``linli demo``, then ``linli serve`` started."""
    env = environment(tmp_path, **settings)
    for step in (("db", "upgrade"), ("demo",)):
        await run_linli(env, tmp_path, *step)
    async with serve_process(env, tmp_path) as serving:
        yield serving


@asynccontextmanager
async def serve_process(
    env: dict[str, str], cwd: Path, *, graceful: bool = False
) -> AsyncIterator[Serving]:
    """``linli serve`` started; after, killed (or, ``graceful``, terminated) if still running."""
    process = await asyncio.create_subprocess_exec(
        *linli("serve"), env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    serving = Serving(process)
    try:
        await serving.started()
        yield serving
    finally:
        if process.returncode is None:
            if graceful:
                await serving.terminate()
            else:
                process.kill()
                await process.wait()


async def get_json(url: str) -> tuple[int, dict]:
    """GET ``url``: (status, JSON body)."""
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.json()


async def test_linli_serve_prints_its_addresses_answers_health_and_stops_on_sigterm(tmp_path):
    async with linli_serve(tmp_path) as serve:
        status, health = await get_json(f"{serve.base}/healthz")
        code, rest, errors = await serve.terminate()

    assert any(line.strip() == f"chat page:   {serve.base}/" for line in serve.stdout)
    assert any(line.strip() == f"HQ console:  {serve.base}/admin" for line in serve.stdout)
    assert status == 200
    assert health["database"] == "ok" and health["scheduler_role"] == "held"
    assert health["telegram"] == "off"
    assert code == 0
    assert rest[-1] == "Linli stopped."
    assert "no longer holds the scheduler/sender role" in errors  # given back, not dropped
    assert "Traceback" not in errors


async def test_linli_serve_takes_telegram_updates_by_webhook_and_logs_json(tmp_path):
    async with LimitedBotApi(rate=1000, per_chat_interval_s=0) as api:
        settings = {
            "telegram_token": TOKEN,
            "telegram_api_url": f"http://127.0.0.1:{api.port}",
            "webhook_url": "https://linli.example/telegram/hook",
            "webhook_secret": SECRET,
            "log_format": "json",
        }
        async with linli_serve(tmp_path, **settings) as serve:
            update = message_update(RecordingRequest(), ANNA, text="/start")
            async with aiohttp.ClientSession() as http:
                hook = f"{serve.base}/telegram/hook"
                wrong = await http.post(hook, json=update, headers={SECRET_HEADER: "nope"})
                right = await http.post(hook, json=update, headers={SECRET_HEADER: SECRET})
            async with asyncio.timeout(20):
                while not api.copies(ANNA.id):  # noqa: ASYNC110 (another process answers)
                    await asyncio.sleep(0.05)
            _, health = await get_json(f"{serve.base}/healthz")
            code, _rest, errors = await serve.terminate()

    assert (wrong.status, right.status) == (401, 200)
    assert "setWebhook" in [arrival.method for arrival in api.arrivals]
    assert api.copies(ANNA.id) == 1
    assert health["telegram"] == "webhook"
    assert code == 0
    lines = [json.loads(line) for line in errors.splitlines() if line.strip()]
    assert lines and all("message" in line and "level" in line for line in lines)
    assert any(line.get("request_id") for line in lines if line["logger"] == "aiohttp.access")


async def test_linli_serve_polls_telegram_when_no_webhook_url_is_set(tmp_path):
    async with LimitedBotApi(rate=1000, per_chat_interval_s=0) as api:
        settings = {"telegram_token": TOKEN, "telegram_api_url": f"http://127.0.0.1:{api.port}"}
        async with linli_serve(tmp_path, **settings) as serve:
            _, health = await get_json(f"{serve.base}/healthz")
            code, _rest, errors = await serve.terminate()

    methods = {arrival.method for arrival in api.arrivals}
    assert health["telegram"] == "polling"
    assert "getUpdates" in methods and "setWebhook" not in methods
    assert any("by long polling" in line for line in serve.stdout)
    assert code == 0
    assert "Traceback" not in errors


async def test_updates_taken_just_before_sigterm_are_still_answered(tmp_path):
    people = [Person(778000 + n, f"Customer {n}") for n in range(40)]  # > 1 s at 30/s
    async with LimitedBotApi(rate=1000, per_chat_interval_s=0) as api:
        settings = {
            "telegram_token": TOKEN,
            "telegram_api_url": f"http://127.0.0.1:{api.port}",
            "webhook_url": "https://linli.example/telegram/hook",
            "webhook_secret": SECRET,
        }
        async with linli_serve(tmp_path, **settings) as serve:
            fake = RecordingRequest()
            async with aiohttp.ClientSession() as http:
                statuses = [
                    (
                        await http.post(
                            f"{serve.base}/telegram/hook",
                            json=message_update(fake, who, text="/start"),
                            headers={SECRET_HEADER: SECRET},
                        )
                    ).status
                    for who in people
                ]
            answered_before = sum(api.copies(who.id) for who in people)
            code, _rest, _errors = await serve.terminate()  # at once, updates still in flight

    assert statuses == [200] * 40
    assert answered_before < 40  # the stop really came with updates in flight
    assert code == 0
    assert [api.copies(who.id) for who in people] == [1] * 40
