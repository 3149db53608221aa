"""``linli suspicious`` and ``linli fee``: HQ's held-fee work from the command line."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from app.cli.main import cli
from app.schedules import PartnerMail, builtin_jobs
from core.commissions.statements import statement
from core.delivery.doorstep import mark_paid
from core.platform.uow import Database
from tests.cli_support import migrated_cli
from tests.factories import (
    deliver_order,
    in_uow,
    make_bound_customer,
    make_product,
    make_unit_with_partner,
    place,
)
from tests.outbox_support import ScriptedTransport


@pytest.fixture
def runner(tmp_path, monkeypatch, clock):
    """A migrated database with one ¥3 first order, delivered and paid in cash."""

    async def story(db: Database) -> None:
        setup = await make_unit_with_partner(db)
        cola = await make_product(db, "COLA", stock=100)
        customer = await make_bound_customer(db, setup, room="101")
        placed = await place(db, customer, [(cola, 1)])
        await deliver_order(db, placed.order.id)
        await in_uow(db, mark_paid, setup.partner, placed.order.id, "cash")

    return migrated_cli(tmp_path, monkeypatch, clock, story)


def test_suspicious_lists_the_small_cash_first_order_with_its_held_fee(runner):
    result = runner.invoke(cli, ["suspicious", "--days", "366"])

    assert result.exit_code == 0, result.output
    small = [line for line in result.output.splitlines() if line.startswith("small_first_order")]
    assert len(small) == 1
    assert "first order of ¥6.00 earned the new-customer fee" in small[0]
    assert re.search(r"fee entry \d+ ¥20\.00 held", small[0])
    assert any(line.startswith("cash_only") for line in result.output.splitlines())


def test_hq_rejects_the_fee_and_the_statement_shows_it_apart(runner):
    listed = runner.invoke(cli, ["suspicious", "--days", "366"]).output
    entry = re.search(r"fee entry (\d+)", listed).group(1)

    missing = runner.invoke(cli, ["fee", "reject", entry])
    rejected = runner.invoke(cli, ["fee", "reject", entry, "--reason", "cash, ¥3 of cola"])
    released = runner.invoke(cli, ["fee", "release"])
    # the CLI writes with the real clock: the rejection is dated this (Shanghai) month
    this_month = dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    held = runner.invoke(cli, ["statement", "--month", "2026-11"])
    statement = runner.invoke(cli, ["statement", "--month", this_month])
    again = runner.invoke(cli, ["suspicious", "--days", "366"])

    assert missing.exit_code == 2  # --reason is required
    assert rejected.exit_code == 0, rejected.output
    assert f"fee entry {entry} rejected" in rejected.output
    assert released.output.strip() == "released 0 held fees"
    assert any(
        "new_customer_held" in line and "held ¥20.00" in line for line in held.output.splitlines()
    )
    lines = statement.output.splitlines()
    assert any(
        "new_customer_rejected" in line and "held -¥20.00" in line and "(cash, ¥3 of cola)" in line
        for line in lines
    )
    assert any(line.startswith("  held at closing ¥0.00") for line in lines)
    assert f"fee entry {entry} ¥20.00 rejected (cash, ¥3 of cola)" in again.output


def test_rejecting_something_that_is_not_a_held_fee_says_so(runner):
    result = runner.invoke(cli, ["fee", "reject", "1", "--reason", "x"])  # a delivery fee
    assert result.exit_code == 1
    assert "Traceback" not in result.output


async def test_the_daily_release_is_a_built_in_schedule_that_pays_fees_past_their_hold(db, clock):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "COLA", stock=100)
    placed = await place(db, await make_bound_customer(db, setup), [(cola, 1)])
    await deliver_order(db, placed.order.id)
    jobs = {job.name: job for job in await builtin_jobs(db, PartnerMail(ScriptedTransport()))}

    clock.advance(dt.timedelta(days=14))
    await jobs["fee-release"].work(db, clock.now())
    await jobs["fee-release"].work(db, clock.now())  # a second fire pays nothing more

    async with db.uow() as uow:
        sheet = await statement(uow, setup.partner.id, "2026-12")
    assert [line.kind for line in sheet.lines] == ["new_customer_released"]
    assert (sheet.closing_fen, sheet.closing_held_fen) == (300 + 2000, 0)
