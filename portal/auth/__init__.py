"""Staff sign-in (the ``auth`` blueprint) and the life of a staff session.

Threat model: a stolen session cookie (HttpOnly and SameSite cookies from config; "strong"
session protection ties the session to the browser; an idle timeout; ``session_version``, which
"log out everywhere", 2FA changes and deactivation revoke), and session fixation (the session
is emptied whenever someone signs in). Citizens never sign in; nothing here touches them.
"""

from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, session
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from models import User, db

from ..extensions import login_manager
from ..services import auth as auth_service

bp = Blueprint("auth", __name__)

VERSION_KEY = "staff_sv"  # the user's session_version when this session began
SEEN_KEY = "staff_seen"  # last request (epoch seconds), for the idle timeout
MFA_KEY = "staff_mfa"  # this sign-in passed a TOTP code


def _adopt_user_model() -> None:
    """Give ``models.User`` the members Flask-Login reads, unless the model declares them."""
    members = {
        "is_authenticated": property(lambda self: True),
        "is_anonymous": property(lambda self: False),
        "is_active": property(lambda self: bool(self.active)),
        "get_id": lambda self: str(self.id),
    }
    for name, member in members.items():
        if not hasattr(User, name):
            setattr(User, name, member)


_adopt_user_model()


def idle_seconds() -> float:
    """Return how long a staff session may sit unused (``SESSION_IDLE_MINUTES``, default 30)."""
    return float(current_app.config.get("SESSION_IDLE_MINUTES", 30)) * 60


def start_session(user: User, *, mfa: bool) -> None:
    """Sign ``user`` in on an emptied session, so nothing from before the sign-in survives."""
    session.clear()
    login_user(user, remember=False, fresh=True)
    session[VERSION_KEY] = user.session_version
    session[SEEN_KEY] = time.time()
    session[MFA_KEY] = mfa


def end_session() -> None:
    """Sign out of this browser and forget everything the session held."""
    logout_user()
    session.clear()


def load_user(user_id: str) -> User | None:
    """Return the signed-in user, unless deactivated or the session's version was revoked."""
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or not user.active or session.get(VERSION_KEY) != user.session_version:
        return None
    return user


@bp.before_app_request
def enforce_session() -> None:
    """End a staff session that sat idle too long or was revoked; else note this activity."""
    if "_user_id" not in session:
        return
    now = time.time()
    seen = session.get(SEEN_KEY)
    if not isinstance(seen, int | float) or now - seen > idle_seconds():
        if current_user.is_authenticated:
            user = current_user._get_current_object()
            auth_service.record_expiry(db.session, user, idle_minutes=round(idle_seconds() / 60))
            db.session.commit()
        end_session()
        flash(_("Sesi Anda berakhir karena tidak ada aktivitas. Silakan masuk lagi."), "warning")
        return
    if not current_user.is_authenticated:  # logged out everywhere, deactivated, or tampered with
        end_session()
        return
    session[SEEN_KEY] = now


@bp.record_once
def _configure_login(_state) -> None:
    from .access import to_login

    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(to_login)


from . import views  # noqa: E402,F401 - register the routes on bp
