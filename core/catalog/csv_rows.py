"""Pure validation of a catalog CSV: bytes in, typed rows or every error with its line out.

No database here, so each way a file can be wrong is testable in microseconds.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.models import Category, Product
from core.money import parse_yuan

COLUMNS = (
    "sku",
    "category",
    "name_zh",
    "name_en",
    "unit_zh",
    "unit_en",
    "price_yuan",
    "reference_price_yuan",
    "heavy",
    "stock",
    "care_note_zh",
    "care_note_en",
)
_PRODUCT = Product.__table__.c
MAX_LENGTH: dict[str, int] = {
    "sku": _PRODUCT.sku.type.length,
    "category": Category.__table__.c.code.type.length,
    "name_zh": _PRODUCT.name_zh.type.length,
    "name_en": _PRODUCT.name_en.type.length,
    "unit_zh": _PRODUCT.unit_zh.type.length,
    "unit_en": _PRODUCT.unit_en.type.length,
    "care_note_zh": 1000,
    "care_note_en": 1000,
}
REQUIRED_TEXT = ("sku", "category", "name_zh", "name_en", "unit_zh", "unit_en")
MAX_PRICE_FEN = 100_000_000
MAX_STOCK = 1_000_000
HEAVY_WORDS = {"1": True, "true": True, "yes": True, "是": True}
HEAVY_WORDS |= {"0": False, "false": False, "no": False, "否": False}
_SKU = re.compile(r"^[\x21-\x7e]+$")
_STOCK = re.compile(r"^\d+$")
_BOM = b"\xef\xbb\xbf"


Problem = tuple[str, str]


@dataclass(frozen=True)
class RowError:
    """One problem: the file line it is on, the column (None for the whole line), and why."""

    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        """What the operator reads: ``line 7: price_yuan: more than 2 decimals``."""
        where = f"line {self.line}: "
        return where + (f"{self.column}: {self.reason}" if self.column else self.reason)


@dataclass(frozen=True)
class CatalogRow:
    """A validated product row, money already in fen."""

    line: int
    sku: str
    category: str
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    price_fen: int
    reference_price_fen: int
    heavy: bool
    stock: int
    care_note_zh: str | None
    care_note_en: str | None


@dataclass(frozen=True)
class ParsedCatalog:
    """Either rows (and no errors) or errors; a file with any error imports nothing."""

    rows: tuple[CatalogRow, ...]
    errors: tuple[RowError, ...]


def _decode(data: bytes) -> tuple[str, list[RowError]]:
    """Decode line by line so a non-UTF-8 byte is reported on the line it sits on."""
    data = data.removeprefix(_BOM)
    errors: list[RowError] = []
    parts: list[str] = []
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        try:
            parts.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            errors.append(RowError(number, None, "not UTF-8 text (save the file as CSV UTF-8)"))
    return "".join(parts), errors


def _records(text: str) -> Iterator[tuple[int, list[str]] | RowError]:
    """Non-blank CSV records with the line each starts on; a broken record ends the file."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RowError(start, None, f"unreadable CSV: {exc}")
            return
        if any(cell.strip() for cell in record):
            yield start, record


def _header_error(line: int, names: list[str]) -> RowError | None:
    """One error naming every missing, unexpected or repeated column, or None if exact."""
    missing = [name for name in COLUMNS if name not in names]
    unexpected = [name for name in names if name not in COLUMNS]
    repeated = sorted({name for name in names if names.count(name) > 1})
    problems = [
        f"{label}: {', '.join(found)}"
        for label, found in (
            ("missing columns", missing),
            ("unexpected columns", unexpected),
            ("repeated columns", repeated),
        )
        if found
    ]
    if not problems:
        return None
    return RowError(line, "header", "; ".join(problems))


def _price(text: str) -> int | str:
    """Yuan text to fen, or the reason it is not a usable price."""
    if not text:
        return "required"
    try:
        value = Decimal(text)
    except InvalidOperation:
        return f"{text!r} is not a number"
    if not value.is_finite():
        return f"{text!r} is not a number"
    if value <= 0:
        return "must be greater than 0"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return "more than 2 decimals"
    try:
        fen = parse_yuan(text)
    except ValueError:
        return f"{text!r} is not a plain price in yuan like 12.50"
    if fen > MAX_PRICE_FEN:
        return f"above {MAX_PRICE_FEN // 100} yuan"
    return fen


def _text_errors(cells: dict[str, str], category_codes: Collection[str] | None) -> list[Problem]:
    """Required, too long, malformed SKU, unknown category."""
    problems = [(column, "required") for column in REQUIRED_TEXT if not cells[column]]
    problems += [
        (column, f"longer than {limit} characters ({len(cells[column])})")
        for column, limit in MAX_LENGTH.items()
        if len(cells[column]) > limit
    ]
    if cells["sku"] and not _SKU.match(cells["sku"]):
        problems.append(("sku", "letters, digits and punctuation only, no spaces"))
    code = cells["category"]
    if code and category_codes is not None and code not in category_codes:
        problems.append(("category", f"unknown category code {code!r}"))
    return problems


def _stock(text: str) -> int | str:
    """Stock text to a count, or the reason it is not one."""
    if not _STOCK.match(text):
        return "must be a whole number, 0 or more"
    if int(text) > MAX_STOCK:
        return f"above {MAX_STOCK}"
    return int(text)


def _check_row(
    line: int, cells: dict[str, str], category_codes: Collection[str] | None
) -> CatalogRow | list[RowError]:
    """Every error in one row (not just the first), or the typed row."""
    problems = _text_errors(cells, category_codes)
    price = _price(cells["price_yuan"])
    reference = _price(cells["reference_price_yuan"])
    stock = _stock(cells["stock"])
    heavy = HEAVY_WORDS.get(cells["heavy"].lower())
    if isinstance(price, str):
        problems.append(("price_yuan", price))
    if isinstance(reference, str):
        problems.append(("reference_price_yuan", reference))
    elif isinstance(price, int) and reference < price:
        problems.append(("reference_price_yuan", "lower than price_yuan"))
    if heavy is None:
        problems.append(("heavy", "must be one of 0, 1, true, false, yes, no, 是, 否"))
    if isinstance(stock, str):
        problems.append(("stock", stock))
    if (
        problems
        or isinstance(price, str)
        or isinstance(reference, str)
        or isinstance(stock, str)
        or heavy is None
    ):
        return [RowError(line, column, reason) for column, reason in problems]
    return CatalogRow(
        line=line,
        sku=cells["sku"],
        category=cells["category"],
        name_zh=cells["name_zh"],
        name_en=cells["name_en"],
        unit_zh=cells["unit_zh"],
        unit_en=cells["unit_en"],
        price_fen=price,
        reference_price_fen=reference,
        heavy=heavy,
        stock=stock,
        care_note_zh=cells["care_note_zh"] or None,
        care_note_en=cells["care_note_en"] or None,
    )


def _duplicate_errors(sku_lines: list[tuple[str, int]]) -> list[RowError]:
    """A SKU twice in one file is ambiguous: name every line it is on."""
    lines: dict[str, list[int]] = defaultdict(list)
    for sku, line in sku_lines:
        lines[sku].append(line)
    return [
        RowError(line, "sku", f"duplicate sku {sku} (lines {', '.join(map(str, found))})")
        for sku, found in lines.items()
        if len(found) > 1
        for line in found
    ]


def _check_records(
    records: Iterator[tuple[int, list[str]] | RowError],
    names: list[str],
    category_codes: Collection[str] | None,
) -> tuple[list[CatalogRow], list[RowError]]:
    """Check every data record, then SKUs repeated across records."""
    rows: list[CatalogRow] = []
    errors: list[RowError] = []
    sku_lines: list[tuple[str, int]] = []
    for record in records:
        if isinstance(record, RowError):
            errors.append(record)
            continue
        line, cells = record
        if len(cells) != len(names):
            errors.append(RowError(line, None, f"expected {len(names)} fields, found {len(cells)}"))
            continue
        stripped = dict(zip(names, (cell.strip() for cell in cells), strict=True))
        if stripped["sku"]:
            sku_lines.append((stripped["sku"], line))
        checked = _check_row(line, stripped, category_codes)
        if isinstance(checked, list):
            errors.extend(checked)
        else:
            rows.append(checked)
    errors.extend(_duplicate_errors(sku_lines))
    return rows, errors


def parse_catalog(data: bytes, category_codes: Collection[str] | None = None) -> ParsedCatalog:
    """Validate a whole catalog CSV; ``category_codes`` None skips the category check."""
    text, errors = _decode(data)
    if errors:
        return ParsedCatalog((), tuple(errors))
    records = _records(text)
    first = next(records, None)
    if first is None:
        return ParsedCatalog((), (RowError(1, None, "the file is empty"),))
    if isinstance(first, RowError):
        return ParsedCatalog((), (first,))
    header_line, header = first
    names = [name.strip() for name in header]
    header_error = _header_error(header_line, names)
    if header_error is not None:
        return ParsedCatalog((), (header_error,))
    rows, errors = _check_records(records, names, category_codes)
    if not rows and not errors:
        errors.append(RowError(header_line, None, "no product rows below the header"))
    if errors:
        order = {name: index for index, name in enumerate(("header", *COLUMNS))}
        errors.sort(key=lambda error: (error.line, order.get(error.column or "", -1)))
        return ParsedCatalog((), tuple(errors))
    return ParsedCatalog(tuple(rows), ())
