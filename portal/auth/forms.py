"""Staff sign-in forms. Their checks are about shape only; the auth service decides."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from models import User

from ..services.auth import PASSWORD_MAX


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    """Email and password at /masuk."""

    email = EmailField(
        _l("Email"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Isi email Anda.")), Length(max=User.EMAIL_MAX)],
    )
    password = PasswordField(
        _l("Kata sandi"),
        validators=[DataRequired(message=_l("Isi kata sandi Anda.")), Length(max=PASSWORD_MAX)],
    )
    next = HiddenField()


class CodeForm(FlaskForm):
    """A six-digit code from the authenticator app."""

    code = StringField(
        _l("Kode verifikasi"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Isi kode 6 angka dari aplikasi autentikator.")),
            Length(max=16),
        ],
    )


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token (sign out, sign out everywhere)."""
