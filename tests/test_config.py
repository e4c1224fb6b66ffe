"""Settings: safe development defaults, a strict production profile."""

from __future__ import annotations

import pytest

from config import DEV_SECRET_KEY, INSTANCE_DIR, ConfigError, load_settings

GOOD_SECRET = "x" * 40
PG_URL = "postgresql+psycopg://zi:zi@127.0.0.1/zi"


def test_development_defaults_to_sqlite_under_instance():
    settings = load_settings("development", environ={})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{INSTANCE_DIR / 'zi-portal.db'}"
    assert settings["BABEL_DEFAULT_LOCALE"] == "id"
    assert settings["REVOCATION_BAN_YEARS"] == 2


def test_settings_come_from_zi_variables():
    settings = load_settings(
        "development",
        environ={
            "ZI_DATABASE_URL": PG_URL,
            "ZI_REVOCATION_BAN_YEARS": "3",
            "ZI_COOKIE_SECURE": "ya",
        },
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == PG_URL
    assert settings["REVOCATION_BAN_YEARS"] == 3
    assert settings["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ZI_DATABASE_URL": PG_URL}, "ZI_SECRET_KEY"),
        ({"ZI_SECRET_KEY": DEV_SECRET_KEY, "ZI_DATABASE_URL": PG_URL}, "ZI_SECRET_KEY"),
        ({"ZI_SECRET_KEY": "short", "ZI_DATABASE_URL": PG_URL}, "at least 32"),
        ({"ZI_SECRET_KEY": GOOD_SECRET}, "ZI_DATABASE_URL must be set"),
        ({"ZI_SECRET_KEY": GOOD_SECRET, "ZI_DATABASE_URL": "sqlite:///x.db"}, "PostgreSQL"),
    ],
)
def test_production_refuses_unsafe_settings(environ, message):
    with pytest.raises(ConfigError, match=message):
        load_settings("production", environ=environ)


def test_production_needs_a_receipt_signing_key():
    with pytest.raises(ConfigError, match="ZI_RECEIPT_SIGNING_KEY"):
        load_settings(
            "production", environ={"ZI_SECRET_KEY": GOOD_SECRET, "ZI_DATABASE_URL": PG_URL}
        )


def test_production_starts_with_a_secret_postgresql_and_a_receipt_key():
    environ = {
        "ZI_SECRET_KEY": GOOD_SECRET,
        "ZI_DATABASE_URL": PG_URL,
        "ZI_RECEIPT_KEY_FILE": "/etc/zi-portal/receipt.pem",
    }
    settings = load_settings("production", environ=environ)
    assert settings["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ZI_ENV": "staging"}, "ZI_ENV must be one of"),
        ({"ZI_REVOCATION_BAN_YEARS": "two"}, "whole number"),
        ({"ZI_COOKIE_SECURE": "maybe"}, "true or false"),
    ],
)
def test_bad_values_are_named(environ, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(environ=environ)


def test_the_app_refuses_to_start_in_production_without_a_secret(monkeypatch):
    from portal import create_app

    monkeypatch.setenv("ZI_ENV", "production")
    monkeypatch.delenv("ZI_SECRET_KEY", raising=False)
    monkeypatch.setenv("ZI_DATABASE_URL", PG_URL)
    with pytest.raises(ConfigError, match="ZI_SECRET_KEY"):
        create_app()
