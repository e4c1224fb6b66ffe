"""Staff accounts: creation and password hashing (argon2id)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import Unit, User, UserRole
from models.enums import Role

from . import audit
from .errors import PreconditionFailed

PASSWORD_MIN = 12
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _hasher() -> PasswordHasher:
    """Return the hasher for the configured argon2 profile (tests use the cheapest one)."""
    name = "RFC_9106_LOW_MEMORY"
    if has_app_context():
        name = current_app.config.get("ARGON2_PROFILE", name)
    return PasswordHasher.from_parameters(getattr(profiles, name))


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Return whether ``password`` matches ``password_hash`` (any argon2 parameters)."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    roles: Iterable[Role],
    unit: Unit | None = None,
    actor: User | None = None,
) -> User:
    """Create a staff account with ``roles``; refuse weak passwords and duplicate emails."""
    email = (email or "").strip().lower()
    roles = set(roles)
    failures = []
    if not EMAIL_RE.match(email) or len(email) > User.EMAIL_MAX:
        failures.append(_("Alamat email tidak valid."))
    elif session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        failures.append(_("Sudah ada akun dengan email %(email)s.", email=email))
    if not (name or "").strip():
        failures.append(_("Nama wajib diisi."))
    if len(password or "") < PASSWORD_MIN:
        failures.append(_("Kata sandi minimal %(n)d karakter.", n=PASSWORD_MIN))
    if not roles:
        failures.append(_("Setiap akun memerlukan setidaknya satu peran."))
    if failures:
        raise PreconditionFailed(failures)
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        unit=unit,
        role_rows=[UserRole(role=role) for role in sorted(roles)],
    )
    session.add(user)
    audit.record(session, "akun.dibuat", user, actor, roles=sorted(r.value for r in roles))
    return user
