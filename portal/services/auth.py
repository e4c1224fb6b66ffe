"""Staff sign-in rules: password check, lockout, TOTP two-factor, session versions.

Threat model: someone guessing a staff password (lockout per account, throttling per client at
the edge, TOTP for roles that see reporters' identities), someone learning which emails have
accounts (one answer and about the same work for every failure, and an unknown email "locks"
like a real account does), a TOTP code seen over a shoulder or in a log (each time step is
accepted once per user), and a stolen session (``session_version`` lets "log out everywhere"
revoke every cookie at once). Nothing here stores a password, a TOTP code or a raw address.

The functions change the session they are given and never commit: when a ``LoginRefused`` is
raised the failure has been recorded (counter, lockout, audit), so the caller commits anyway.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NoReturn

import pyotp
import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _
from limits import RateLimitItemPerMinute
from limits.strategies import RateLimiter
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from models import AuditEntry, User
from models.enums import Role

from . import audit
from .accounts import hash_password, verify_password
from .errors import DomainError, NotPermitted

TOTP_ISSUER = "ZI Portal"
TOTP_DIGITS = 6
TOTP_DRIFT_STEPS = 1  # accept the previous and the next 30-second code (clock drift)
PASSWORD_MAX = 1024  # longer input is refused before hashing (cheap denial of service)

# Audited actions; the ones carrying ``totp_step`` also remember which code was spent.
LOGIN_OK = "masuk.berhasil"
LOGIN_FAILED = "masuk.gagal"
LOCKED_OUT = "masuk.dikunci"
LOGOUT = "keluar"
LOGOUT_EVERYWHERE = "keluar.semua"
SESSION_EXPIRED = "sesi.kedaluwarsa"
TOTP_ENABLED = "2fa.diaktifkan"
TOTP_DISABLED = "2fa.dinonaktifkan"
SPENDS_TOTP = (LOGIN_OK, TOTP_ENABLED, TOTP_DISABLED)


class Reason(StrEnum):
    """Why a sign-in was refused (audited; never shown)."""

    UNKNOWN = "unknown"
    WRONG_PASSWORD = "wrong-password"  # noqa: S105 - a reason code, not a password
    LOCKED = "locked"
    INACTIVE = "inactive"
    BAD_TOTP = "bad-totp"


class SecondFactor(StrEnum):
    """What the password step leads to."""

    NONE = "none"  # signed in
    TOTP = "totp"  # ask for the authenticator code
    SETUP = "setup"  # required for the user's roles but not set up yet: enrol first


@dataclass(frozen=True)
class LoginPolicy:
    """Lockout and two-factor rules, from the app's configuration."""

    lockout_attempts: int = 5
    lockout_minutes: int = 15
    totp_roles: frozenset[Role] = field(default_factory=frozenset)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], identity_roles: Iterable[Role]) -> LoginPolicy:
        """Read ``LOGIN_LOCKOUT_*`` and ``REQUIRE_TOTP_FOR_IDENTITY_ROLES`` (production: on)."""
        required = config.get(
            "REQUIRE_TOTP_FOR_IDENTITY_ROLES", config.get("ZI_PROFILE") == "production"
        )
        return cls(
            lockout_attempts=max(1, int(config.get("LOGIN_LOCKOUT_ATTEMPTS", 5))),
            lockout_minutes=max(1, int(config.get("LOGIN_LOCKOUT_MINUTES", 15))),
            totp_roles=frozenset(identity_roles) if required else frozenset(),
        )


class LoginRefused(DomainError):
    """A refused sign-in; the message never says whether the email or the password was wrong."""

    def __init__(self, reason: Reason, *, locked: bool = False):
        self.reason = reason
        self.locked = locked
        message = (
            _("Email atau kata sandi salah. Coba lagi nanti.")
            if locked
            else _("Email atau kata sandi salah.")
        )
        super().__init__(message)


class InvalidCode(DomainError):
    """A TOTP code that is wrong, malformed or already used."""

    def __init__(self):
        super().__init__(_("Kode verifikasi salah atau sudah dipakai."))


@dataclass(frozen=True)
class PasswordAccepted:
    """The password step passed; ``second_factor`` says what comes next."""

    user: User
    second_factor: SecondFactor


def totp_required(user: User, policy: LoginPolicy) -> bool:
    """Return whether ``user`` must use TOTP (one of their roles can see identities)."""
    return bool(user.roles & policy.totp_roles)


def check_password(
    session: Session,
    email: str,
    password: str,
    *,
    policy: LoginPolicy,
    now: datetime,
    client: str | None = None,
) -> PasswordAccepted:
    """Check ``email`` and ``password``; raise ``LoginRefused`` (recorded) when they fail."""
    email = (email or "").strip().lower()
    password = (password or "")[:PASSWORD_MAX]
    user = session.scalar(sa.select(User).where(User.email == email)) if email else None
    if user is None:
        verify_password(_dummy_hash(), password)  # the same work as for a real account
        _refuse(session, None, Reason.UNKNOWN, client)
    # Every branch below verifies the hash once, so timing says nothing about the account.
    correct = verify_password(user.password_hash, password)
    if _is_locked(user, now):
        _refuse(session, user, Reason.LOCKED, client, locked=True)
    if not user.active:
        _refuse(session, user, Reason.INACTIVE, client)
    if not correct:
        _count_failure(session, user, Reason.WRONG_PASSWORD, policy, now, client)
    if user.totp_secret:
        return PasswordAccepted(user, SecondFactor.TOTP)
    if totp_required(user, policy):
        return PasswordAccepted(user, SecondFactor.SETUP)
    return PasswordAccepted(user, SecondFactor.NONE)


def check_totp(
    session: Session,
    user: User,
    code: str,
    *,
    policy: LoginPolicy,
    now: datetime,
    client: str | None = None,
) -> int:
    """Check the second step's code; return its time step or raise ``LoginRefused`` (recorded)."""
    # Lock the row (PostgreSQL) so two requests cannot spend the same code at once.
    session.scalars(
        sa.select(User)
        .where(User.id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if _is_locked(user, now):
        _refuse(session, user, Reason.LOCKED, client, locked=True)
    if not user.active:
        _refuse(session, user, Reason.INACTIVE, client)
    step = match_totp(user.totp_secret, code, now, after=last_totp_step(session, user))
    if step is None:
        _count_failure(session, user, Reason.BAD_TOTP, policy, now, client)
    return step


def complete_login(
    session: Session,
    user: User,
    *,
    client: str | None = None,
    totp_step: int | None = None,
) -> None:
    """Record a successful sign-in and forget earlier failures."""
    user.failed_logins = 0
    user.locked_until = None
    audit.record(
        session,
        LOGIN_OK,
        user,
        user,
        method="totp" if totp_step is not None else "password",
        totp_step=totp_step,
        client=client,
    )


def record_logout(session: Session, user: User, *, client: str | None = None) -> None:
    """Record that ``user`` signed out of this browser."""
    audit.record(session, LOGOUT, user, user, client=client)


def record_expiry(session: Session, user: User, *, idle_minutes: int) -> None:
    """Record that ``user``'s session ended after ``idle_minutes`` without activity."""
    audit.record(session, SESSION_EXPIRED, user, user, idle_minutes=idle_minutes)


def end_other_sessions(session: Session, user: User, *, client: str | None = None) -> int:
    """Invalidate every session of ``user`` by bumping its version; return the new version."""
    user.session_version = (user.session_version or 0) + 1
    audit.record(session, LOGOUT_EVERYWHERE, user, user, client=client)
    return user.session_version


def enable_totp(
    session: Session, user: User, secret: str, code: str, *, now: datetime, client: str | None
) -> int:
    """Turn TOTP on once ``code`` proves the authenticator holds ``secret``; return its step.

    Other sessions of the user end (they were opened with the password alone).
    """
    step = match_totp(secret, code, now, after=last_totp_step(session, user))
    if step is None:
        raise InvalidCode()
    user.totp_secret = secret
    user.session_version = (user.session_version or 0) + 1
    audit.record(session, TOTP_ENABLED, user, user, totp_step=step, client=client)
    return step


def disable_totp(
    session: Session,
    user: User,
    code: str,
    *,
    policy: LoginPolicy,
    now: datetime,
    client: str | None,
) -> None:
    """Turn TOTP off with a current code, unless the user's roles require it."""
    if totp_required(user, policy):
        raise NotPermitted(
            _("Verifikasi dua langkah wajib untuk peran Anda dan tidak dapat dimatikan.")
        )
    if not user.totp_secret:
        return
    step = match_totp(user.totp_secret, code, now, after=last_totp_step(session, user))
    if step is None:
        raise InvalidCode()
    user.totp_secret = None
    user.session_version = (user.session_version or 0) + 1
    audit.record(session, TOTP_DISABLED, user, user, totp_step=step, client=client)


def match_totp(secret: str | None, code: str, now: datetime, *, after: int | None) -> int | None:
    """Return the time step ``code`` belongs to (within the drift), if later than ``after``."""
    code = re.sub(r"\s+", "", code or "")
    if not secret or not re.fullmatch(rf"\d{{{TOTP_DIGITS}}}", code):
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS)
    current = totp.timecode(now)
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue  # spent: the same code (or an older one) never works twice
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def last_totp_step(session: Session, user: User) -> int | None:
    """Return the latest time step ``user`` has spent (kept in the audit trail)."""
    details = session.scalar(
        sa.select(AuditEntry.details)
        .where(AuditEntry.actor_id == user.id, AuditEntry.action.in_(SPENDS_TOTP))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    step = (details or {}).get("totp_step")
    return step if isinstance(step, int) else None


def setup_secret(key: bytes, user_id: int, nonce: str) -> str:
    """Return the TOTP secret offered during one enrolment (derived, so no cookie carries it)."""
    digest = hmac.new(key, f"totp-setup:{user_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()  # 160 bits, as RFC 4226 recommends


def provisioning_uri(user: User, secret: str) -> str:
    """Return the ``otpauth://`` URI an authenticator app imports."""
    return pyotp.TOTP(secret, digits=TOTP_DIGITS).provisioning_uri(
        name=user.email, issuer_name=TOTP_ISSUER
    )


def email_key(key: bytes, email: str) -> str:
    """Return a keyed hash of an email address (for counters about unknown addresses)."""
    normalised = (email or "").strip().lower().encode()
    return hmac.new(key, normalised, hashlib.sha256).hexdigest()[:24]


def unknown_email_locked(counter: RateLimiter, key: str, policy: LoginPolicy) -> bool:
    """Count a failure for an email without an account; return whether it now looks locked.

    A real account locks on its Nth failure; answering the same way for unknown emails keeps
    "coba lagi nanti" from telling which addresses have accounts.
    """
    window = RateLimitItemPerMinute(policy.lockout_attempts - 1, policy.lockout_minutes)
    return not counter.hit(window, "login-unknown-email", key)


def _is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _refuse(
    session: Session, user: User | None, reason: Reason, client: str | None, *, locked=False
) -> NoReturn:
    audit.record(session, LOGIN_FAILED, user, None, reason=reason.value, client=client)
    raise LoginRefused(reason, locked=locked)


def _count_failure(
    session: Session,
    user: User,
    reason: Reason,
    policy: LoginPolicy,
    now: datetime,
    client: str | None,
) -> NoReturn:
    """Add one failure atomically (parallel guesses all count); lock at the limit."""
    table = User.__table__
    failures = session.execute(
        sa.update(table)
        .where(table.c.id == user.id)
        .values(failed_logins=table.c.failed_logins + 1)
        .returning(table.c.failed_logins)
    ).scalar_one()
    set_committed_value(user, "failed_logins", failures)
    if failures < policy.lockout_attempts:
        _refuse(session, user, reason, client)
    until = now + timedelta(minutes=policy.lockout_minutes)
    user.locked_until = until
    user.failed_logins = 0
    audit.record(session, LOGIN_FAILED, user, None, reason=reason.value, client=client)
    audit.record(
        session,
        LOCKED_OUT,
        user,
        None,
        attempts=failures,
        minutes=policy.lockout_minutes,
        client=client,
    )
    raise LoginRefused(reason, locked=True)


_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    """Return a hash made with the current argon2 parameters, for unknown emails."""
    profile = current_app.config.get("ARGON2_PROFILE", "") if has_app_context() else ""
    if profile not in _dummy_hashes:
        _dummy_hashes[profile] = hash_password("zi-portal-no-such-account")
    return _dummy_hashes[profile]
