"""Flask extensions, created unbound and bound to an app in ``create_app``."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request
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


babel = Babel()
limiter = Limiter(key_func=client_key, headers_enabled=True)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()

__all__ = ["babel", "client_key", "csrf", "db", "limiter", "migrate"]
