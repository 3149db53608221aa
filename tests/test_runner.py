"""``linli run`` reports on the city and closes each unit's batch at its cutoff."""

from __future__ import annotations

import logging

from click.testing import CliRunner

from app.cli.main import cli
from app.runner import close_batch, run
from tests.conftest import shanghai
from tests.factories import make_bound_customer, make_product, make_unit_with_partner, place


async def test_the_start_up_report_names_each_unit_partner_and_next_delivery(db, clock):
    setup = await make_unit_with_partner(db)
    await make_product(db, "COLA")
    clock.set(shanghai(2026, 11, 23, 16, 0))
    lines: list[str] = []
    await run(db, lines.append, once=True)
    assert lines[0].startswith("Linli: 1 units, 1 products, 0 deals today")
    assert "jinxiu 锦绣花园: partner 王阿姨" in lines[1]
    assert setup.partner.invite_code in lines[1]
    assert "arrive 2026-11-24" in lines[1]
    assert lines[2].startswith("7 scheduled job(s) for 1 unit(s)")  # 6 per unit, fee-release


async def test_closing_the_batch_logs_tonights_pick_list(db, caplog):
    setup = await make_unit_with_partner(db)
    alice = await make_bound_customer(db, setup, room="101")
    bob = await make_bound_customer(db, setup, room="102")
    cola = await make_product(db, "COLA")
    await place(db, alice, [(cola, 2)])
    await place(db, bob, [(cola, 3)])
    with caplog.at_level(logging.INFO, logger="linli"):
        await close_batch(db, setup.unit.id)
    assert "batch closed unit=jinxiu day=2026-11-23 orders=2 items=5 gifts=0" in caplog.text


def test_run_on_an_empty_database_says_to_migrate_first(tmp_path, monkeypatch):
    monkeypatch.setenv("LINLI_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    result = CliRunner().invoke(cli, ["run", "--once"])
    assert result.exit_code == 1
    assert "linli db upgrade" in result.output
    assert "Traceback" not in result.output
