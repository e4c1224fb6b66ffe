"""JSON API v1 under /api/v1: complaints (the same intake service as the web form) and catalogues.

Threat model: clients are anonymous programs that may send anything. The blueprint is exempt
from CSRF (no cookies authorise anything here: the access key travels in a header), and every
answer, errors included, is JSON: an HTML error page from /api/ would break clients and could
echo input into a page. Errors have one shape, ``{"errors": {field: [message, ...]}}``, with
``request`` as the field for problems with the request as a whole.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ..extensions import csrf, db, limiter

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

JSON_AND_MULTIPART = "application/json, multipart/form-data"


class ApiError(Exception):
    """An answer other than success: the status, the errors per field, extra headers."""

    def __init__(
        self,
        status: int,
        errors: Mapping[str, Sequence[str]],
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(status)
        self.status = status
        self.errors = {name: [str(m) for m in messages] for name, messages in errors.items()}
        self.headers = dict(headers or {})


def error_response(
    status: int, errors: Mapping[str, Sequence[str]], headers: Mapping[str, str] | None = None
) -> Response:
    """Return the JSON error body every /api/ failure uses."""
    response = jsonify({"errors": {k: [str(m) for m in v] for k, v in errors.items()}})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _is_api_path() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error_response(error.status, error.errors, error.headers)


@bp.errorhandler(400)
def _bad_request(_error):
    return error_response(400, {"request": [_("Permintaan tidak dapat dibaca.")]})


@bp.errorhandler(404)
def _not_found(_error):
    return error_response(404, {"request": [_("Alamat API tidak ditemukan.")]})


def _method_not_allowed(error: MethodNotAllowed) -> Response:
    allowed = ", ".join(sorted(error.valid_methods or ()))
    message = _("Metode %(method)s tidak diizinkan di alamat ini.", method=request.method)
    return error_response(405, {"request": [message]}, {"Allow": allowed} if allowed else None)


@bp.errorhandler(405)
def _not_allowed(error):
    return _method_not_allowed(error)


@bp.errorhandler(413)
def _too_large(_error):
    limit_mb = max(1, (current_app.config["MAX_CONTENT_LENGTH"] or 0) // (1024 * 1024))
    return error_response(413, {"request": [_("Permintaan melebihi %(n)d MB.", n=limit_mb)]})


@bp.errorhandler(415)
def _unsupported(_error):
    return error_response(
        415,
        {"request": [_("Kirim application/json atau multipart/form-data.")]},
        {"Accept-Post": JSON_AND_MULTIPART},
    )


@bp.errorhandler(422)
def _unprocessable(_error):
    return error_response(422, {"request": [_("Permintaan tidak dapat dibaca.")]})


@bp.errorhandler(429)
def _too_many(_error):
    current = limiter.current_limit
    wait = max(1, current.reset_at - int(time.time())) if current is not None else 60
    message = _("Terlalu banyak permintaan. Coba lagi dalam %(n)d detik.", n=wait)
    # Flask-Limiter replaces this header with its own figure when limit headers are enabled.
    return error_response(429, {"request": [message]}, {"Retry-After": str(wait)})


@bp.errorhandler(500)
def _server_error(_error):
    db.session.rollback()
    return error_response(500, {"request": [_("Terjadi kesalahan pada server. Coba lagi nanti.")]})


@bp.errorhandler(HTTPException)
def _other_http_error(error: HTTPException):
    return error_response(error.code or 500, {"request": [error.name]})


@bp.before_app_request
def _unrouted_api_request():
    """Answer in JSON when no /api/ route matches; the app's own pages would answer in HTML."""
    failure = request.routing_exception
    if failure is None or not _is_api_path():
        return None
    if isinstance(failure, MethodNotAllowed):
        return _method_not_allowed(failure)
    if isinstance(failure, NotFound):
        return _not_found(failure)
    return None


from . import catalog, complaints, docs  # noqa: E402,F401 - register the routes on bp
