import csv
import io

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app.cli.main import cli
from core.catalog.csv_rows import COLUMNS, RowError, parse_catalog
from core.catalog.importer import import_catalog
from core.catalog.search import search_products
from core.models import Category, Product

CODES = {"drinks", "grain_oil"}
GOOD = {
    "sku": "DRK-COKE-330",
    "category": "drinks",
    "name_zh": "可口可乐 330ml",
    "name_en": "Coca-Cola 330ml",
    "unit_zh": "罐",
    "unit_en": "can",
    "price_yuan": "2.30",
    "reference_price_yuan": "2.50",
    "heavy": "否",
    "stock": "120",
    "care_note_zh": "",
    "care_note_en": "",
}


def row(**changes):
    return {**GOOD, **changes}


def csv_bytes(*rows, header=COLUMNS, newline="\n"):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(column, "") for column in header] if isinstance(r, dict) else r)
    return out.getvalue().encode("utf-8")


def errors_of(data, codes=CODES):
    parsed = parse_catalog(data, codes)
    assert parsed.rows == ()
    return [(e.line, e.column, e.reason) for e in parsed.errors]


# --- pure validation -------------------------------------------------------------------


def test_a_good_file_parses_into_rows_with_money_in_fen():
    parsed = parse_catalog(
        csv_bytes(
            row(),
            row(
                sku="GRN-RICE-5",
                category="grain_oil",
                price_yuan="49",
                reference_price_yuan="52.9",
                heavy="1",
                care_note_zh="防潮",
            ),
        ),
        CODES,
    )
    assert parsed.errors == ()
    coke, rice = parsed.rows
    assert (coke.line, coke.price_fen, coke.reference_price_fen, coke.heavy) == (2, 230, 250, False)
    assert (rice.line, rice.price_fen, rice.reference_price_fen, rice.heavy) == (
        3,
        4900,
        5290,
        True,
    )
    assert coke.care_note_zh is None and rice.care_note_zh == "防潮"


def test_a_byte_order_mark_and_windows_line_ends_are_fine():
    data = b"\xef\xbb\xbf" + csv_bytes(row(), row(sku="X2"), newline="\r\n")
    assert [r.line for r in parse_catalog(data, CODES).rows] == [2, 3]


@pytest.mark.parametrize("data", [b"", b"\n\n", b"  \r\n"])
def test_an_empty_file_is_an_error(data):
    assert errors_of(data) == [(1, None, "the file is empty")]


def test_a_header_without_rows_is_an_error():
    assert errors_of(csv_bytes()) == [(1, None, "no product rows below the header")]


def test_a_wrong_header_is_one_error_naming_missing_and_unexpected_columns():
    header = [c for c in COLUMNS if c not in ("stock", "heavy")] + ["price", "sku"]
    [(line, column, reason)] = errors_of(csv_bytes(header=header))
    assert (line, column) == (1, "header")
    assert (
        reason == "missing columns: heavy, stock; unexpected columns: price; repeated columns: sku"
    )


def test_header_names_are_exact():
    header = ["SKU", *COLUMNS[1:]]
    [(_, _, reason)] = errors_of(csv_bytes(header=header))
    assert reason == "missing columns: sku; unexpected columns: SKU"


def test_duplicate_skus_name_both_lines():
    data = csv_bytes(row(), row(sku="OTHER"), row())
    assert errors_of(data) == [
        (2, "sku", "duplicate sku DRK-COKE-330 (lines 2, 4)"),
        (4, "sku", "duplicate sku DRK-COKE-330 (lines 2, 4)"),
    ]


def test_a_duplicate_is_reported_even_when_the_row_has_other_errors():
    data = csv_bytes(row(), row(stock="-1"))
    assert (3, "sku", "duplicate sku DRK-COKE-330 (lines 2, 3)") in errors_of(data)
    assert (3, "stock", "must be a whole number, 0 or more") in errors_of(data)


@pytest.mark.parametrize("column", ["sku", "category", "name_zh", "name_en", "unit_zh", "unit_en"])
def test_required_text_must_not_be_empty(column):
    assert errors_of(csv_bytes(row(**{column: "   "}))) == [(2, column, "required")]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("0", "must be greater than 0"),
        ("0.00", "must be greater than 0"),
        ("-2.30", "must be greater than 0"),
        ("abc", "'abc' is not a number"),
        ("", "required"),
        ("2.305", "more than 2 decimals"),
        ("2.300", "more than 2 decimals"),
        ("1e2", "'1e2' is not a plain price in yuan like 12.50"),
        ("¥2.30", "'¥2.30' is not a number"),
        ("2000000", "above 1000000 yuan"),
    ],
)
def test_bad_prices_are_refused_with_a_reason(value, reason):
    assert errors_of(csv_bytes(row(price_yuan=value))) == [(2, "price_yuan", reason)]


def test_the_reference_price_may_not_be_below_linli_price():
    data = csv_bytes(row(price_yuan="2.60", reference_price_yuan="2.50"))
    assert errors_of(data) == [(2, "reference_price_yuan", "lower than price_yuan")]
    same = parse_catalog(csv_bytes(row(price_yuan="2.50", reference_price_yuan="2.50")), CODES)
    assert same.errors == ()


@pytest.mark.parametrize("value", ["-1", "1.5", "ten", "", "1,000", "2000000"])
def test_stock_must_be_a_non_negative_whole_number(value):
    [(line, column, _)] = errors_of(csv_bytes(row(stock=value)))
    assert (line, column) == (2, "stock")


@pytest.mark.parametrize(
    ("value", "heavy"),
    [
        ("1", True),
        ("TRUE", True),
        ("yes", True),
        ("是", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("否", False),
    ],
)
def test_heavy_accepts_the_usual_yes_and_no_words(value, heavy):
    assert parse_catalog(csv_bytes(row(heavy=value)), CODES).rows[0].heavy is heavy


@pytest.mark.parametrize("value", ["", "2", "y", "heavy", "对"])
def test_heavy_refuses_anything_else(value):
    assert errors_of(csv_bytes(row(heavy=value))) == [
        (2, "heavy", "must be one of 0, 1, true, false, yes, no, 是, 否")
    ]


@pytest.mark.parametrize(
    ("column", "limit"), [("sku", 40), ("name_zh", 120), ("name_en", 160), ("unit_zh", 40)]
)
def test_fields_longer_than_their_columns_are_refused(column, limit):
    ok = parse_catalog(csv_bytes(row(**{column: "A" * limit})), CODES)
    assert ok.errors == ()
    assert errors_of(csv_bytes(row(**{column: "A" * (limit + 1)}))) == [
        (2, column, f"longer than {limit} characters ({limit + 1})")
    ]


def test_an_unknown_category_code_is_a_row_error():
    assert errors_of(csv_bytes(row(category="toys"))) == [
        (2, "category", "unknown category code 'toys'")
    ]
    assert parse_catalog(csv_bytes(row(category="toys")), None).errors == ()


def test_a_sku_with_spaces_is_refused():
    assert errors_of(csv_bytes(row(sku="DRK COKE"))) == [
        (2, "sku", "letters, digits and punctuation only, no spaces")
    ]


def test_non_utf8_bytes_are_reported_on_their_line():
    good = csv_bytes(row(), row(sku="X2"), row(sku="X3"))
    lines = good.split(b"\n")
    lines[2] = lines[2].replace("可口可乐".encode(), "可口可乐".encode("gbk"))
    assert errors_of(b"\n".join(lines)) == [
        (3, None, "not UTF-8 text (save the file as CSV UTF-8)")
    ]


def test_a_whole_gbk_file_names_every_line():
    data = csv_bytes(row(), row(sku="X2")).decode().encode("gbk")
    assert [line for line, _, _ in errors_of(data)] == [2, 3]


def test_a_row_with_the_wrong_number_of_fields_is_refused():
    data = csv_bytes(row(), [*GOOD.values(), "extra"], list(GOOD.values())[:5])
    assert errors_of(data) == [
        (3, None, "expected 12 fields, found 13"),
        (4, None, "expected 12 fields, found 5"),
    ]


def test_blank_lines_are_skipped_and_line_numbers_stay_true():
    data = (
        csv_bytes(row())
        + b"\n\n"
        + csv_bytes(row(sku="X2", stock="x"))[len(",".join(COLUMNS)) + 1 :]
    )
    assert errors_of(data) == [(5, "stock", "must be a whole number, 0 or more")]


def test_a_quoted_multi_line_note_keeps_later_line_numbers_right():
    data = csv_bytes(row(care_note_zh="第一行\n第二行"), row(sku="X2", heavy="maybe"))
    assert errors_of(data) == [(4, "heavy", "must be one of 0, 1, true, false, yes, no, 是, 否")]


def test_every_error_in_a_row_is_reported_in_column_order():
    data = csv_bytes(row(name_zh="", price_yuan="x", stock="-3", heavy="?"))
    assert [column for _, column, _ in errors_of(data)] == [
        "name_zh",
        "price_yuan",
        "heavy",
        "stock",
    ]


def test_row_errors_read_as_line_column_reason():
    assert str(RowError(7, "price_yuan", "more than 2 decimals")) == (
        "line 7: price_yuan: more than 2 decimals"
    )
    assert str(RowError(3, None, "expected 12 fields, found 5")) == (
        "line 3: expected 12 fields, found 5"
    )


# --- against the database ----------------------------------------------------------------


@pytest.fixture
async def aisles(db):
    async with db.uow() as uow:
        uow.session.add_all(
            [
                Category(code="drinks", name_zh="饮料", name_en="Drinks", sort_order=1),
                Category(code="grain_oil", name_zh="粮油", name_en="Grain & Oil", sort_order=2),
            ]
        )
        await uow.commit()


async def _import(db, data):
    async with db.uow() as uow:
        report = await import_catalog(uow, data)
        if report.ok:
            await uow.commit()
    return report


async def _product_count(db):
    async with db.uow() as uow:
        return await uow.session.scalar(select(func.count()).select_from(Product))


async def test_a_file_with_one_bad_row_imports_nothing(db, aisles):
    report = await _import(db, csv_bytes(row(), row(sku="X2", price_yuan="1.001")))
    assert (report.created, report.updated) == (0, 0)
    assert [str(e) for e in report.errors] == ["line 3: price_yuan: more than 2 decimals"]
    assert await _product_count(db) == 0


async def test_an_unknown_category_in_the_database_is_a_row_error(db, aisles):
    report = await _import(db, csv_bytes(row(category="toys")))
    assert [str(e) for e in report.errors] == ["line 2: category: unknown category code 'toys'"]


async def test_a_good_file_creates_searchable_products(db, aisles):
    report = await _import(
        db,
        csv_bytes(
            row(), row(sku="GRN-1", category="grain_oil", name_zh="金龙鱼 大豆油 5L", heavy="是")
        ),
    )
    assert (report.created, report.updated, report.errors) == (2, 0, ())
    async with db.uow() as uow:
        found = await search_products(uow, "kkkl")
        oil = await uow.session.scalar(select(Product).where(Product.sku == "GRN-1"))
    assert [p.sku for p in found] == ["DRK-COKE-330"]
    assert found[0].price_fen == 230 and found[0].active
    assert oil.heavy and oil.search_initials == "jlyddy5l"
    assert oil.updated_at is not None


async def test_reimporting_updates_by_sku_and_reindexes_pinyin(db, aisles):
    await _import(db, csv_bytes(row(), row(sku="X2", name_zh="雪碧 500ml")))
    async with db.uow() as uow:
        delisted = await uow.session.scalar(select(Product).where(Product.sku == "X2"))
        delisted.active = False
        await uow.commit()
    report = await _import(
        db,
        csv_bytes(
            row(price_yuan="2.20", name_zh="可口可乐 零度 330ml"),
            row(sku="X2", name_zh="雪碧 1L"),
            row(sku="X3", name_zh="芬达 500ml"),
        ),
    )
    assert (report.created, report.updated) == (1, 2)
    async with db.uow() as uow:
        products = {p.sku: p for p in await uow.session.scalars(select(Product))}
    assert len(products) == 3
    coke = products["DRK-COKE-330"]
    assert (coke.price_fen, coke.name_zh, coke.search_initials) == (
        220,
        "可口可乐 零度 330ml",
        "kkklld330ml",
    )
    assert products["X2"].active is False  # a price file never re-lists a delisted product
    assert products["X3"].active is True


# --- the command line ----------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("LINLI_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    runner = CliRunner()
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return runner, tmp_path


def test_the_command_lists_every_bad_row_and_imports_nothing(cli_env):
    runner, tmp_path = cli_env
    assert runner.invoke(cli, ["demo"]).exit_code == 0
    before = runner.invoke(cli, ["import-catalog", "--no-progress", str(tmp_path / "none.csv")])
    assert before.exit_code != 0
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(row(sku="NEW-1"), row(sku="NEW-2", stock="-1", price_yuan="2.345")))
    result = runner.invoke(cli, ["import-catalog", str(bad)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "line 3: price_yuan: more than 2 decimals",
        "line 3: stock: must be a whole number, 0 or more",
        "2 problem(s): nothing imported",
    ]


def test_the_command_reports_created_and_updated(cli_env):
    runner, tmp_path = cli_env
    assert runner.invoke(cli, ["demo"]).exit_code == 0
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(row(price_yuan="2.20"), row(sku="NEW-1", name_zh="雪碧 330ml")))
    result = runner.invoke(cli, ["import-catalog", str(good)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "created 1, updated 1"
