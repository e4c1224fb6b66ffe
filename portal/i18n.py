"""Language choice: Indonesian by default, English when the visitor picks it.

The browser's Accept-Language is deliberately ignored: many Indonesian phones are set to
English, and the portal promises Indonesian unless a person asks otherwise.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, has_request_context, redirect, request

LANG_COOKIE = "zi_lang"
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """Return the visitor's chosen language, else the default (Indonesian)."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and workers speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _safe_next(target: str | None) -> str:
    """Return ``target`` if it is a path on this site, else the home page (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@bp.get("/bahasa/<lang>")
def switch_language(lang: str):
    """Remember the chosen language in a cookie and go back to the page the visitor was on."""
    response = redirect(_safe_next(request.args.get("next")))
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
        )
    return response
