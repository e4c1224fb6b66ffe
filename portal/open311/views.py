"""Open311 GeoReport v2 routes: services, service definitions, filing and reading requests.

Choices, in the spec's terms:

* A *service* is a category the web form offers: each active member of an active group, or an
  active top-level category without members (grouped under "Lainnya"). ``metadata`` is false:
  no attribute is required. The definition documents two optional attributes, ``unit`` (a
  singlevaluelist of unit slugs) and ``incident_date`` (a datetime; only the date is kept).
* ``type`` is ``blackbox`` for categories whose default privacy is ``rahasia`` (the
  whistleblowing track) and ``realtime`` otherwise. A blackbox filing answers with an opaque
  ``token`` (an HMAC of the code under the app's secret), never the tracking code, and
  ``GET /tokens/{token}`` is not offered: a confidential report has no public identifier. The
  tracking code goes back only to the submitter, beside the key, in ``zi_tracking_code``.
* Filing needs ``api_key`` (``OPEN311_API_KEYS``; none configured = filing disabled, 403) and
  goes through ``submit_complaint`` with channel ``api`` and the category's default privacy.
  The title is the description's first line, cut to 200 characters. ``address_string`` becomes
  the incident place; ``lat``/``long``, ``address_id``, ``media_url``, ``device_id`` and
  ``account_id`` are accepted and ignored: the portal stores no locations or device identities,
  and fetches no remote media. A location is therefore not required. The access key comes back
  in the non-standard field ``zi_access_key``, never inside ``service_notice`` (aggregators
  show and log notices).
* Reading lists only complaints that are ``terbuka`` *and* approved for publication; every
  other complaint, unknown or not, gets one identical 404. ``description`` is the complaint's
  title only: the body, the replies and the notes may name people. ``status_notes`` is our
  detailed status with the outcome and referral in words. No location, zipcode or media is
  published.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from models import Category, Complaint, Unit, db
from models.enums import Channel, ComplaintOutcome, ComplaintStatus, Privacy

from ..extensions import client_key, limiter
from ..services.intake import (
    TITLE_MIN,
    ComplaintSubmission,
    Contact,
    IntakeSettings,
    ValidationFailed,
    submit_complaint,
)
from ..services.sanitize import clean_text
from ..services.tracking import normalise_code
from . import PRIVATE, Open311Error, bp, configured_keys, jurisdiction, respond

logger = logging.getLogger(__name__)

FMT = "<any(json,xml):fmt>"
FORM_TYPE = "application/x-www-form-urlencoded"
DESCRIPTION_MAX = 4000  # the spec's limit for a request's description
RAW_FACTOR = 4  # text this many times a field's limit cannot become valid: refused before bleach
WINDOW = timedelta(days=90)
LIST_MAX = 1000
IDS_MAX = 100
OPEN_STATUSES = frozenset(
    {
        ComplaintStatus.DITERIMA,
        ComplaintStatus.VERIFIKASI,
        ComplaintStatus.TINDAK_LANJUT,
        ComplaintStatus.PERLU_INFO,
    }
)
# Where each intake field is sent in an Open311 filing, for the error descriptions.
PARAMETERS = {
    "category": "service_code",
    "privacy": "service_code",
    "title": "description",
    "description": "description",
    "unit": "attribute[unit]",
    "unit_hint": "attribute[unit]",
    "incident_date": "attribute[incident_date]",
    "incident_place": "address_string",
    "contact.name": "first_name",
    "contact.email": "email",
    "contact.phone": "phone",
}


# --- shared helpers --------------------------------------------------------------------------


def _english() -> bool:
    return str(get_locale()) == "en"


def _name(category: Category) -> str:
    return category.name_en if _english() else category.name


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Jakarta")


def _stamp(value: datetime | None) -> str | None:
    """Return a W3C/ISO 8601 timestamp with the portal's UTC offset."""
    if value is None:
        return None
    if value.tzinfo is None:  # stored in UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_zone()).replace(microsecond=0).isoformat()


def _end_of(day: date | None) -> str | None:
    if day is None:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=_zone()).isoformat()


def _arg(name: str) -> str | None:
    """Return an optional argument; empty counts as absent, as the spec asks."""
    value = request.args.get(name, "").strip()
    return value or None


def _list_arg(name: str) -> list[str]:
    """Return a comma-separated argument that may also be repeated, as a list."""
    values = []
    for raw in request.args.getlist(name):
        values.extend(v.strip() for v in raw.split(",") if v.strip())
    return values


def _check_jurisdiction(value: str | None) -> None:
    if value and value.strip() and value.strip() != jurisdiction():
        raise Open311Error(
            404,
            _(
                "jurisdiction_id tidak dikenal; titik akhir ini hanya melayani %(ours)s.",
                ours=jurisdiction(),
            ),
        )


# --- services --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """A category offered as an Open311 service, with the group it is listed under."""

    category: Category
    group: Category | None

    @property
    def code(self) -> str:
        return self.category.slug

    @property
    def blackbox(self) -> bool:
        return self.category.default_privacy == Privacy.RAHASIA


def services() -> list[Service]:
    """Return the categories the web form offers, in its order."""
    tops = db.session.scalars(
        sa.select(Category)
        .where(Category.parent_id.is_(None), Category.active)
        .order_by(Category.position, Category.id)
        .options(selectinload(Category.children))
    ).all()
    listed: list[Service] = []
    for top in tops:
        members = [c for c in top.children if c.active]
        if members:
            listed.extend(Service(c, top) for c in members)
        else:
            listed.append(Service(top, None))
    return listed


def find_service(code: str) -> Service | None:
    """Return the service ``code`` names, if it is offered."""
    return next((s for s in services() if s.code == code), None)


def _keywords(service: Service) -> str:
    words: list[str] = []
    for category in (service.category, service.group):
        if category is None:
            continue
        for word in (category.name, category.name_en):
            if word and word.casefold() not in {w.casefold() for w in words}:
                words.append(word)
    return ", ".join(words)


def _service_json(service: Service) -> dict[str, Any]:
    return {
        "service_code": service.code,
        "service_name": _name(service.category),
        "description": service.category.description or "",
        "metadata": False,
        "type": "blackbox" if service.blackbox else "realtime",
        "keywords": _keywords(service),
        "group": _name(service.group) if service.group is not None else _("Lainnya"),
    }


@bp.get(f"/services.{FMT}")
def service_list(fmt: str):
    """List the categories as Open311 services."""
    _check_jurisdiction(request.args.get("jurisdiction_id"))
    return respond([_service_json(s) for s in services()], root="services")


@bp.get(f"/services/<code>.{FMT}")
def service_definition(code: str, fmt: str):
    """Describe the optional attributes a filing in ``code`` may carry."""
    _check_jurisdiction(request.args.get("jurisdiction_id"))
    service = find_service(code)
    if service is None:
        raise Open311Error(404, _("service_code tidak dikenal. Lihat daftar di services.xml."))
    units = db.session.scalars(
        sa.select(Unit).options(selectinload(Unit.parent)).order_by(Unit.name, Unit.id)
    ).all()
    attributes = [
        {
            "variable": True,
            "code": "unit",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("Slug unit kerja dari daftar ini."),
            "order": 1,
            "description": _("Unit kerja yang dilaporkan. Kosongkan jika Anda tidak tahu."),
            "values": [{"key": u.slug, "name": u.display_name} for u in units],
        },
        {
            "variable": True,
            "code": "incident_date",
            "datatype": "datetime",
            "required": False,
            "datatype_description": _(
                "Tanggal ISO 8601, misalnya 2025-11-20 atau 2025-11-20T09:30:00+07:00;"
                " hanya tanggalnya yang disimpan."
            ),
            "order": 2,
            "description": _("Tanggal kejadian"),
            "values": [],
        },
    ]
    return respond(
        {"service_code": service.code, "attributes": attributes}, root="service_definition"
    )


# --- filing ----------------------------------------------------------------------------------


def _report_limit() -> str:
    return current_app.config["RATELIMIT_REPORT"]


def _failure_limit() -> str:
    return current_app.config["RATELIMIT_TRACKING_FAILURES"]


def _key_refused(response) -> bool:
    """Only a refused key spends the failure budget."""
    return response.status_code == 403


def _key_accepted(given: str, keys: list[str]) -> bool:
    """Compare ``given`` with every key in constant time (digests hide the lengths too)."""
    digest = hashlib.sha256(given.encode("utf-8", "replace")).digest()
    accepted = False
    for key in keys:
        accepted |= hmac.compare_digest(digest, hashlib.sha256(key.encode("utf-8")).digest())
    return accepted and bool(given)


def _check_key(form) -> None:
    keys = configured_keys()
    if not keys:
        raise Open311Error(403, _("Pengiriman laporan lewat Open311 belum dibuka di portal ini."))
    if not _key_accepted(form.get("api_key", ""), keys):
        raise Open311Error(403, _("api_key tidak sah."))


def _title(description: str) -> str:
    """Return the description's first line, cut to the title's limit."""
    text = clean_text(description)
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    if len(first) < TITLE_MIN:  # "Yth." on its own line says nothing: take the whole text
        first = clean_text(description, multiline=False)
    if len(first) > Complaint.TITLE_MAX:
        first = first[: Complaint.TITLE_MAX - 1].rstrip() + "…"
    return first


def _incident_date(raw: str | None) -> date | str | None:
    """Return the date of an ISO 8601 date or datetime (in the portal's zone), else the text."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return raw  # the intake service explains the expected format
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(_zone())
    return parsed.date()


def _too_long(parameter: str, label: str, limit: int, now: int) -> str:
    message = _(
        "%(label)s terlalu panjang (maksimal %(n)d karakter, sekarang %(now)d).",
        label=label,
        n=limit,
        now=now,
    )
    return f"{parameter}: {message}"


def _raw_problems(form) -> list[str]:
    """Return what is missing, and text far beyond a field's limit, before any cleaning."""
    problems: list[str] = []
    if not (form.get("service_code") or "").strip():
        problems.append("service_code: " + _("service_code wajib diisi."))
    elif find_service(form["service_code"].strip()) is None:
        problems.append(
            "service_code: " + _("service_code tidak dikenal. Lihat daftar di services.xml.")
        )
    description = form.get("description") or ""
    if not description.strip():
        problems.append("description: " + _("%(label)s wajib diisi.", label=_("Uraian")))
    elif len(description) > DESCRIPTION_MAX:
        problems.append(_too_long("description", _("Uraian"), DESCRIPTION_MAX, len(description)))
    for parameter, label, limit in (
        ("address_string", _("Tempat kejadian"), Complaint.PLACE_MAX),
        ("first_name", _("Nama"), Complaint.NAME_MAX),
        ("last_name", _("Nama"), Complaint.NAME_MAX),
        ("email", "email", Complaint.EMAIL_MAX),
        ("phone", "phone", Complaint.PHONE_MAX),
        ("attribute[unit]", "unit", 120),
        ("attribute[incident_date]", "incident_date", 40),
    ):
        size = len(form.get(parameter) or "")
        if size > RAW_FACTOR * limit:
            problems.append(_too_long(parameter, label, limit, size))
    return problems


def _submission(form, service: Service) -> ComplaintSubmission:
    description = form["description"]
    name = " ".join(
        part.strip() for part in (form.get("first_name"), form.get("last_name")) if part
    )
    return ComplaintSubmission(
        channel=Channel.API,
        category=service.code,
        title=_title(description),
        description=description,
        # The row the service was typed from decides the privacy: blackbox = confidential.
        privacy=service.category.default_privacy.value,
        unit=(form.get("attribute[unit]") or "").strip() or None,
        incident_date=_incident_date(form.get("attribute[incident_date]")),
        incident_place=form.get("address_string") or None,
        contact=Contact(
            name=name or None, email=form.get("email") or None, phone=form.get("phone") or None
        ),
        language=str(get_locale()),
    )


def _validation_problems(exc: ValidationFailed) -> list[str]:
    """Name each intake problem by the Open311 parameter it came from."""
    problems = []
    for field, messages in exc.errors.items():
        if field == "title" and "description" in exc.errors:
            continue  # the title is cut from the description: one complaint is enough
        parameter = PARAMETERS.get(field, field)
        problems.extend(f"{parameter}: {m}" for m in messages)
    return problems


def _token(code: str) -> str:
    """Return the opaque receipt token of a confidential filing (not the code, not reversible)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"open311-token:" + code.encode(), hashlib.sha256).hexdigest()[:32]


def _filed_json(service: Service, complaint: Complaint, access_key: str) -> dict[str, Any]:
    if service.blackbox:
        notice = _(
            "Laporan Anda diterima sebagai laporan rahasia: laporan ini tidak pernah tampil di"
            " daftar publik. Nomor pelacakan dan kunci akses ada di kolom zi_tracking_code dan"
            " zi_access_key, hanya untuk Anda; simpan dan jangan bagikan kepada siapa pun."
        )
        # The standard field carries only an opaque token (aggregators publish ids); the
        # reporter still needs the code to follow up, so it travels beside the key, privately.
        head: dict[str, Any] = {"token": _token(complaint.code), "zi_tracking_code": complaint.code}
    else:
        due = complaint.verification_due.isoformat() if complaint.verification_due else "-"
        notice = _(
            "Pengaduan Anda diterima dengan nomor %(code)s dan diverifikasi paling lambat"
            " %(due)s. Kunci akses untuk mengikuti perkembangannya ada di kolom zi_access_key;"
            " simpan dan jangan bagikan kepada siapa pun. Pengaduan tampil di daftar publik hanya"
            " setelah disetujui untuk dipublikasikan, tanpa identitas Anda.",
            code=complaint.code,
            due=due,
        )
        head = {"service_request_id": complaint.code}
    return {**head, "service_notice": notice, "account_id": None, "zi_access_key": access_key}


@bp.post(f"/requests.{FMT}")
@limiter.limit(_report_limit, key_func=client_key)
@limiter.shared_limit(
    _failure_limit, scope="open311-key-client", key_func=client_key, deduct_when=_key_refused
)
def create_request(fmt: str):
    """File a complaint from an Open311 form through the intake service."""
    if request.mimetype != FORM_TYPE:
        raise Open311Error(400, _("Kirim formulir application/x-www-form-urlencoded (UTF-8)."))
    form = request.form
    _check_key(form)
    _check_jurisdiction(form.get("jurisdiction_id") or request.args.get("jurisdiction_id"))
    problems = _raw_problems(form)
    if problems:
        raise Open311Error(400, problems)
    service = find_service(form["service_code"].strip())
    assert service is not None  # checked by _raw_problems
    settings = IntakeSettings.from_config(current_app.config)
    try:
        filed = submit_complaint(db.session, _submission(form, service), settings)
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        raise Open311Error(400, _validation_problems(exc)) from None
    logger.info("open311 filing service=%s blackbox=%s", service.code, service.blackbox)
    payload = [_filed_json(service, filed.complaint, filed.access_key)]
    return respond(payload, root="service_requests", status=201, cache=PRIVATE)


# --- reading ---------------------------------------------------------------------------------


def _status_labels() -> dict[ComplaintStatus, str]:
    return {
        ComplaintStatus.DITERIMA: _("Diterima — menunggu verifikasi"),
        ComplaintStatus.VERIFIKASI: _("Sedang diverifikasi"),
        ComplaintStatus.TINDAK_LANJUT: _("Sedang ditindaklanjuti"),
        # Public wording: the web's label speaks to the reporter ("dari Anda").
        ComplaintStatus.PERLU_INFO: _("Petugas menunggu informasi tambahan dari pelapor"),
        ComplaintStatus.SELESAI: _("Selesai"),
        ComplaintStatus.DITERUSKAN: _("Diteruskan ke instansi yang berwenang"),
        ComplaintStatus.DITOLAK: _("Tidak dapat ditindaklanjuti"),
        ComplaintStatus.DIGABUNG: _("Digabung dengan laporan lain"),
    }


def _outcome_labels() -> dict[ComplaintOutcome, str]:
    return {
        ComplaintOutcome.TERBUKTI: _("Hasil pemeriksaan: terbukti"),
        ComplaintOutcome.TIDAK_TERBUKTI: _("Hasil pemeriksaan: tidak terbukti"),
        ComplaintOutcome.SEBAGIAN: _("Hasil pemeriksaan: terbukti sebagian"),
    }


def _status_notes(complaint: Complaint) -> str:
    parts = [_status_labels().get(complaint.status, complaint.status.value)]
    if complaint.outcome is not None:
        parts.append(_outcome_labels()[complaint.outcome])
    if complaint.referred_to is not None:
        parts.append(_("Dirujuk ke %(body)s", body=complaint.referred_to.value))
    return ". ".join(parts) + "."


def _published():
    """Select the complaints anyone may see: ``terbuka`` and approved for publication."""
    return (
        sa.select(Complaint)
        .join(Complaint.category)
        .where(Complaint.privacy == Privacy.TERBUKA, Complaint.publication_approved)
        .options(
            selectinload(Complaint.category), selectinload(Complaint.unit).selectinload(Unit.parent)
        )
    )


def _request_json(complaint: Complaint) -> dict[str, Any]:
    # An allow-list: nothing about the reporter, no body, replies, notes or file names.
    is_open = complaint.status in OPEN_STATUSES
    updated = complaint.updated_at if is_open else (complaint.closed_at or complaint.updated_at)
    category = complaint.category
    assert category is not None  # _published joins on it
    unit = complaint.unit
    return {
        "service_request_id": complaint.code,
        "status": "open" if is_open else "closed",
        "status_notes": _status_notes(complaint),
        "service_name": _name(category),
        "service_code": category.slug,
        "description": complaint.title,
        "agency_responsible": unit.display_name if unit is not None else None,
        "requested_datetime": _stamp(complaint.created_at),
        "updated_datetime": _stamp(updated),
        "expected_datetime": _end_of(complaint.answer_due or complaint.verification_due),
        "address": complaint.incident_place,
    }


def _moment(name: str, *, end: bool) -> datetime | None:
    """Parse an ISO 8601 argument; a bare date means the start (or the end) of that day."""
    raw = _arg(name)
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw) if len(raw) <= 40 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(
            400,
            f"{name}: "
            + _("Gunakan format ISO 8601 dengan zona waktu, misalnya 2025-01-31T00:00:00+07:00."),
        )
    if len(raw) == 10 and end:  # YYYY-MM-DD: the whole day counts
        parsed = datetime.combine(parsed.date(), time.max)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=_zone())


def _window() -> tuple[datetime, datetime]:
    """Return the requested_datetime range: at most 90 days, by default the last 90."""
    start, end = _moment("start_date", end=False), _moment("end_date", end=True)
    if start is not None and end is not None:
        if end < start:
            raise Open311Error(400, _("end_date harus sesudah start_date."))
        if end - start > WINDOW:
            raise Open311Error(
                400, _("start_date dan end_date paling jauh berselisih %(n)d hari.", n=WINDOW.days)
            )
    elif start is not None:
        end = start + WINDOW
    elif end is not None:
        start = end - WINDOW
    else:
        end = datetime.now(UTC)
        start = end - WINDOW
    return start, end


def _statuses() -> set[ComplaintStatus] | None:
    wanted = {s.lower() for s in _list_arg("status")}
    if not wanted:
        return None
    if not wanted <= {"open", "closed"}:
        raise Open311Error(400, _("status harus open, closed, atau keduanya dipisah koma."))
    selected: set[ComplaintStatus] = set()
    if "open" in wanted:
        selected |= OPEN_STATUSES
    if "closed" in wanted:
        selected |= set(ComplaintStatus) - OPEN_STATUSES
    return selected


@bp.get(f"/requests.{FMT}")
def request_list(fmt: str):
    """List published requests: by id (overriding the rest), or by service, dates and status."""
    _check_jurisdiction(request.args.get("jurisdiction_id"))
    statement = _published()
    ids = _list_arg("service_request_id")
    if ids:
        if len(ids) > IDS_MAX:
            raise Open311Error(
                400, _("Paling banyak %(n)d service_request_id sekaligus.", n=IDS_MAX)
            )
        codes = {c for c in (normalise_code(i) for i in ids if len(i) <= 40) if c}
        statement = statement.where(Complaint.code.in_(sorted(codes)))
    else:
        start, end = _window()
        statement = statement.where(Complaint.created_at.between(start, end))
        service_codes = _list_arg("service_code")
        if service_codes:
            statement = statement.where(Category.slug.in_(service_codes[:IDS_MAX]))
        statuses = _statuses()
        if statuses is not None:
            statement = statement.where(Complaint.status.in_(sorted(statuses)))
    statement = statement.order_by(Complaint.created_at.desc(), Complaint.id.desc()).limit(LIST_MAX)
    listed = [_request_json(c) for c in db.session.scalars(statement)]
    return respond(listed, root="service_requests")


@bp.get(f"/requests/<request_id>.{FMT}")
def request_detail(request_id: str, fmt: str):
    """Show one published request; unpublished and unknown ones get the same 404."""
    _check_jurisdiction(request.args.get("jurisdiction_id"))
    code = normalise_code(request_id) if len(request_id) <= 40 else None
    complaint = db.session.scalar(_published().where(Complaint.code == code)) if code else None
    if complaint is None:
        raise Open311Error(404, _("Permintaan layanan tidak ditemukan."))
    return respond([_request_json(complaint)], root="service_requests")
