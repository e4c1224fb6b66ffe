"""Open311 GeoReport v2 under /open311/v2: the portal's categories and published complaints in
the civic-issue standard, and filing through the same intake service as every other channel.

Threat model: readers are anonymous aggregators that copy, cache and log whatever they get, so
every answer is built field by field from an allow-list (never from a model dump): only
complaints that are ``terbuka`` *and* approved for publication appear, and no answer carries a
reporter's name, email, phone, the complaint body, replies, internal notes or file names.
Writers hold an API key, checked in constant time; wrong keys spend a failure budget. Every
answer, errors included, is Open311 XML or JSON (chosen by the URL's suffix, XML by default): an
HTML error page would break clients and could echo input into a page. Errors have the spec's
shape, a list of ``{code, description}``. CSRF does not apply: no cookie authorises anything here.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ..extensions import csrf, db, limiter
from .xml import render_xml

logger = logging.getLogger(__name__)

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)

FORMATS = ("json", "xml")
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
PUBLIC_CACHE = "public, max-age=60"
PRIVATE = "no-store"


class Open311Error(Exception):
    """An Open311 error answer: the HTTP status and one description per problem."""

    def __init__(
        self,
        status: int,
        descriptions: str | Sequence[str],
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(status)
        self.status = status
        self.descriptions = (
            [descriptions] if isinstance(descriptions, str) else [str(d) for d in descriptions]
        )
        self.headers = dict(headers or {})


def request_format() -> str:
    """Return the format the URL asks for: its ``.json``/``.xml`` suffix; XML by default."""
    fmt = (request.view_args or {}).get("fmt")
    if fmt in FORMATS:
        return fmt
    return "json" if request.path.endswith(".json") else "xml"


def respond(
    payload: list[Any] | dict[str, Any],
    *,
    root: str,
    status: int = 200,
    cache: str = PUBLIC_CACHE,
    headers: Mapping[str, str] | None = None,
    fmt: str | None = None,
) -> Response:
    """Render ``payload`` as UTF-8 JSON (the Spark convention) or XML under ``root``."""
    fmt = fmt or request_format()
    if fmt == "json":
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        response = Response(body, status=status, content_type=JSON_TYPE)
    else:
        response = Response(render_xml(root, payload), status=status, content_type=XML_TYPE)
    response.headers["Cache-Control"] = cache
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(
    status: int, descriptions: Sequence[str], headers: Mapping[str, str] | None = None
) -> Response:
    """Return the spec's error list, one ``{code, description}`` per problem."""
    payload = [{"code": status, "description": str(d)} for d in descriptions]
    return respond(payload, root="errors", status=status, cache=PRIVATE, headers=headers)


def _is_open311_path() -> bool:
    prefix = bp.url_prefix or ""
    return request.path == prefix or request.path.startswith(prefix + "/")


def _not_found_message() -> str:
    return _("Alamat Open311 tidak ditemukan. Lihat services.xml untuk memulai.")


@bp.errorhandler(Open311Error)
def _open311_error(error: Open311Error):
    return error_response(error.status, error.descriptions, error.headers)


@bp.errorhandler(400)
def _bad_request(_error):
    return error_response(400, [_("Permintaan tidak dapat dibaca.")])


@bp.errorhandler(404)
def _not_found(_error):
    return error_response(404, [_not_found_message()])


def _method_not_allowed(error: MethodNotAllowed) -> Response:
    allowed = ", ".join(sorted(error.valid_methods or ()))
    message = _("Metode %(method)s tidak diizinkan di alamat ini.", method=request.method)
    return error_response(405, [message], {"Allow": allowed} if allowed else None)


@bp.errorhandler(405)
def _not_allowed(error):
    return _method_not_allowed(error)


@bp.errorhandler(413)
def _too_large(_error):
    return error_response(413, [_("Permintaan terlalu besar.")])


@bp.errorhandler(429)
def _too_many(_error):
    current = limiter.current_limit
    wait = max(1, current.reset_at - int(time.time())) if current is not None else 60
    message = _("Terlalu banyak permintaan. Coba lagi dalam %(n)d detik.", n=wait)
    return error_response(429, [message], {"Retry-After": str(wait)})


@bp.errorhandler(500)
def _server_error(_error):
    db.session.rollback()
    return error_response(500, [_("Terjadi kesalahan pada server. Coba lagi nanti.")])


@bp.errorhandler(HTTPException)
def _other_http_error(error: HTTPException):
    return error_response(error.code or 500, [error.name])


@bp.before_app_request
def _unrouted_open311_request():
    """Answer in Open311 form when no /open311/ route matches (the site would answer in HTML)."""
    failure = request.routing_exception
    if failure is None or not _is_open311_path():
        return None
    if isinstance(failure, MethodNotAllowed):
        return _method_not_allowed(failure)
    if isinstance(failure, NotFound):
        return error_response(404, [_not_found_message()])
    return None


def configured_keys() -> list[str]:
    """Return the API keys from ``OPEN311_API_KEYS`` (a comma-separated string or a list)."""
    raw = current_app.config.get("OPEN311_API_KEYS") or ()
    if isinstance(raw, str):
        raw = raw.split(",")
    return [str(k).strip() for k in raw if k and str(k).strip()]


def jurisdiction() -> str:
    """Return this endpoint's jurisdiction_id (``OPEN311_JURISDICTION``)."""
    return str(current_app.config.get("OPEN311_JURISDICTION") or "zi-portal")


from . import views  # noqa: E402,F401 - register the routes on bp
