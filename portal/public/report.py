"""/lapor: file a complaint on the web, then the receipt with the code and the access key.

Nothing a reporter typed is lost: a failed check (CSRF, honeypot, rate limit, validation) shows
the form again with every value and parks the files that were fine (see ``staging``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from flask import (
    Response,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import escape
from werkzeug.datastructures import FileStorage

from models import db
from models.enums import Channel, Privacy

from ..extensions import csrf, limiter
from ..services import choices
from ..services.choices import UnitChoice
from ..services.evidence import Upload
from ..services.intake import (
    ComplaintSubmission,
    Contact,
    DuplicateSubmission,
    IntakeSettings,
    ValidationFailed,
    submit_complaint,
)
from ..services.receipts import ReceiptSigner, issue_receipt
from . import bp, staging
from .forms import PRIVACY_HELP, ReportForm

FIELD_OF = {  # intake service field → form field
    "unit_hint": "unit",
    "contact.name": "contact_name",
    "contact.email": "contact_email",
    "contact.phone": "contact_phone",
}
FILED_KEY = "filed"
# The blank form is the same for every visitor but for two values, the CSRF token and the form's
# one-time token: it is rendered once per language (and version of the pick lists, see
# services/choices.py) with these marks in their place, and each visit fills them in.
_MARK = secrets.token_hex(16)
CSRF_MARK, FORM_MARK = f"zi-csrf-{_MARK}", f"zi-form-{_MARK}"
_MARKS = re.compile(f"({re.escape(CSRF_MARK)}|{re.escape(FORM_MARK)})")


@dataclass(frozen=True)
class CategoryGroup:
    label: str
    options: list[tuple[str, str, str]]  # slug, label, default privacy


def category_groups() -> list[CategoryGroup]:
    """Return active categories grouped as in DESIGN.md §4, in the visitor's language."""
    locale = str(get_locale())
    return choices.memo(current_app, ("groups", locale), lambda: _category_groups(locale))


def _category_groups(locale: str) -> list[CategoryGroup]:
    english = locale == "en"
    groups, others = [], []
    for top in choices.category_choices(db.session):
        label = top.name_en if english else top.name
        if top.children:
            groups.append(
                CategoryGroup(
                    label,
                    [
                        (c.slug, c.name_en if english else c.name, c.default_privacy)
                        for c in top.children
                    ],
                )
            )
        else:
            others.append((top.slug, label, top.default_privacy))
    if others:
        groups.append(CategoryGroup(_("Lainnya"), others))
    return groups


def unit_options(*, fresh: bool = False) -> Sequence[UnitChoice]:
    """Return every unit for the picker (the datalist filters as the reporter types)."""
    if fresh:
        return choices.unit_choices(db.session)
    return choices.memo(current_app, "units", lambda: choices.unit_choices(db.session))


def resolve_unit(form: ReportForm) -> tuple[str | None, Sequence[UnitChoice], str | None]:
    """Map what was typed to a unit slug; several matches are returned for the reporter to pick."""
    if form.unit_unknown.data:
        return None, [], None
    if form.unit_choice.data:
        return form.unit_choice.data, [], None
    typed = (form.unit.data or "").strip()
    if not typed:
        return None, [], _("Pilih unit dari daftar, atau centang 'Saya tidak tahu nama unitnya'.")
    found = _match_unit(typed, unit_options())
    if found[0] is None:  # a unit added by another process in the last seconds counts too
        found = _match_unit(typed, unit_options(fresh=True))
    return found


def _match_unit(
    typed: str, units: Sequence[UnitChoice]
) -> tuple[str | None, Sequence[UnitChoice], str | None]:
    folded = typed.casefold()
    exact = [u for u in units if folded in (u.name.casefold(), u.display_name.casefold(), u.slug)]
    if len(exact) == 1:
        return exact[0].slug, [], None
    matches = exact or [u for u in units if folded in u.display_name.casefold()]
    if len(matches) == 1:
        return matches[0].slug, [], None
    if matches:
        return (
            None,
            matches[:20],
            _("Beberapa unit cocok dengan '%(typed)s'. Pilih salah satu.", typed=typed),
        )
    return (
        None,
        [],
        _(
            "Unit '%(typed)s' tidak ditemukan. Periksa ejaan, atau centang 'Saya tidak"
            " tahu nama unitnya'.",
            typed=typed,
        ),
    )


def submission_from_form(
    form: ReportForm,
    *,
    channel: Channel,
    unit_slug: str | None,
    uploads: list[Upload],
    language: str = "id",
    token: str | None = None,
) -> ComplaintSubmission:
    """Turn a filled report form (citizen's or staff's) into the intake service's input."""
    return ComplaintSubmission(
        channel=channel,
        category=form.category.data,
        title=form.title.data,
        description=form.description.data,
        privacy=form.privacy.data,
        unit=unit_slug,
        unit_hint=form.unit.data if form.unit_unknown.data else None,
        incident_date=form.incident_date.data,
        incident_place=form.incident_place.data,
        reported_party=form.reported_party.data,
        contact=Contact(
            name=form.contact_name.data,
            email=form.contact_email.data,
            phone=form.contact_phone.data,
        ),
        language=language,
        evidence=tuple(uploads),
        submission_token=token,
    )


def _uploads(files: list[FileStorage] | None) -> list[Upload]:
    return [
        Upload(filename=f.filename or "berkas", content=f.read(), declared_type=f.mimetype)
        for f in files or []
        if f and f.filename
    ]


def render_report(form: ReportForm, *, status: int = 200, candidates=(), notice: str | None = None):
    """Render the form with its values, errors and parked files."""
    if not form.form_token.data:
        form.form_token.data = secrets.token_urlsafe(24)
    response = make_response(_page(form, candidates=candidates, notice=notice), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(form: ReportForm, *, candidates=(), notice: str | None = None) -> str:
    return render_template(
        "public/report.html",
        form=form,
        groups=category_groups(),
        units=unit_options(),
        candidates=candidates,
        privacy_help=PRIVACY_HELP,
        kept=staging.kept(),
        notice=notice,
        max_file_mb=current_app.config["EVIDENCE_MAX_FILE_BYTES"] // (1024 * 1024),
        max_total_mb=current_app.config["EVIDENCE_MAX_TOTAL_BYTES"] // (1024 * 1024),
    )


def _blank_form() -> Response | None:
    """Return the blank form from the cached page, or None when this visit needs a render.

    The page is exactly what ``render_report`` makes of a fresh form: only a visit without a
    query string and without parked files gets it.
    """
    if request.query_string or staging.kept():
        return None
    config = current_app.config
    csrf_on = bool(config.get("WTF_CSRF_ENABLED", True))
    key = (  # everything the page depends on besides the pick lists
        "blank-form",
        str(get_locale()),
        request.script_root,
        request.path,
        csrf_on,
        config.get("DEMO_MODE"),
        config["EVIDENCE_MAX_FILE_BYTES"],
        config["EVIDENCE_MAX_TOTAL_BYTES"],
    )
    parts = choices.memo(current_app, key, lambda: _blank_form_parts(csrf_on))
    if parts is None:
        return None
    values = {FORM_MARK: secrets.token_urlsafe(24)}
    if csrf_on:
        values[CSRF_MARK] = str(escape(generate_csrf()))
    # Then what rendering does besides the page, in the same order (Flask-Login's context
    # processor marks a session that holds a CSRF token), so the session ends up the same.
    current_app.update_template_context({})
    response = make_response("".join(values.get(part, part) for part in parts))
    response.headers["Cache-Control"] = "no-store"
    return response


def _blank_form_parts(csrf_on: bool) -> tuple[str, ...] | None:
    """Render the blank form with marks for the tokens; split it around them."""
    form = ReportForm()
    form.privacy.data = Privacy.RAHASIA.value
    form.form_token.data = FORM_MARK
    if csrf_on:
        form.csrf_token.current_token = CSRF_MARK
    page = _page(form)
    parts = tuple(_MARKS.split(page))
    expected = {FORM_MARK: 1, CSRF_MARK: 1 if csrf_on else 0}
    if any(parts.count(mark) != n for mark, n in expected.items()):
        return None  # the template changed how it shows the tokens: render each visit
    if csrf_on and generate_csrf() in page:
        return None  # this visitor's own token is in the page too: it must never be shared
    return parts


def _report_flood(_limit) -> Response:
    """Over the rate limit: keep everything and say when to try again."""
    form = ReportForm()
    staging.stage(_uploads(form.evidence.data))
    return render_report(
        form,
        status=429,
        notice=_(
            "Terlalu banyak laporan dikirim dari jaringan Anda. Isian Anda tetap di sini; tunggu"
            " beberapa menit lalu kirim lagi."
        ),
    )


@bp.route("/lapor", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so a failure can keep what was typed
@limiter.limit(
    lambda: current_app.config["RATELIMIT_REPORT"], methods=["POST"], on_breach=_report_flood
)
def report():
    """Show the complaint form, or file the complaint."""
    if request.method == "GET":
        blank = _blank_form()
        if blank is not None:
            return blank
    form = ReportForm()
    if request.method == "GET":
        if not form.privacy.data:
            form.privacy.data = Privacy.RAHASIA.value
        return render_report(form)

    new_files = _uploads(form.evidence.data)
    uploads = staging.take(set(request.form.getlist("keep"))) + new_files
    valid = form.validate()
    notice = None
    if form.csrf_token.errors:
        notice = _("Formulir kedaluwarsa. Isian Anda tetap di sini; periksa lalu kirim lagi.")
    if form.website.data:
        notice = _(
            "Formulir tidak dapat diproses. Kosongkan kolom 'Jangan isi kolom ini' lalu kirim lagi."
        )
    unit_slug, candidates, unit_error = resolve_unit(form)
    if unit_error:
        form.unit.errors = [*form.unit.errors, unit_error]
    if not valid or notice or unit_error:
        staging.stage(new_files)
        return render_report(form, status=422, candidates=candidates, notice=notice)

    submission = submission_from_form(
        form,
        channel=Channel.WEB,
        unit_slug=unit_slug,
        uploads=uploads,
        language=str(get_locale()),
        token=form.form_token.data,
    )
    settings = IntakeSettings.from_config(current_app.config)
    try:
        filed = submit_complaint(db.session, submission, settings)
        # Read before the commit expires them: reading after would cost one more query.
        code, filed_at = filed.complaint.code, filed.complaint.created_at
        content_sha256 = filed.complaint.content_sha256
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        for name, messages in exc.errors.items():
            field = getattr(form, FIELD_OF.get(name, name), None)
            if field is not None:
                field.errors = [*field.errors, *messages]
        staging.stage(new_files)
        return render_report(form, status=422, candidates=candidates)
    except DuplicateSubmission as exc:
        db.session.rollback()
        pending = session.get(FILED_KEY)
        if pending and pending.get("code") == exc.complaint.code:
            return _next(url_for(".report_receipt"))
        return render_template("public/already_filed.html", code=exc.complaint.code), 409
    staging.clear()
    signer = ReceiptSigner.from_config(current_app.config)
    receipt = issue_receipt(signer, code=code, filed_at=filed_at, content_sha256=content_sha256)
    session[FILED_KEY] = {
        "code": code,
        "key": filed.access_key,
        "receipt": receipt_text(receipt),
    }
    return _next(url_for(".report_receipt"))


def _next(url: str) -> Response:
    """Redirect; the upload script asks for JSON so it can follow without spending the page."""
    if request.headers.get("X-ZI-Upload") == "1":
        return jsonify({"next": url})
    return redirect(url)


@bp.get("/lapor/terkirim")
def report_receipt():
    """Show the code and, this once, the access key."""
    pending = session.get(FILED_KEY)
    if not pending:
        return redirect(url_for(".report"))
    key = pending.pop("key", None)  # shown once: gone from the session after this page
    session[FILED_KEY] = pending
    response = make_response(
        render_template(
            "public/receipt.html", code=pending["code"], key=key, receipt=pending["receipt"]
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/lapor/tanda-terima.txt")
def report_receipt_download():
    """Download the signed receipt of the complaint just filed."""
    pending = session.get(FILED_KEY)
    if not pending:
        return redirect(url_for(".report"))
    return receipt_file(pending["code"], pending["receipt"])


def receipt_text(receipt) -> str:
    """Return the receipt as text with full addresses, for a reader of a printout."""
    base = current_app.config["PUBLIC_URL"]
    return receipt.to_text(
        str(get_locale()),
        verify_url=f"{base}/verifikasi",
        key_url=f"{base}/verifikasi/kunci-publik.pem",
    )


def receipt_file(code: str, text: str) -> Response:
    """Return a receipt as a downloadable text file."""
    response = make_response(text)
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="tanda-terima-{code}.txt"'
    response.headers["Cache-Control"] = "no-store"
    return response
