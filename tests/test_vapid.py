"""The VAPID key pair: given by LINLI_VAPID_*, or made once and shared by every process."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from core.platform.config import ConfigError, Settings
from core.platform.db import create_engine
from core.platform.uow import Database
from core.platform.vapid import b64url, vapid_keys


def raw_private(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def raw_public(key: ec.EllipticCurvePrivateKey) -> str:
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


async def test_keys_made_once_are_the_same_for_every_process_of_the_database(db):
    first = await vapid_keys(db)
    other = Database(create_engine(db.settings.database_url), db.settings, db.clock)
    try:
        assert (await vapid_keys(other)).public_key == first.public_key
    finally:
        await other.dispose()
    point = base64.urlsafe_b64decode(first.public_key + "==")
    assert len(point) == 65 and point[0] == 4  # what PushManager.subscribe takes


async def test_configured_keys_are_used_and_sign_for_the_push_service_of_the_endpoint(db):
    key = ec.generate_private_key(ec.SECP256R1())
    settings = Settings(
        database_url=db.settings.database_url,
        vapid_private_key=raw_private(key),
        vapid_public_key=raw_public(key),
        vapid_subject="mailto:ops@linli.example",
    )
    configured = Database(db.engine, settings, db.clock)
    keys = await vapid_keys(configured)
    assert keys.public_key == raw_public(key)
    headers = keys.headers_for("https://push.example/send/abc")
    assert headers["Authorization"].startswith("vapid t=")
    token = headers["Authorization"].split("t=")[1].split(",")[0]
    claims = base64.urlsafe_b64decode(token.split(".")[1] + "==").decode()
    assert '"aud": "https://push.example"' in claims or '"aud":"https://push.example"' in claims
    assert "ops@linli.example" in claims


async def test_a_public_key_that_is_not_the_private_keys_is_refused(db):
    settings = Settings(
        database_url=db.settings.database_url,
        vapid_private_key=raw_private(ec.generate_private_key(ec.SECP256R1())),
        vapid_public_key=raw_public(ec.generate_private_key(ec.SECP256R1())),
    )
    with pytest.raises(ConfigError, match="LINLI_VAPID_PUBLIC_KEY"):
        await vapid_keys(Database(db.engine, settings, db.clock))


def test_the_safety_net_poll_is_never_faster_than_a_minute():
    assert Settings().webchat_poll_seconds == 60
    with pytest.raises(ValueError):
        Settings(webchat_poll_seconds=5)


def test_linli_serve_refuses_to_start_with_a_key_pair_that_does_not_match(tmp_path):
    from click.testing import CliRunner

    from app.cli.main import cli

    env = {
        "LINLI_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "LINLI_VAPID_PRIVATE_KEY": raw_private(ec.generate_private_key(ec.SECP256R1())),
        "LINLI_VAPID_PUBLIC_KEY": raw_public(ec.generate_private_key(ec.SECP256R1())),
    }
    result = CliRunner().invoke(cli, ["serve"], env=env)
    assert result.exit_code != 0
    assert "LINLI_VAPID_PUBLIC_KEY" in result.output
