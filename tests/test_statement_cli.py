"""``linli statement`` prints each partner's month and writes a CSV that adds up."""

from __future__ import annotations

import csv

import pytest

from app.cli.main import cli
from app.cli.statement import money
from core.platform.uow import Database
from tests.cli_support import migrated_cli
from tests.factories import (
    deliver_order,
    make_bound_customer,
    make_product,
    make_unit_with_partner,
    place,
)


@pytest.fixture
def runner(tmp_path, monkeypatch, clock):
    async def story(db: Database) -> None:
        setup = await make_unit_with_partner(db)
        cola = await make_product(db, "COLA", stock=100)
        for room in ("101", "102"):
            customer = await make_bound_customer(db, setup, room=room)
            placed = await place(db, customer, [(cola, 1)])
            await deliver_order(db, placed.order.id)

    return migrated_cli(tmp_path, monkeypatch, clock, story)


def test_money_is_yuan_with_two_decimals_from_whole_fen():
    assert money(1230) == "¥12.30"
    assert money(5) == "¥0.05"
    assert money(-2000) == "-¥20.00"
    assert money(0) == "¥0.00"


def test_the_cli_prints_the_statement_and_writes_a_csv_that_sums_to_the_closing_balance(
    runner, tmp_path
):
    out = tmp_path / "nov.csv"
    result = runner.invoke(cli, ["statement", "--month", "2026-11", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("王阿姨 (partner 1, unit jinxiu) 2026-11")
    assert "  opening balance ¥0.00" in lines
    assert "  closing balance ¥6.00" in lines  # 2 deliveries; both new-customer fees held
    assert any(line.startswith("  held at closing ¥40.00") for line in lines)
    assert sum("delivery" in line and "¥3.00" in line for line in lines) == 2
    assert sum("new_customer_held" in line and "held ¥20.00" in line for line in lines) == 2
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5
    assert sum(int(row["amount_fen"]) for row in rows) == 600
    assert sum(int(row["held_fen"]) for row in rows) == 4000


def test_the_cli_filters_by_unit_and_says_when_there_is_nothing(runner):
    result = runner.invoke(cli, ["statement", "--month", "2026-10", "--unit", "jinxiu"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "no commission entries up to 2026-10"
    unknown = runner.invoke(cli, ["statement", "--month", "2026-11", "--unit", "nowhere"])
    assert unknown.exit_code == 1
    assert "Traceback" not in unknown.output


@pytest.mark.parametrize("month", ["2026-13", "11-2026", "2026/11", "nov"])
def test_a_malformed_month_is_refused_with_a_message(runner, month):
    result = runner.invoke(cli, ["statement", "--month", month])
    assert result.exit_code == 2
    assert "is not a month like 2026-11 (YYYY-MM)" in result.output
