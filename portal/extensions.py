"""Flask extensions, created unbound and bound to an app in ``create_app``."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from models import db


def client_key() -> str:
    """Rate-limit by a keyed hash of the client address: no raw IP is stored anywhere."""
    secret = current_app.config["SECRET_KEY"].encode()
    address = (request.remote_addr or "unknown").encode()
    return hmac.new(secret, address, hashlib.sha256).hexdigest()[:24]


class PortalLoginManager(LoginManager):
    """Flask-Login, with session protection only where there is someone to protect.

    Citizens never sign in. Without a signed-in user the "strong" check finds no browser
    fingerprint in the session and "protects" it anyway: it rewrites the session and sends a
    remember-cookie deletion on every public page, work (and cookies) for nothing.
    """

    def _session_protection_failed(self) -> bool:
        if "_user_id" not in session:
            return False
        return super()._session_protection_failed()


babel = Babel()
limiter = Limiter(key_func=client_key, headers_enabled=True)
migrate = Migrate()
login_manager = PortalLoginManager()
csrf = CSRFProtect()

__all__ = ["babel", "client_key", "csrf", "db", "limiter", "migrate"]
