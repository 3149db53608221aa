"""``linli broadcast``: HQ schedules a notice to a unit, its buildings, several units or the city,
lists what is still to send and cancels; bad input is refused by name with a non-zero exit."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.cli.main import cli
from core.models import Broadcast, Customer, OutboxMessage, Unit
from core.people.customers import customer_for_identity, set_household_profile
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.uow import Database
from tests.factories import make_bound_customer, make_unit_with_partner

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _in_shanghai(delta: dt.timedelta) -> str:
    """A --at value ``delta`` from the real now (the CLI runs on the wall clock)."""
    return f"{dt.datetime.now(SHANGHAI) + delta:%Y-%m-%d %H:%M}"


@pytest.fixture
def url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("LINLI_DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return url


def _on_db(url, work):
    """Run ``work(database)`` against the CLI's database."""

    async def main():
        settings = Settings(database_url=url)
        database = Database(create_engine(settings.database_url), settings)
        try:
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(main())


@pytest.fixture
def city(url):
    """锦绣花园: two households in 1栋 (one shared it has elderly), one in 2栋; 滨江: one."""

    async def story(database):
        home = await make_unit_with_partner(database)
        other = await make_unit_with_partner(database, code="binjiang", buildings=("A座",))
        first = await make_bound_customer(database, home, building=0, room="101")
        await make_bound_customer(database, home, building=0, room="102")
        await make_bound_customer(database, home, building=1, room="201")
        await make_bound_customer(database, other, building=0, room="101")
        async with database.uow() as uow:
            row = await uow.session.get(Customer, first.id)
            await set_household_profile(uow, row, consent=True, elderly=True)
            await uow.commit()

    _on_db(url, story)
    return url


def _broadcasts(url):
    async def read(database):
        async with database.uow() as uow:
            found = list(await uow.session.scalars(select(Broadcast).order_by(Broadcast.id)))
            rows = {
                b.id: list(
                    await uow.session.scalars(
                        select(OutboxMessage).where(OutboxMessage.broadcast_id == b.id)
                    )
                )
                for b in found
            }
            return found, rows

    return _on_db(url, read)


def run(*args):
    return CliRunner().invoke(cli, ["broadcast", *args])


def test_an_outage_notice_to_one_unit_prints_its_id_and_audience(city):
    result = run("--kind", "outage", "--text", "明天停水", "--unit", "jinxiu")

    assert result.exit_code == 0, result.output
    [broadcast], rows = _broadcasts(city)
    assert f"broadcast {broadcast.id}: outage to 3 households" in result.output
    assert "(0 opted out, 0 blocked the bot)" in result.output
    assert (broadcast.created_by, broadcast.override_quiet) == ("hq", True)
    assert {row.text for row in rows[broadcast.id]} == {"⚠️ 停水停电通知\n\n明天停水"}


def test_buildings_of_a_unit_and_the_whole_city(city):
    some = run("--kind", "event", "--text", "包饺子", "--unit", "jinxiu", "--building", "1栋")
    everyone = run("--kind", "advice", "--text", "降温了", "--city")
    both = run("--kind", "advice", "--text", "降温", "--unit", "jinxiu", "--unit", "binjiang")
    elderly = run("--kind", "advice", "--text", "防滑", "--city", "--flag", "elderly")

    assert "event to 2 households" in some.output, some.output
    assert "advice to 4 households" in everyone.output
    assert "advice to 4 households" in both.output
    assert "advice to 1 household: 0 on the web, 1 on Telegram " in elderly.output
    assert "(waits out quiet hours)" in some.output


def test_a_letter_from_hq_is_signed_by_linli_not_a_partner(city):
    result = run("--kind", "letter", "--text", "新年快乐", "--unit", "binjiang")

    assert result.exit_code == 0, result.output
    [broadcast], rows = _broadcasts(city)
    assert {row.text for row in rows[broadcast.id]} == {"✉️ 邻里的一封信\n\n新年快乐"}


def test_a_later_time_is_kept_and_the_list_shows_it_until_cancelled(city):
    at = _in_shanghai(dt.timedelta(days=1))
    scheduled = run("--kind", "event", "--text", "周六包饺子，欢迎参加", "--city", "--at", at)
    assert scheduled.exit_code == 0, scheduled.output
    assert f"sending {at} Shanghai time" in scheduled.output
    [broadcast], _rows = _broadcasts(city)

    listing = run("--list")
    assert f"{broadcast.id}  {at}  event" in listing.output
    assert "0/4 sent  周六包饺子，欢迎参加" in listing.output

    cancelled = run("--cancel", str(broadcast.id))
    assert cancelled.exit_code == 0, cancelled.output
    assert f"cancelled broadcast {broadcast.id}: 4 copies will not be sent" in cancelled.output
    assert "no notices to send" in run("--list").output
    again = run("--cancel", str(broadcast.id))
    assert again.exit_code != 0 and "already cancelled" in again.output


def test_the_same_key_never_schedules_twice(city):
    first = run("--kind", "outage", "--text", "停电", "--city", "--key", "power-1124")
    second = run("--kind", "outage", "--text", "停电", "--city", "--key", "power-1124")

    assert first.exit_code == 0 and second.exit_code == 0
    found, _rows = _broadcasts(city)
    assert len(found) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "outage", "--text", "  ", "--city"], "--text must not be empty"),
        (["--kind", "outage", "--text", "水" * 1001, "--city"], "at most 1000 characters"),
        (["--kind", "outage", "--text", "x", "--city", "--at", "2020-01-01 08:00"], "--at"),
        (["--kind", "outage", "--text", "x", "--city", "--at", "tomorrow"], "2026-11-24 08:00"),
        (["--kind", "gossip", "--text", "x", "--city"], "'gossip' is not one of"),
        (["--kind", "outage", "--text", "x"], "--unit CODE"),
        (["--kind", "outage", "--text", "x", "--city", "--unit", "jinxiu"], "--unit CODE"),
        (["--kind", "outage", "--text", "x", "--unit", "nowhere"], "no unit 'nowhere'"),
        (["--kind", "outage", "--text", "x", "--unit", "jinxiu", "--building", "9栋"], "9栋"),
        (["--kind", "outage", "--text", "x", "--city", "--building", "1栋"], "exactly one"),
        (["--text", "x", "--city"], "--kind and --text"),
        (["--list", "--cancel", "1"], "not both"),
        (["--cancel", "999"], "no broadcast 999"),
    ],
)
def test_bad_input_is_refused_by_name_and_nothing_is_scheduled(city, args, message):
    result = run(*args)

    assert result.exit_code != 0
    assert message in result.output
    found, _rows = _broadcasts(city)
    assert found == []


def test_more_than_thirty_days_ahead_is_refused(city):
    result = run(
        "--kind", "event", "--text", "x", "--city", "--at", _in_shanghai(dt.timedelta(days=31))
    )
    assert result.exit_code != 0
    assert "up to 30 days ahead" in result.output


def test_a_local_photo_file_is_not_uploaded(city, tmp_path):
    picture = tmp_path / "poster.jpg"
    picture.write_bytes(b"\xff\xd8")
    result = run("--kind", "event", "--text", "x", "--city", "--photo", str(picture))
    assert result.exit_code != 0
    assert "file_id" in result.output


def test_a_preview_counts_web_and_telegram_households_and_schedules_nothing(city):
    async def a_web_household(database):
        async with database.uow() as uow:
            unit = await uow.session.scalar(select(Unit).where(Unit.code == "jinxiu"))
            web = await customer_for_identity(uow, "web", "web-cli-000000001", locale="en")
            web.unit_id = unit.id
            await uow.commit()

    _on_db(city, a_web_household)
    result = run("--kind", "event", "--text", "周六义卖", "--unit", "jinxiu", "--preview")

    assert result.exit_code == 0, result.output
    assert "preview: reaches 4 households: 1 on the web, 3 on Telegram" in result.output
    assert "nothing was scheduled" in result.output
    assert _broadcasts(city)[0] == []


def test_a_notice_that_would_reach_nobody_is_refused_before_it_is_scheduled(city):
    result = run("--kind", "event", "--text", "周六义卖", "--unit", "binjiang", "--flag", "elderly")

    assert result.exit_code != 0
    assert "would reach nobody" in result.output
    assert _broadcasts(city)[0] == []
