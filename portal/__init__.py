"""ZI Portal: the Flask application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from config import BASE_DIR, load_settings

logger = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | str | None = None, *, web: bool = True) -> Flask:
    """Create the portal.

    ``config`` is a profile name (development, testing, production) or a mapping of settings
    that override the profile's; a mapping may name its profile under ``ZI_PROFILE``.
    ``web=False`` leaves out everything a person's browser needs (blueprints, sessions, forms,
    rate limits, migrations, commands): the core that one-shot processes such as the mail
    pipe (``zi-mail-ingest``) use, which starts in a fraction of the time.
    """
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(Path(__file__).parent / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    profile = config if isinstance(config, str) else (config or {}).get("ZI_PROFILE")
    app.config.from_mapping(load_settings(profile))
    if isinstance(config, Mapping):
        app.config.from_mapping(config)
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations")
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if not web:
        from flask_babel import Babel

        _init_core(app, Babel())
        return app
    _init_extensions(app)
    _register_blueprints(app)

    from .cli import register_commands

    register_commands(app)
    return app


def _init_core(app: Flask, babel: Any) -> None:
    """Bind what every process needs: the database, its upkeep hooks, and translations."""
    from models import db

    from .i18n import select_locale
    from .services import stats_rollup

    db.init_app(app)
    stats_rollup.install()
    babel.init_app(app, locale_selector=select_locale)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _tune_sqlite(app)


def _init_extensions(app: Flask) -> None:
    from . import security, web
    from .extensions import babel, csrf, db, limiter, login_manager, migrate

    _init_core(app, babel)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    security.init_app(app)
    web.init_app(app)


def _tune_sqlite(app: Flask) -> None:
    """Enforce foreign keys and use WAL so readers never block the writer."""
    from sqlalchemy import event

    from models import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if (
            ":memory:" not in app.config["SQLALCHEMY_DATABASE_URI"]
            and app.config["SQLALCHEMY_DATABASE_URI"] != "sqlite://"
        ):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .i18n import bp as i18n_bp
    from .public import bp as public_bp

    app.register_blueprint(i18n_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    from .admin import bp as admin_bp
    from .inspect import bp as inspect_bp
    from .open311 import bp as open311_bp

    app.register_blueprint(inspect_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(open311_bp)
