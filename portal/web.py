"""What every page shares: error pages and template globals."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import get_locale


def init_app(app: Flask) -> None:
    """Install the error pages and the template context."""

    @app.context_processor
    def _globals() -> dict:
        return {"current_locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])}

    @app.errorhandler(404)
    def _not_found(_error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(500)
    def _server_error(_error):
        return render_template("errors/500.html"), 500
