"""Settings for ZI Portal, read from ``ZI_*`` environment variables when the app is created.

Three profiles: ``development`` (the default: SQLite under ``instance/``), ``testing`` and
``production``. Production refuses to start with the development secret key or without an
explicit PostgreSQL URL, so a misconfigured deployment fails loudly at boot instead of running
with forgeable sessions or a throwaway database.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105 - refused in production
PROFILES = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """A setting makes it unsafe or impossible to start."""


class _Env:
    """Typed reads of ``ZI_*`` variables; an empty value counts as unset."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.environ.get(f"ZI_{name}")
        return value if value not in (None, "") else default

    def int(self, name: str, default: int) -> int:
        raw = self.str(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError as exc:
            raise ConfigError(f"ZI_{name} must be a whole number, not {raw!r}") from exc

    def bool(self, name: str, default: bool) -> bool:
        raw = self.str(name)
        if raw is None:
            return default
        if raw.strip().lower() in {"1", "true", "yes", "on", "ya"}:
            return True
        if raw.strip().lower() in {"0", "false", "no", "off", "tidak"}:
            return False
        raise ConfigError(f"ZI_{name} must be true or false, not {raw!r}")


def _base(env: _Env) -> dict[str, Any]:
    return {
        "SECRET_KEY": env.str("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": env.str(
            "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'zi-portal.db'}"
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_DIR": env.str("UPLOAD_DIR", str(INSTANCE_DIR / "uploads")),
        "REDIS_URL": env.str("REDIS_URL"),
        # Indonesian is the default everywhere; English only when the visitor asks for it.
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": env.str("TIMEZONE", "Asia/Jakarta"),
        "LANGUAGES": ("id", "en"),
        # Sessions carry inspectors' access to whistleblower data: strict cookies by default.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.bool("COOKIE_SECURE", False),
        "MAX_CONTENT_LENGTH": env.int("MAX_REQUEST_MB", 64) * 1024 * 1024,
        # ZI lifecycle policy: PermenPANRB 90/2021 bars a revoked unit for two years.
        "REVOCATION_BAN_YEARS": env.int("REVOCATION_BAN_YEARS", 2),
        "REVOCATION_DECISION_DAYS": env.int("REVOCATION_DECISION_DAYS", 30),
        # Outbound mail (the worker delivers the outbox over SMTP).
        "MAIL_FROM": env.str("MAIL_FROM", "ZI Portal <pengaduan@zi-portal.invalid>"),
        "SMTP_HOST": env.str("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": env.int("SMTP_PORT", 25),
        "SMTP_SECURITY": env.str("SMTP_SECURITY", "none"),  # none | starttls | tls
        "SMTP_USERNAME": env.str("SMTP_USERNAME"),
        "SMTP_PASSWORD": env.str("SMTP_PASSWORD"),
        "SMTP_TIMEOUT": env.int("SMTP_TIMEOUT", 30),
        "OUTBOX_MAX_ATTEMPTS": env.int("OUTBOX_MAX_ATTEMPTS", 8),
        # Acknowledgements to one sender per hour (loop and flood protection).
        "MAIL_ACK_LIMIT_PER_HOUR": env.int("MAIL_ACK_LIMIT_PER_HOUR", 5),
        # Inbound mail (the worker or `flask mail fetch` reads an IMAP mailbox).
        "IMAP_HOST": env.str("IMAP_HOST"),
        "IMAP_PORT": env.int("IMAP_PORT", 993),
        "IMAP_SECURITY": env.str("IMAP_SECURITY", "tls"),  # tls | starttls | none
        "IMAP_USERNAME": env.str("IMAP_USERNAME"),
        "IMAP_PASSWORD": env.str("IMAP_PASSWORD"),
        "IMAP_MAILBOX": env.str("IMAP_MAILBOX", "INBOX"),
        "IMAP_PROCESSED_FOLDER": env.str("IMAP_PROCESSED_FOLDER"),  # unset: mark \\Seen instead
        "MAIL_MAX_BYTES": env.int("MAIL_MAX_MB", 30) * 1024 * 1024,
        # Where scripts/zi-mail-spool leaves piped messages for the worker.
        "MAIL_SPOOL_DIR": env.str("MAIL_SPOOL_DIR", str(INSTANCE_DIR / "mail-spool")),
        "WORKER_INTERVAL_SECONDS": env.int("WORKER_INTERVAL_SECONDS", 15),
        "TELEGRAM_TOKEN": env.str("TELEGRAM_TOKEN"),
        # Evidence files: limits per file, per complaint or message, and image size.
        "EVIDENCE_MAX_FILE_BYTES": env.int("EVIDENCE_MAX_FILE_MB", 20) * 1024 * 1024,
        "EVIDENCE_MAX_TOTAL_BYTES": env.int("EVIDENCE_MAX_TOTAL_MB", 50) * 1024 * 1024,
        "EVIDENCE_MAX_FILES": env.int("EVIDENCE_MAX_FILES", 10),
        "EVIDENCE_MAX_IMAGE_PIXELS": env.int("EVIDENCE_MAX_IMAGE_MEGAPIXELS", 50) * 1_000_000,
        # Receipts are signed with Ed25519 so another body can verify them with the public key.
        "RECEIPT_SIGNING_KEY": env.str("RECEIPT_SIGNING_KEY"),  # PEM text
        "RECEIPT_KEY_FILE": env.str(
            "RECEIPT_KEY_FILE", str(INSTANCE_DIR / "receipt-signing-key.pem")
        ),
        # A reporter's reply reopens a closed complaint within this many days.
        "REOPEN_WINDOW_DAYS": env.int("REOPEN_WINDOW_DAYS", 30),
        "VERIFICATION_WORKING_DAYS": env.int("VERIFICATION_WORKING_DAYS", 3),
        # The working-day calendar: shipped national holidays, plus regional ones, minus any
        # the agency works on; or a whole replacement file.
        "HOLIDAYS_FILE": env.str("HOLIDAYS_FILE"),
        "HOLIDAYS_EXTRA": env.str("HOLIDAYS_EXTRA", ""),
        "HOLIDAYS_REMOVED": env.str("HOLIDAYS_REMOVED", ""),
        "WEEKEND_DAYS": env.str("WEEKEND_DAYS", "5,6"),
        "ESCALATION_LEVEL2_WORKING_DAYS": env.int("ESCALATION_LEVEL2_WORKING_DAYS", 2),
        "FIRST_ANSWER_WORKING_DAYS": env.int("FIRST_ANSWER_WORKING_DAYS", 5),
        "RATELIMIT_STORAGE_URI": env.str("REDIS_URL", "memory://"),
        "RATELIMIT_REPORT": env.str("RATELIMIT_REPORT", "5 per minute;30 per hour"),
        "RATELIMIT_TRACKING_FAILURES": env.str("RATELIMIT_TRACKING_FAILURES", "10 per 10 minutes"),
        # Where citizens reach the portal, for links in emails and bot messages.
        "PUBLIC_URL": env.str("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        # Reverse proxies in front of the web process (for the client address in rate limits).
        "TRUSTED_PROXIES": env.int("TRUSTED_PROXIES", 0),
        # Staff sign-in: idle timeout, lockout, brute-force limit; TOTP for roles that can see
        # reporters' identities (on by default in production).
        "SESSION_IDLE_MINUTES": env.int("SESSION_IDLE_MINUTES", 30),
        "LOGIN_LOCKOUT_ATTEMPTS": env.int("LOGIN_LOCKOUT_ATTEMPTS", 5),
        "LOGIN_LOCKOUT_MINUTES": env.int("LOGIN_LOCKOUT_MINUTES", 15),
        "RATELIMIT_LOGIN": env.str("RATELIMIT_LOGIN", "10 per minute"),
        # Open311 GeoReport v2: keys that may file requests (comma-separated; none = read-only).
        "OPEN311_API_KEYS": env.str("OPEN311_API_KEYS", ""),
        "OPEN311_JURISDICTION": env.str("OPEN311_JURISDICTION", "zi-portal"),
        "DEMO_MODE": env.bool("DEMO_MODE", False),
        "ARGON2_PROFILE": "RFC_9106_LOW_MEMORY",
    }


def _development(env: _Env) -> dict[str, Any]:
    settings = _base(env)
    settings["DEMO_MODE"] = env.bool("DEMO_MODE", True)
    return settings


def _testing(env: _Env) -> dict[str, Any]:
    settings = _base(env)
    settings.update(
        TESTING=True,
        SECRET_KEY="testing-secret-key-not-for-production",  # noqa: S106
        SQLALCHEMY_DATABASE_URI=env.str("TEST_DATABASE_URL", "sqlite://"),
        ARGON2_PROFILE="CHEAPEST",  # hashing strength is argon2's business, not the suite's
        # Never the developer's real spool under instance/ (the worker empties it).
        MAIL_SPOOL_DIR=str(Path(tempfile.gettempdir()) / "zi-test-mail-spool"),
    )
    return settings


def _production(env: _Env) -> dict[str, Any]:
    settings = _base(env)
    settings["SESSION_COOKIE_SECURE"] = env.bool("COOKIE_SECURE", True)
    settings["REQUIRE_TOTP_FOR_IDENTITY_ROLES"] = env.bool("REQUIRE_TOTP", True)
    secret = settings["SECRET_KEY"] or ""
    if secret == DEV_SECRET_KEY or len(secret) < 32:
        raise ConfigError(
            "ZI_SECRET_KEY must be set to a random value of at least 32 characters in production"
            " (for example: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    url = env.str("DATABASE_URL")
    if url is None:
        raise ConfigError("ZI_DATABASE_URL must be set in production (a PostgreSQL URL)")
    if not url.startswith("postgresql"):
        raise ConfigError("ZI_DATABASE_URL must point to PostgreSQL in production")
    if env.str("RECEIPT_SIGNING_KEY") is None and env.str("RECEIPT_KEY_FILE") is None:
        raise ConfigError(
            "ZI_RECEIPT_SIGNING_KEY (an Ed25519 private key in PEM) or ZI_RECEIPT_KEY_FILE must be"
            " set in production: receipts signed with a throwaway key prove nothing"
        )
    return settings


def load_settings(profile: str | None = None, environ: Mapping[str, str] | None = None) -> dict:
    """Return the settings of a profile (default: ZI_ENV, else development) from the environment."""
    env = _Env(os.environ if environ is None else environ)
    name = (profile or env.str("ENV", "development") or "development").lower()
    builders = {"development": _development, "testing": _testing, "production": _production}
    if name not in builders:
        raise ConfigError(f"ZI_ENV must be one of {', '.join(PROFILES)}, not {name!r}")
    settings = builders[name](env)
    settings["ZI_PROFILE"] = name
    return settings
