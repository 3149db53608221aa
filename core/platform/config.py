"""Settings from ``LINLI_*`` environment variables, validated once at start."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SUPPORTED_LOCALES = ("zh_CN", "en")
LOG_FORMATS = ("text", "json")
WEBHOOK_SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A setting is wrong; the message names the environment variable to fix."""


def default_database_url() -> str:
    """SQLite in the working directory: the embedded default for a newcomer."""
    return f"sqlite+aiosqlite:///{Path.cwd() / 'linli.sqlite3'}"


class Settings(BaseSettings):
    """Every tunable of Linli; business defaults come from PRODUCT.md."""

    model_config = SettingsConfigDict(env_prefix="LINLI_", extra="ignore", frozen=True)

    database_url: str = Field(default_factory=default_database_url)
    timezone: str = "Asia/Shanghai"
    default_locale: str = "zh_CN"
    shipping_fee_fen: int = Field(default=300, ge=0)
    free_shipping_threshold_fen: int = Field(default=8900, ge=0)
    new_customer_fee_fen: int = Field(default=2000, ge=0)  # partner pay per net new customer
    delivery_fee_fen: int = Field(default=300, ge=0)  # partner pay per delivered order
    # The new-customer fee is held this long after the first delivery before it is payable
    # (released earlier when the partner confirms the household at the door).
    new_customer_hold_days: int = Field(default=14, ge=0)
    # First orders below this are listed on HQ's suspicious list.
    new_customer_min_order_fen: int = Field(default=3900, ge=0)
    cutoff: dt.time = dt.time(15, 0)
    window_start: dt.time = dt.time(18, 0)
    window_end: dt.time = dt.time(21, 0)
    crate_overdue_days: int = Field(default=14, ge=1)
    items_per_crate: int = Field(default=12, ge=1)
    # Broadcasts wait out the night (outage notices may override); business time.
    quiet_start: dt.time = dt.time(21, 30)
    quiet_end: dt.time = dt.time(8, 0)
    # Telegram's limits per bot: about 30 messages a second overall, one a second per chat.
    outbox_rate_per_s: float = Field(default=30.0, gt=0)
    outbox_per_chat_interval_s: float = Field(default=1.0, ge=0)
    # Several processes on PostgreSQL: one holds the scheduler/sender role (core/platform/roles.py).
    role_retry_seconds: float = Field(default=2.0, gt=0)  # how often the others try for it
    role_heartbeat_seconds: float = Field(default=2.0, gt=0)  # how often the holder checks
    # Built-in schedules (core/platform/scheduling.py, app/schedules.py), business time.
    cutoff_reminder_minutes: int = Field(default=60, ge=1)  # "order before …": 14:00 for 15:00
    run_sheet_minutes: int = Field(default=30, ge=0)  # run sheet ready before the window
    crates_check_time: dt.time = dt.time(9, 30)  # daily overdue crates and win-back list
    weekly_report_time: dt.time = dt.time(9, 0)  # Mondays: the partner's weekly report
    deals_time: dt.time = dt.time(10, 0)  # the deals of the day to every household
    telegram_token: str | None = Field(default=None, repr=False)  # a secret: kept out of logs
    telegram_api_url: str | None = None
    # The bot's @username, for invite links (t.me/<username>?start=...) printed on leaflets.
    bot_username: str = Field(default="linli_demo_bot", pattern=r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
    # Where people reach the web chat (invite, leaflet and assisted links; partner sign-ins);
    # unset: http://<http_host>:<http_port>. Set it to the public https:// address.
    web_url: str | None = None
    # Where invite links, their QR codes, leaflets and assisted links point: "web" (the web
    # chat, LINLI_WEB_URL/c/<code>) or "telegram" (t.me/<bot>?start=<code>).
    invite_channel: str = "web"
    # How long a partner's browser stays signed in after an enrolment link (days).
    partner_device_days: int = Field(default=90, ge=1)
    # Customer-value report (core/partners/reports/value.py): how customers are grouped.
    report_lost_days: int = Field(default=30, ge=1)  # no delivered order for this long: lost
    report_silent_crate_days: int = Field(default=14, ge=1)  # crates out, silent this long: lost
    report_high_value_days: int = Field(default=90, ge=1)  # the window frequency/spend count in
    report_high_value_min_orders: int = Field(default=6, ge=1)
    report_high_value_min_fen: int = Field(default=60000, ge=1)
    report_recent_days: int = Field(default=14, ge=1)  # potential: last order this recent...
    report_potential_max_orders: int = Field(default=2, ge=1)  # ...and at most this many ever
    # The report's suggested coupon for potential customers (the action builder sends it).
    report_coupon_fen: int = Field(default=500, ge=1)
    report_coupon_min_spend_fen: int = Field(default=3900, ge=0)
    report_coupon_days: int = Field(default=14, ge=1)
    # HQ console (web/console): how long a sign-in lasts and how many wrong passwords
    # are allowed per username and per address before sign-in waits.
    console_idle_minutes: int = Field(default=30, ge=1)  # signed out after this long idle
    console_session_hours: int = Field(default=12, ge=1)  # and this long after signing in
    console_max_failures: int = Field(default=5, ge=1)  # wrong passwords in the window...
    console_failure_window_minutes: int = Field(default=15, ge=1)  # ...before a pause
    # linli serve: the HTTP server (web/), the Telegram webhook, health, metrics and logs.
    http_host: str = Field(default="127.0.0.1", min_length=1)
    http_port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port (tests)
    webhook_url: str | None = None  # set: Telegram posts updates here instead of polling
    # The X-Telegram-Bot-Api-Secret-Token; unset: one made once and kept in the database.
    webhook_secret: str | None = Field(default=None, repr=False)
    webhook_queue_limit: int = Field(default=1000, ge=1)  # updates waiting; beyond: 429
    log_format: str = "text"  # text | json (one JSON object per line)
    # Web chat pages learn of new messages from signals (LISTEN/NOTIFY across processes);
    # each open page also looks at its transcript this often, as a safety net only.
    webchat_poll_seconds: float = Field(default=60.0, ge=60)
    # Web Push (VAPID): unset keys are made once and kept in the database; the subject is
    # the contact push services may use (mailto: or https:), default from LINLI_WEB_URL.
    vapid_public_key: str | None = None
    vapid_private_key: str | None = Field(default=None, repr=False)
    vapid_subject: str | None = None
    push_rate_per_s: float = Field(default=1000.0, gt=0)  # pushes sent per second at most
    push_workers: int = Field(default=4, ge=1, le=64)  # threads encrypting and signing pushes

    @field_validator(
        "shipping_fee_fen",
        "free_shipping_threshold_fen",
        "new_customer_fee_fen",
        "delivery_fee_fen",
        "new_customer_hold_days",
        "new_customer_min_order_fen",
        "crate_overdue_days",
        "items_per_crate",
        "cutoff_reminder_minutes",
        "run_sheet_minutes",
        "report_lost_days",
        "report_silent_crate_days",
        "report_high_value_days",
        "report_high_value_min_orders",
        "report_high_value_min_fen",
        "report_recent_days",
        "report_potential_max_orders",
        "report_coupon_fen",
        "report_coupon_min_spend_fen",
        "report_coupon_days",
        "console_idle_minutes",
        "console_session_hours",
        "console_max_failures",
        "console_failure_window_minutes",
        "http_port",
        "webhook_queue_limit",
        "partner_device_days",
        mode="before",
    )
    @classmethod
    def _whole_number(cls, value: object, info: ValidationInfo) -> object:
        """Refuse "89.00": pydantic would read it as 89 fen when the operator meant yuan."""
        if isinstance(value, str) and not re.fullmatch(r"\s*[+-]?\d+\s*", value):
            money = (info.field_name or "").endswith("_fen")
            hint = " (money is in fen: 3 yuan is 300)" if money else ""
            raise ValueError(f"must be a whole number, not {value!r}{hint}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """Refuse a zone the tz database does not know, before any date is computed."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_locale")
    @classmethod
    def _supported_locale(cls, value: str) -> str:
        """Only locales with compiled catalogs can be a default."""
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("invite_channel")
    @classmethod
    def _known_invite_channel(cls, value: str) -> str:
        """Invites open the web chat or Telegram."""
        value = value.strip().lower()
        if value not in ("web", "telegram"):
            raise ValueError(f"must be web or telegram, not {value!r}")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        """A self-hosted Bot API server is reached over http(s); unset or blank means Telegram's."""
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError(f"must be an http:// or https:// URL, not {value!r}")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _https_webhook(cls, value: str | None) -> str | None:
        """Telegram delivers webhooks to https:// URLs only; unset or blank means polling."""
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not re.fullmatch(r"https://[^\s/]+(/\S*)?", value):
            raise ValueError(
                f"must be an https:// URL (Telegram posts only to HTTPS), not {value!r}"
            )
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_charset(cls, value: str | None) -> str | None:
        """Telegram's secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -."""
        if value is None or not value.strip():
            return None
        if not WEBHOOK_SECRET_FORMAT.fullmatch(value.strip()):
            raise ValueError("must be 1 to 256 characters of A-Z, a-z, 0-9, '_' or '-'")
        return value.strip()

    @field_validator("log_format")
    @classmethod
    def _known_log_format(cls, value: str) -> str:
        """Human text for a terminal, JSON lines for a log collector."""
        value = value.strip().lower()
        if value not in LOG_FORMATS:
            raise ValueError(f"must be one of {', '.join(LOG_FORMATS)}, not {value!r}")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """Accept plain URLs and pick the async driver Linli runs on."""
        return normalise_database_url(value)

    @model_validator(mode="after")
    def _window_after_cutoff(self) -> Settings:
        """The evening window must be a real interval that starts after the cutoff."""
        if self.window_start >= self.window_end:
            raise ValueError("LINLI_WINDOW_START must be before LINLI_WINDOW_END")
        if self.cutoff >= self.window_start:
            raise ValueError("LINLI_CUTOFF must be before LINLI_WINDOW_START")
        return self

    @property
    def tz(self) -> ZoneInfo:
        """The business time zone as a tzinfo."""
        return ZoneInfo(self.timezone)

    @property
    def web_address(self) -> str:
        """The web chat's base address, without a trailing slash."""
        return (self.web_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")


def normalise_database_url(url: str) -> str:
    """Map ``postgresql://`` and ``sqlite://`` URLs to their asyncio drivers."""
    if not url.strip():
        raise ValueError("must not be empty")
    for plain, asynchronous in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return asynchronous + url[len(plain) :]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        return url
    raise ValueError("must be a postgresql:// or sqlite:// URL")


TELEGRAM_TOKEN_FORMAT = re.compile(r"^\d+:[A-Za-z0-9_-]{30,}$")


def require_telegram_token(settings: Settings) -> str:
    """The bot token, checked only where it is needed (``linli bot``), else ConfigError."""
    token = (settings.telegram_token or "").strip()
    if not token:
        raise ConfigError(
            "LINLI_TELEGRAM_TOKEN is not set: put the token @BotFather gave you "
            "(like 123456789:AAE...) in LINLI_TELEGRAM_TOKEN"
        )
    if not TELEGRAM_TOKEN_FORMAT.fullmatch(token):
        raise ConfigError(
            "LINLI_TELEGRAM_TOKEN does not look like a bot token: expected digits, a colon "
            "and at least 30 letters, digits, '_' or '-' (like 123456789:AAE...)"
        )
    return token


def load_settings() -> Settings:
    """Read the environment; a bad value raises ConfigError naming its variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            name = f"LINLI_{field.upper()}" if field else "LINLI settings"
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise ConfigError("; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return load_settings()
