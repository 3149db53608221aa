"""Every refusal reads as a kind sentence in Chinese and English; Babel formats money and dates."""

from __future__ import annotations

import datetime as dt
import inspect
import os
import re
import shutil
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import bot.i18n
from bot.i18n import CatalogMissing, Translator, compile_po, load_translations, translator
from bot.messages import explain
from bot.messages.errors import explained_codes, generic
from core import errors
from core.errors import DomainError

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "bot" / "locales"
TEMPLATE = LOCALES / "messages.pot"
CATALOGS = {locale: LOCALES / locale / "LC_MESSAGES" / "messages.po" for locale in ("zh_CN", "en")}
SHANGHAI = ZoneInfo("Asia/Shanghai")
CJK = re.compile(r"[\u4e00-\u9fff]")

SKU = "SKU-7731"
INTERNAL_ID = 4711
UNIT_CODE = "sunny-garden"

# A value for every constructor argument of every DomainError; a new argument fails the
# test below until it gets one (and, with it, a sentence that uses it).
SAMPLES: dict[str, object] = {
    "what": "customer",
    "key": INTERNAL_ID,
    "sku": SKU,
    "left": 3,
    "wanted": 5,
    "quantity": 120,
    "maximum": 99,
    "promo_code": "SPRING10",
    "valid_from": dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC),
    "valid_until": dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC),
    "min_spend_fen": 5000,
    "missing_fen": 1230,
    "limit": 2,
    "cap": 100,
    "required": ("elderly", "pregnant"),
    "unit_code": UNIT_CODE,
    "field": "phone",
    "reason": "an 11-digit mainland mobile number",
    "order_no": "261124-A1B2C3",
    "current": "delivered",
    "requested": "cancelled",
    "cutoff_at": dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC),
}
OVERRIDES: dict[type[DomainError], dict[str, object]] = {
    errors.PromoError: {"promo_code": "SPRING10"},
    errors.FeedbackNotAllowed: {"reason": "already_given"},
    errors.CrateError: {"reason": "more_than_held", "held": 1, "quantity": 2},
}


def all_domain_errors(cls: type[DomainError] = DomainError) -> list[type[DomainError]]:
    """Every subclass, however deep."""
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *all_domain_errors(sub)]
    return found


def sample(cls: type[DomainError]) -> DomainError:
    """An instance of ``cls`` built from SAMPLES (and its OVERRIDES)."""
    overrides = dict(OVERRIDES.get(cls, {}))
    kwargs: dict[str, object] = {}
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or parameter.kind is parameter.VAR_KEYWORD:
            continue
        if name not in overrides and name not in SAMPLES:
            pytest.fail(f"add a sample value for {cls.__name__}({name}=...) to SAMPLES")
        kwargs[name] = overrides.pop(name, SAMPLES.get(name))
    return cls(**kwargs, **overrides)


@pytest.fixture
def zh() -> Translator:
    return translator("zh_CN", timezone="Asia/Shanghai")


@pytest.fixture
def en() -> Translator:
    return translator("en", timezone="Asia/Shanghai")


def assert_readable(text: str, error: DomainError) -> None:
    """No unfilled placeholder, repr, exception text, internal code or id."""
    assert text.strip()
    assert "{" not in text and "}" not in text
    assert not re.search(r"%\(|%[sdr]\b", text)
    assert str(error) not in text
    assert error.code not in text
    for fragment in ("datetime.", "Decimal(", "('", "')", "=", "None", "Traceback"):
        assert fragment not in text
    for secret in (SKU, str(INTERNAL_ID), UNIT_CODE, SAMPLES["reason"]):
        assert str(secret) not in text


# --- every domain error --------------------------------------------------------------


def test_domain_errors_are_discovered_recursively():
    declared = {
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, DomainError) and cls is not DomainError
    }

    assert errors.PromoExpired in all_domain_errors()  # a grandchild, through PromoError
    assert declared <= set(all_domain_errors())


@pytest.mark.parametrize("cls", all_domain_errors(), ids=lambda cls: cls.__name__)
def test_every_domain_error_has_an_explanation_of_its_own(cls):
    assert cls.code in explained_codes()


@pytest.mark.parametrize("cls", all_domain_errors(), ids=lambda cls: cls.__name__)
def test_every_domain_error_reads_as_a_sentence_in_both_languages(cls, zh, en):
    error = sample(cls)
    chinese, english = explain(error, zh), explain(error, en)

    assert chinese != english
    assert chinese != generic(zh) and english != generic(en)
    assert CJK.search(chinese)
    assert not CJK.search(english.replace("中文", ""))
    assert_readable(chinese, error)
    assert_readable(english, error)


VARIANTS = [
    *(errors.NotFound(what=what, key=INTERNAL_ID) for what in ("product", "order", "pickup")),
    errors.NotFound(what="unit", key=UNIT_CODE),
    errors.OutOfStock(sku=SKU, left=0, wanted=2),
    errors.OutOfStock(sku=SKU, left=1, wanted=2),
    errors.InvalidQuantity(quantity=61, maximum=60),
    errors.PromoError(),
    errors.PromoNotStarted("SPRING10", dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)),
    errors.PromoExpired("SPRING10", dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)),
    errors.PromoAlreadyUsed("SPRING10", 1),
    errors.PromoProfileMismatch("SPRING10", ("children",)),
    errors.PromoProfileMismatch("SPRING10", ("astronauts",)),
    *(
        errors.InvalidInput(field=field, reason="developer text")
        for field in ("room", "building", "rating", "comment", "locale", "day", "amount", "code")
    ),
    *(
        errors.IllegalTransition(order_no="261124-A1B2C3", current=status, requested="paid")
        for status in ("placed", "picked", "out_for_delivery", "cancelled", "refunded", "lost")
    ),
    *(
        errors.FeedbackNotAllowed(order_no="261124-A1B2C3", reason=reason)
        for reason in ("not_delivered", "something_else")
    ),
    errors.CrateError(reason="more_than_held", held=3, quantity=4),
    errors.CrateError(reason="no_crates", held=0),
    errors.CrateError(reason="day_in_past", day=dt.date(2026, 11, 20)),
    errors.CrateError(
        reason="too_far_ahead", day=dt.date(2026, 12, 30), latest=dt.date(2026, 12, 1)
    ),
    errors.CrateError(reason="window_closed", day=dt.date(2026, 11, 24)),
    errors.CrateError(reason="pickup_done", day=dt.date(2026, 11, 23)),
    errors.CrateError(reason="brand_new_reason"),
]


@pytest.mark.parametrize("error", VARIANTS, ids=lambda error: str(error)[:60])
def test_every_branch_of_an_explanation_reads_as_a_sentence(error, zh, en):
    chinese, english = explain(error, zh), explain(error, en)

    assert chinese != english
    assert CJK.search(chinese)
    assert_readable(chinese, error)
    assert_readable(english, error)


def test_missing_spend_is_named_in_money(zh, en):
    error = errors.PromoMinSpendNotMet("SPRING10", min_spend_fen=5000, missing_fen=1230)

    assert explain(error, en) == "Add ¥12.30 more to use this code."
    assert explain(error, zh) == "再买¥12.30就可以用这个优惠码了。"


def test_out_of_stock_names_how_many_are_left_with_the_right_plural(zh, en):
    assert "only 1 is left" in explain(errors.OutOfStock(sku=SKU, left=1, wanted=2), en)
    assert "only 3 are left" in explain(errors.OutOfStock(sku=SKU, left=3, wanted=5), en)
    assert "只剩3件" in explain(errors.OutOfStock(sku=SKU, left=3, wanted=5), zh)


def test_an_expiry_at_midnight_names_the_last_day_the_code_worked(zh, en):
    midnight = dt.datetime(2026, 11, 25, 0, 0, tzinfo=SHANGHAI)  # 2026-11-24 16:00 UTC
    error = errors.PromoExpired("SPRING10", midnight)

    assert explain(error, en) == "Sorry, the code SPRING10 ended on Nov 24, 2026."
    assert "2026年11月24日" in explain(error, zh)


def test_an_expiry_is_told_in_business_time(en):
    error = errors.PromoExpired("SPRING10", dt.datetime(2026, 11, 24, 20, 30, tzinfo=dt.UTC))

    assert explain(error, en) == "Sorry, the code SPRING10 ended at 4:30\u202fAM on Nov 25, 2026."


def test_cancel_too_late_names_the_cutoff_in_business_time(zh, en):
    cutoff = dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)  # 15:00 in Shanghai
    error = errors.CancelTooLate(order_no="261124-A1B2C3", cutoff_at=cutoff)

    assert "15:00" in explain(error, zh) and "11月24日 星期二" in explain(error, zh)
    assert "3:00\u202fPM on Tue, Nov 24" in explain(error, en)


def test_profile_mismatch_names_the_households_in_words(zh, en):
    error = errors.PromoProfileMismatch("MAMA", ("elderly", "children", "pregnant"))

    assert "older people, children, or a baby on the way" in explain(error, en)
    assert "老人、小孩或孕妇" in explain(error, zh)


def test_not_found_never_echoes_what_was_looked_up(zh, en):
    error = errors.NotFound(what="customer", key=INTERNAL_ID)

    assert explain(error, en) == "We couldn't find that."
    assert str(INTERNAL_ID) not in explain(error, zh)


def test_an_unknown_code_gets_the_polite_generic_message(zh, en):
    error = DomainError(token="s3cr3t")
    error.code = "something_new"  # type: ignore[misc]

    assert explain(error, en) == "Sorry, that didn't work. Please try again or ask your partner."
    assert explain(error, zh) == generic(zh)
    assert CJK.search(explain(error, zh))


def test_data_that_does_not_fit_its_explanation_gets_the_generic_message(zh):
    error = DomainError(sku=SKU)
    error.code = errors.OutOfStock.code  # type: ignore[misc]

    assert explain(error, zh) == generic(zh)


# --- money, dates, plurals --------------------------------------------------------------


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (1230, "¥12.30"),
        (10, "¥0.10"),
        (0, "¥0.00"),
        (-1230, "-¥12.30"),
        (123456789, "¥1,234,567.89"),
    ],
)
def test_money_is_formatted_in_yuan_from_integer_fen(locale, fen, text):
    assert translator(locale, timezone="Asia/Shanghai").money(fen) == text


@pytest.mark.parametrize("amount", [12.3, Decimal("12.30"), True, "1230"])
def test_money_refuses_anything_but_integer_fen(zh, amount):
    with pytest.raises(TypeError):
        zh.money(amount)


def test_dates_and_times_are_formatted_by_babel(zh, en):
    day = dt.date(2026, 11, 24)

    assert zh.weekday_date(day) == "11月24日 星期二"
    assert en.weekday_date(day) == "Tue, Nov 24"
    assert zh.date(day) == "2026年11月24日"
    assert en.date(day) == "Nov 24, 2026"
    assert zh.time(dt.time(15, 0)) == "15:00"
    assert en.time(dt.time(15, 0)) == "3:00\u202fPM"


def test_an_instant_is_shown_as_its_business_day_and_hour(zh):
    late_utc = dt.datetime(2026, 11, 23, 17, 30, tzinfo=dt.UTC)  # 01:30 on the 24th in Shanghai

    assert zh.weekday_date(late_utc) == "11月24日 星期二"
    assert zh.time(late_utc) == "01:30"


def test_a_naive_datetime_is_refused_as_ambiguous(zh):
    with pytest.raises(ValueError, match="naive"):
        zh.date(dt.datetime(2026, 11, 24, 1, 30))


def test_plural_forms_follow_each_language(zh, en):
    singular = "This household has only %(num)d crate, so %(wanted)d can't be taken back."
    plural = "This household has only %(num)d crates, so %(wanted)d can't be taken back."

    assert en.ngettext(singular, plural, 1) == singular
    assert en.ngettext(singular, plural, 2) == plural
    assert zh.ngettext(singular, plural, 1) == zh.ngettext(singular, plural, 2)
    assert CJK.search(zh.ngettext(singular, plural, 2))


# --- locales ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "served"),
    [
        ("zh_CN", "zh_CN"),
        ("en", "en"),
        ("en-US", "en"),
        ("en_GB", "en"),
        ("fr", "zh_CN"),
        ("", "zh_CN"),
        (None, "zh_CN"),
        ("xx-not-a-locale", "zh_CN"),
    ],
)
def test_unknown_locales_fall_back_to_chinese(asked, served):
    assert translator(asked, timezone="Asia/Shanghai").locale == served


def test_translators_are_built_once_per_locale():
    assert translator("fr", timezone="Asia/Shanghai") is translator(
        "zh_CN", timezone="Asia/Shanghai"
    )
    assert translator("en", timezone="Asia/Shanghai") is translator("en", timezone="Asia/Shanghai")


# --- catalogs ------------------------------------------------------------------------------


def read_catalog(path: Path, locale: str | None = None):
    with path.open("rb") as po_file:
        return read_po(po_file, locale=locale)


@pytest.mark.parametrize("locale", sorted(CATALOGS))
def test_catalogs_pass_babels_checks_and_compile(locale):
    catalog = read_catalog(CATALOGS[locale], locale)

    problems = [(message.id, errs) for message, errs in catalog.check() if errs]
    assert problems == []
    write_mo(BytesIO(), catalog)


def test_plural_forms_headers_are_right_for_each_language():
    zh = read_catalog(CATALOGS["zh_CN"], "zh_CN")
    en = read_catalog(CATALOGS["en"], "en")

    assert (zh.num_plurals, zh.plural_expr) == (1, "0")
    assert (en.num_plurals, en.plural_expr) == (2, "(n != 1)")
    assert "Plural-Forms: nplurals=1; plural=0;" in CATALOGS["zh_CN"].read_text("utf-8")
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in CATALOGS["en"].read_text("utf-8")


@pytest.mark.parametrize("locale", sorted(CATALOGS))
def test_every_template_message_is_translated(locale):
    template_ids = {message.id for message in read_catalog(TEMPLATE) if message.id}
    catalog = read_catalog(CATALOGS[locale], locale)
    messages = {message.id: message for message in catalog if message.id}

    assert not catalog.fuzzy  # pybabel compile skips a catalog whose header is fuzzy
    assert template_ids <= set(messages), "run pybabel update (README, Translations)"
    for msgid in template_ids:
        message = messages[msgid]
        strings = message.string if message.pluralizable else (message.string,)
        assert all(strings), f"untranslated in {locale}: {msgid!r}"
        assert not message.fuzzy, f"fuzzy in {locale}: {msgid!r}"
        if locale == "zh_CN":
            assert all(CJK.search(text) for text in strings), msgid


def test_template_is_up_to_date_with_the_code(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", "babel.cfg", "-c", "TRANSLATORS:", "-o", str(fresh), "."]
    )

    extracted = {message.id for message in read_catalog(fresh) if message.id}
    stored = {message.id for message in read_catalog(TEMPLATE) if message.id}
    assert extracted == stored, "re-extract the catalogs (README, Translations)"


def test_pybabel_compile_as_make_runs_it_writes_both_catalogs(tmp_path):
    shutil.copytree(LOCALES, tmp_path / "locales")

    CommandLineInterface().run(
        ["pybabel", "-q", "compile", "-d", str(tmp_path / "locales"), "-D", "messages"]
    )

    for locale in CATALOGS:
        assert (tmp_path / "locales" / locale / "LC_MESSAGES" / "messages.mo").is_file()


# --- loading compiled and uncompiled catalogs ------------------------------------------------

PROBE = "We couldn't find that order."


def test_a_po_compiles_in_memory_when_no_mo_was_built():
    assert compile_po(CATALOGS["zh_CN"], "zh_CN").gettext(PROBE) == "没有找到这个订单。"


def _copy_locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES, copy, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(bot.i18n, "LOCALES_DIR", copy)
    return copy / "zh_CN" / "LC_MESSAGES"


def _write_mo_saying(folder: Path, text: str) -> Path:
    catalog = read_catalog(folder / "messages.po", "zh_CN")
    catalog[PROBE].string = text
    mo_path = folder / "messages.mo"
    with mo_path.open("wb") as mo_file:
        write_mo(mo_file, catalog)
    return mo_path


def test_a_compiled_mo_newer_than_its_po_is_loaded(tmp_path, monkeypatch):
    folder = _copy_locales(tmp_path, monkeypatch)
    _write_mo_saying(folder, "来自编译好的目录")

    assert load_translations("zh_CN").gettext(PROBE) == "来自编译好的目录"


def test_a_stale_mo_gives_way_to_its_edited_po(tmp_path, monkeypatch):
    folder = _copy_locales(tmp_path, monkeypatch)
    mo_path = _write_mo_saying(folder, "旧的翻译")
    po_time = (folder / "messages.po").stat().st_mtime
    os.utime(mo_path, (po_time - 60, po_time - 60))

    assert load_translations("zh_CN").gettext(PROBE) == "没有找到这个订单。"


def test_a_locale_without_any_catalog_is_an_error_not_english(tmp_path, monkeypatch):
    folder = _copy_locales(tmp_path, monkeypatch)
    (folder / "messages.po").unlink()

    with pytest.raises(CatalogMissing):
        load_translations("zh_CN")
