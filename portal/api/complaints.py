"""/api/v1/complaints: file a complaint, read its public thread, add a message or evidence.

Threat model: anonymous clients send hostile JSON (wrong types, markup, control and bidi
characters, huge strings) and guess codes and keys. JSON types are checked here, before
anything is built; the intake service then validates and cleans the values exactly as for the
web form and stores plain text only. A wrong code, a malformed code and a wrong or missing key
get one identical 404, and those failures are rate-limited per client and per code (one budget
shared by reading and replying). Answers never carry the reporter's identity or contact,
internal notes or the key's hash; the access key appears once, in the 201 of the filing.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, jsonify, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from models import Complaint, ComplaintMessage, db
from models.enums import Channel, ComplaintStatus

from ..extensions import client_key, limiter
from ..retry import commit_with_retry
from ..services.evidence import Upload
from ..services.intake import (
    ComplaintClosed,
    ComplaintSubmission,
    Contact,
    DuplicateSubmission,
    IntakeSettings,
    ValidationFailed,
    add_message,
    find_for_reporter,
    public_thread,
    submit_complaint,
)
from ..services.tracking import normalise_code
from . import JSON_AND_MULTIPART, ApiError, bp

ACCESS_KEY_HEADER = "X-Access-Key"
ACCESS_KEY_MAX = 60
# Raw text is cleaned by the service (markup stripped, so it may shrink); anything more than
# this many times a field's limit cannot become valid and is refused before bleach reads it.
RAW_FACTOR = 4
IDEMPOTENCY_MIN, IDEMPOTENCY_MAX = 16, 200
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,119}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LANGUAGES = ("id", "en")
STRING_FIELDS = (
    "unit",
    "unit_hint",
    "category",
    "title",
    "description",
    "privacy",
    "incident_date",
    "incident_place",
    "reported_party",
    "language",
    "idempotency_key",
)
CONTACT_FIELDS = ("name", "email", "phone")


def _status_labels() -> dict[ComplaintStatus, str]:
    # The same wording as the web's status_label macro (templates/_macros.html).
    return {
        ComplaintStatus.DITERIMA: _("Diterima — menunggu verifikasi"),
        ComplaintStatus.VERIFIKASI: _("Sedang diverifikasi"),
        ComplaintStatus.TINDAK_LANJUT: _("Sedang ditindaklanjuti"),
        ComplaintStatus.PERLU_INFO: _("Petugas memerlukan informasi tambahan dari Anda"),
        ComplaintStatus.SELESAI: _("Selesai"),
        ComplaintStatus.DITERUSKAN: _("Diteruskan ke instansi yang berwenang"),
        ComplaintStatus.DITOLAK: _("Tidak dapat ditindaklanjuti"),
        ComplaintStatus.DIGABUNG: _("Digabung dengan laporan lain"),
    }


# --- access: code + key, failures limited ----------------------------------------------------


def _access_failed(response) -> bool:
    """Only a refused code or key costs from the budget (422 and 409 are the owner's)."""
    return response.status_code == 404


def _code_key() -> str:
    """Also limit guesses against one code from many addresses."""
    code = (request.view_args or {}).get("code") or ""
    return "code:" + (normalise_code(code) or "invalid")


def _failure_limit() -> str:
    return current_app.config["RATELIMIT_TRACKING_FAILURES"]


def _report_limit() -> str:
    return current_app.config["RATELIMIT_REPORT"]


guard_client = limiter.shared_limit(
    _failure_limit, scope="api-access-client", key_func=client_key, deduct_when=_access_failed
)
guard_code = limiter.shared_limit(
    _failure_limit, scope="api-access-code", key_func=_code_key, deduct_when=_access_failed
)


def _not_found() -> ApiError:
    # One body for every miss: unknown code, malformed code, missing key, wrong key.
    return ApiError(
        404,
        {
            "code": [
                _("Nomor pelacakan atau kunci akses tidak cocok. Periksa keduanya lalu coba lagi.")
            ]
        },
    )


def _authorised(code: str) -> Complaint:
    """Return the complaint ``code`` if the request's access key opens it; else a 404."""
    key = request.headers.get(ACCESS_KEY_HEADER, "")
    complaint = None
    if key and len(key) <= ACCESS_KEY_MAX and len(code) <= 40:
        complaint = find_for_reporter(db.session, code, key)
    if complaint is None:
        raise _not_found()
    return complaint


# --- reading the request ---------------------------------------------------------------------


def _body_kind() -> str:
    """Return ``json`` or ``multipart``; any other Content-Type is a 415."""
    if request.mimetype == "application/json":
        return "json"
    if request.mimetype == "multipart/form-data":
        return "multipart"
    raise ApiError(
        415,
        {"request": [_("Kirim application/json atau multipart/form-data.")]},
        {"Accept-Post": JSON_AND_MULTIPART},
    )


def _reject_constant(name: str):
    raise ValueError(name)  # NaN and Infinity are not JSON


def _json_object(raw: bytes | str) -> dict[str, Any]:
    """Parse a JSON object, or answer 400."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        data = json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, {"request": [_("Badan permintaan bukan JSON yang sah.")]}) from None
    if not isinstance(data, dict):
        raise ApiError(400, {"request": [_("Badan permintaan harus berupa objek JSON.")]})
    return data


def _uploads() -> list[Upload]:
    """Turn the ``evidence`` file parts into uploads; a text part by that name is refused."""
    if request.form.getlist("evidence"):
        raise ApiError(
            422, {"evidence": [_("Kirim bukti sebagai bagian berkas (dengan nama berkas).")]}
        )
    return [
        Upload(filename=f.filename or "berkas", content=f.read(), declared_type=f.mimetype)
        for f in request.files.getlist("evidence")
        if f is not None
    ]


def _multipart_data() -> dict[str, Any]:
    """Return the JSON object in the ``data`` part (a text field, or a file part)."""
    raw: bytes | str | None = request.form.get("data")
    if raw is None and "data" in request.files:
        raw = request.files["data"].read()
    if raw is None:
        raise ApiError(400, {"request": [_("Bagian 'data' (JSON) tidak ada.")]})
    return _json_object(raw)


def _too_long(label: str, limit: int, now: int) -> str:
    # The intake service's own wording, so clients see one message per rule.
    return _(
        "%(label)s terlalu panjang (maksimal %(n)d karakter, sekarang %(now)d).",
        label=label,
        n=limit,
        now=now,
    )


def _raw_limits() -> dict[str, tuple[str, int]]:
    return {
        "title": (_("Judul"), Complaint.TITLE_MAX),
        "description": (_("Uraian"), Complaint.BODY_MAX),
        "unit_hint": (_("Nama unit"), Complaint.NAME_MAX + 80),
        "incident_place": (_("Tempat kejadian"), Complaint.PLACE_MAX),
        "reported_party": (_("Pihak yang dilaporkan"), Complaint.PARTY_MAX),
        "contact.name": (_("Nama"), Complaint.NAME_MAX),
        "body": (_("Pesan"), Complaint.BODY_MAX),
    }


def _check_text(errors: dict[str, list[str]], name: str, value: Any) -> None:
    """Note a wrong JSON type, or raw text far beyond the field's limit."""
    if value is None:
        return
    if not isinstance(value, str):
        errors.setdefault(name, []).append(_("Harus berupa teks atau null."))
        return
    limits = _raw_limits()
    if name in limits and len(value) > RAW_FACTOR * limits[name][1]:
        label, limit = limits[name]
        errors.setdefault(name, []).append(_too_long(label, limit, len(value)))


def _check_complaint(data: dict[str, Any]) -> dict[str, list[str]]:
    """Return the type errors of a complaint object, per intake field name."""
    errors: dict[str, list[str]] = {}
    for name in STRING_FIELDS:
        _check_text(errors, name, data.get(name))
    contact = data.get("contact")
    if contact is not None and not isinstance(contact, dict):
        errors.setdefault("contact", []).append(_("Harus berupa objek JSON atau null."))
    elif contact:
        for part in CONTACT_FIELDS:
            _check_text(errors, f"contact.{part}", contact.get(part))
    if errors:
        return errors
    # Values of the right type that no lookup or parser should see as they are.
    category, unit = (data.get("category") or "").strip(), (data.get("unit") or "").strip()
    if category and not SLUG.match(category):
        errors["category"] = [_("Pilih kategori pengaduan dari daftar.")]
    if unit and not SLUG.match(unit):
        errors["unit"] = [_("Unit tidak ditemukan. Pilih dari daftar, atau pilih 'tidak tahu'.")]
    when = (data.get("incident_date") or "").strip()
    if when and not ISO_DATE.match(when):
        errors["incident_date"] = [_("Tanggal kejadian harus berformat TTTT-BB-HH.")]
    for part, limit, message in (
        ("email", Complaint.EMAIL_MAX, _("Alamat email tidak valid.")),
        ("phone", Complaint.PHONE_MAX, _("Nomor telepon tidak valid (contoh: 0812 3456 7890).")),
    ):
        if len((contact or {}).get(part) or "") > RAW_FACTOR * limit:
            errors[f"contact.{part}"] = [message]
    if len(data.get("privacy") or "") > 40:
        errors["privacy"] = [_("Pilih anonim, rahasia, atau terbuka.")]
    language = data.get("language")
    if language is not None and language not in LANGUAGES:
        errors["language"] = [_("Bahasa harus 'id' atau 'en'.")]
    token = data.get("idempotency_key")
    if token is not None and not IDEMPOTENCY_MIN <= len(token) <= IDEMPOTENCY_MAX:
        errors["idempotency_key"] = [
            _(
                "Kunci idempotensi harus %(min)d sampai %(max)d karakter (misalnya sebuah UUID).",
                min=IDEMPOTENCY_MIN,
                max=IDEMPOTENCY_MAX,
            )
        ]
    return errors


def _submission(data: dict[str, Any], uploads: list[Upload]) -> ComplaintSubmission:
    contact = data.get("contact") or {}
    token = data.get("idempotency_key")
    return ComplaintSubmission(
        channel=Channel.API,
        category=data.get("category"),
        title=data.get("title"),
        description=data.get("description"),
        privacy=data.get("privacy"),
        unit=data.get("unit"),
        unit_hint=data.get("unit_hint"),
        incident_date=data.get("incident_date"),
        incident_place=data.get("incident_place"),
        reported_party=data.get("reported_party"),
        contact=Contact(
            name=contact.get("name"), email=contact.get("email"), phone=contact.get("phone")
        ),
        language=data.get("language") or str(get_locale()),
        evidence=tuple(uploads),
        # Namespaced so an API client's key can never meet a web form's one-time token.
        submission_token=f"api:{token}" if token else None,
    )


# --- answers ---------------------------------------------------------------------------------


def _timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # stored in UTC; SQLite hands it back without a zone
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _message_json(message: ComplaintMessage) -> dict[str, Any]:
    return {
        "kind": message.kind.value,
        "body": message.body,
        "created_at": _timestamp(message.created_at),
        "attachments": [
            {
                "id": a.id,
                "filename": a.original_filename,
                "size": a.size,
                "media_type": a.media_type,
            }
            for a in message.attachments
        ],
    }


def _complaint_json(complaint: Complaint) -> dict[str, Any]:
    unit = complaint.unit
    return {
        "code": complaint.code,
        "status": complaint.status.value,
        "status_label": _status_labels().get(complaint.status, complaint.status.value),
        "outcome": complaint.outcome.value if complaint.outcome else None,
        "created_at": _timestamp(complaint.created_at),
        "verification_due": _day(complaint.verification_due),
        "answer_due": _day(complaint.answer_due),
        "unit": {"slug": unit.slug, "name": unit.name} if unit is not None else None,
        "category": {"slug": complaint.category.slug, "name": complaint.category.name},
        "title": complaint.title,
        "messages": [_message_json(m) for m in public_thread(complaint)],
    }


def _private(payload: dict[str, Any], status: int, **headers: str):
    response = jsonify(payload)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers)
    return response


def _validation_failed(exc: ValidationFailed) -> ApiError:
    return ApiError(422, exc.errors)


# --- routes ----------------------------------------------------------------------------------


@bp.post("/complaints")
@limiter.limit(_report_limit)
def create_complaint():
    """File a complaint from a JSON object, or a multipart ``data`` part with evidence files."""
    if _body_kind() == "json":
        data, uploads = _json_object(request.get_data(cache=True)), []
    else:
        data, uploads = _multipart_data(), _uploads()
    errors = _check_complaint(data)
    if errors:
        raise ApiError(422, errors)
    submission = _submission(data, uploads)
    settings = IntakeSettings.from_config(current_app.config)
    try:
        try:
            filed = submit_complaint(db.session, submission, settings)
            db.session.commit()
        except sa.exc.IntegrityError:
            # A concurrent retry with the same idempotency key won the race; this attempt
            # now finds its complaint and answers as a duplicate.
            db.session.rollback()
            filed = submit_complaint(db.session, submission, settings)
            db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        raise _validation_failed(exc) from None
    except DuplicateSubmission as exc:
        earlier = exc.complaint
        payload = {"code": earlier.code, "status": earlier.status.value, "duplicate": True}
        db.session.rollback()
        return _private(payload, 200, Location=url_for(".get_complaint", code=payload["code"]))
    complaint = filed.complaint
    return _private(
        {
            "code": complaint.code,
            "access_key": filed.access_key,
            "status": complaint.status.value,
            "verification_due": _day(complaint.verification_due),
            "answer_due": _day(complaint.answer_due),
        },
        201,
        Location=url_for(".get_complaint", code=complaint.code),
    )


@bp.get("/complaints/<code>")
@guard_client
@guard_code
def get_complaint(code: str):
    """The complaint's status, deadlines and public thread, for the holder of its access key."""
    complaint = _authorised(code)
    return _private(_complaint_json(complaint), 200)


@bp.post("/complaints/<code>/messages")
@guard_client
@guard_code
def post_message(code: str):
    """Add the reporter's message and evidence through the intake service."""
    complaint = _authorised(code)
    if _body_kind() == "json":
        body = _json_object(request.get_data(cache=True)).get("body")
        uploads: list[Upload] = []
    else:
        body, uploads = request.form.get("body"), _uploads()
    errors: dict[str, list[str]] = {}
    _check_text(errors, "body", body)
    if errors:
        raise ApiError(422, errors)
    settings = IntakeSettings.from_config(current_app.config)
    complaint_id = complaint.id
    try:
        message = commit_with_retry(
            db.session,
            lambda: add_message(
                db.session,
                db.session.get(Complaint, complaint_id),
                body=body,
                channel=Channel.API,
                settings=settings,
                evidence=uploads,
            ),
        )
        complaint = db.session.get(Complaint, complaint_id)
    except ValidationFailed as exc:
        db.session.rollback()
        raise _validation_failed(exc) from None
    except ComplaintClosed as exc:
        db.session.rollback()
        raise ApiError(409, {"complaint": [str(exc)]}) from None
    return _private(
        {
            "id": message.id,
            "created_at": _timestamp(message.created_at),
            "status": complaint.status.value,
        },
        201,
    )
