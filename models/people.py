"""Staff accounts: inspectors, coordinators, ZI administrators and assessment teams."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, enum_column, utcnow
from .enums import Role

if TYPE_CHECKING:
    from .org import Unit


class User(db.Model):
    """A staff member who signs in; citizens never need an account."""

    __tablename__ = "user"
    EMAIL_MAX = 254
    NAME_MAX = 120

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX), unique=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # The unit the person works in: they must not handle complaints about it (recusal).
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Bumped by "log out everywhere": sessions carrying an older value are refused.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def roles(self) -> set[Role]:
        """Return the roles granted to this user."""
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        """Return whether the user holds any of ``roles``."""
        return bool(self.roles.intersection(roles))


class UserRole(db.Model):
    """One role granted to a user."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")
