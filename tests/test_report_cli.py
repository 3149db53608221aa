"""``linli report`` prints a unit's groups with last week's change and writes CSV and chart."""

from __future__ import annotations

import csv
import io

import pytest
from PIL import Image
from sqlalchemy import update

from app.cli.main import cli
from core.models import Customer
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
        cola = await make_product(db, "COLA", price_fen=4500, stock=100)
        buyer = await make_bound_customer(db, setup, room="301")
        await make_bound_customer(db, setup, room="302")
        placed = await place(db, buyer, [(cola, 1)])
        await deliver_order(db, placed.order.id, crates=1)
        async with db.uow() as uow:
            await uow.session.execute(
                update(Customer).where(Customer.id == buyer.id).values(display_name="李奶奶")
            )
            await uow.commit()

    return migrated_cli(tmp_path, monkeypatch, clock, story)


def test_the_report_prints_each_group_with_the_change_and_the_top_customers(runner):
    result = runner.invoke(cli, ["report", "--unit", "jinxiu", "--as-of", "2026-11-23"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "customer value of unit jinxiu (Jinxiu Garden) on 2026-11-23: 2 customers"
    assert "  potential       1  (+1 since 2026-11-16)" in lines
    assert "  new             1  (+1 since 2026-11-16)" in lines
    assert "  lost            0  (+0 since 2026-11-16)" in lines
    assert "top potential:" in lines
    assert any(
        line.startswith("  李奶奶 (1栋 301): ¥")
        and "1 orders, last 2026-11-23 (0 days), 1 crates out" in line
        for line in lines
    )


def test_the_report_writes_an_excel_csv_and_the_chart(runner, tmp_path):
    out, chart = tmp_path / "value.csv", tmp_path / "value.png"

    args = ["report", "--unit", "jinxiu", "--as-of", "2026-11-23"]
    result = runner.invoke(cli, [*args, "--csv", str(out), "--chart", str(chart)])

    assert result.exit_code == 0, result.output
    assert f"wrote 2 customers to {out}" in result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(row["customer"], row["group"]) for row in rows] == [
        ("李奶奶", "potential"),
        ("#2", "new"),
    ]
    assert Image.open(chart).format == "PNG"


def test_an_unknown_unit_is_refused_with_a_message(runner):
    result = runner.invoke(cli, ["report", "--unit", "nowhere"])

    assert result.exit_code == 1
    assert "no unit with the code 'nowhere'" in result.output
    assert "Traceback" not in result.output


def test_a_malformed_day_is_refused_with_a_message(runner):
    result = runner.invoke(cli, ["report", "--unit", "jinxiu", "--as-of", "23/11/2026"])

    assert result.exit_code == 2
    assert "is not a date like 2026-11-23 (YYYY-MM-DD)" in result.output
