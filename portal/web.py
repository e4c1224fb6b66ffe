"""What every page shares: error pages and template globals."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError


def init_app(app: Flask) -> None:
    """Install the error pages and the template context."""

    @app.context_processor
    def _globals() -> dict:
        return {"current_locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])}

    @app.errorhandler(404)
    def _not_found(_error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(CSRFError)
    def _csrf_failed(error):
        if request.path.startswith("/api/"):
            return jsonify({"errors": {"request": [_("Token formulir tidak sah.")]}}), 400
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(413)
    def _too_large(_error):
        limit_mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        if request.path.startswith("/api/"):
            message = _("Permintaan melebihi %(n)d MB.", n=limit_mb)
            return jsonify({"errors": {"request": [message]}}), 413
        return render_template("errors/413.html", limit_mb=limit_mb), 413

    @app.errorhandler(500)
    def _server_error(_error):
        return render_template("errors/500.html"), 500

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(error):
        from .extensions import db

        app.logger.error("database unavailable: %s", error)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection may be gone; the answer matters
            app.logger.exception("rollback after a database error failed")
        headers = {"Retry-After": "30"}
        if request.path.startswith(("/api/", "/open311/")):
            message = _("Layanan sedang tidak tersedia. Coba lagi dalam 30 detik.")
            return jsonify({"errors": {"request": [message]}}), 503, headers
        return render_template("errors/503.html"), 503, headers
