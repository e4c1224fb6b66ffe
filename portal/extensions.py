"""Flask extensions, created unbound and bound to an app in ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from models import db

babel = Babel()
migrate = Migrate()
csrf = CSRFProtect()

__all__ = ["babel", "csrf", "db", "migrate"]
