"""Public verification of filing receipts, and the portal's public receipt key.

Anyone (the reporter, an APIP, the Ombudsman, the KPK) can paste or upload a receipt and learn
whether this portal signed it and whether the record still matches. The page says nothing else
about the complaint: no title, no status, no identity.
"""

from __future__ import annotations

import logging

from flask import Response, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileSize
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from models import db

from ..extensions import csrf
from ..services import receipts
from ..services.receipts import InvalidReceipt, ReceiptSigner
from . import bp

logger = logging.getLogger(__name__)

MAX_BYTES = receipts.MAX_RECEIPT_TEXT_BYTES
# The whole request: a full textarea and a full file, plus the multipart overhead.
MAX_REQUEST_BYTES = 2 * MAX_BYTES + 16 * 1024
REQUEST_TOO_LARGE = _l(
    "Kiriman terlalu besar: tanda terima paling banyak %(kb)d KB.", kb=MAX_BYTES // 1024
)
FILE_TOO_LARGE = _l("Berkas tanda terima paling banyak %(kb)d KB.", kb=MAX_BYTES // 1024)


def _at_most_max_bytes(_form: FlaskForm, field: TextAreaField) -> None:
    if field.data and len(field.data.encode("utf-8")) > MAX_BYTES:
        raise ValidationError(
            _l("Teks tanda terima paling banyak %(kb)d KB.", kb=MAX_BYTES // 1024)
        )


class VerifyReceiptForm(FlaskForm):
    """A receipt to check: pasted into the text area, or uploaded as the saved file."""

    receipt_text = TextAreaField(_l("Teks tanda terima"), validators=[_at_most_max_bytes])
    receipt_file = FileField(
        _l("Atau unggah berkas tanda terima (.txt)"),
        validators=[FileSize(MAX_BYTES, message=FILE_TOO_LARGE)],
    )


def _signer() -> ReceiptSigner:
    return ReceiptSigner.from_config(current_app.config)


def _page(form: VerifyReceiptForm, status: int = 200, **context) -> tuple[str, int]:
    signer = _signer()
    html = render_template(
        "public/verify.html", form=form, key_id=signer.key_id, max_kb=MAX_BYTES // 1024, **context
    )
    return html, status


@bp.get("/verifikasi")
def verify_receipt_form():
    """The verification form: paste a receipt or upload its file."""
    return _page(VerifyReceiptForm())


# Exempt from the global CSRF check only so that a failed check is answered on this page with
# the pasted text kept; the form checks the very same token below before doing anything.
@bp.post("/verifikasi")
@csrf.exempt
def verify_receipt():
    """Check a pasted or uploaded receipt and say whether it is valid and matches the record."""
    request.max_content_length = MAX_REQUEST_BYTES
    try:
        form = VerifyReceiptForm()
    except RequestEntityTooLarge:
        form = VerifyReceiptForm(formdata=None)
        return _page(form, 413, errors=[REQUEST_TOO_LARGE])
    if not form.validate():
        if form.csrf_token.errors:
            errors = [_l("Formulir kedaluwarsa atau tidak sah. Silakan kirim ulang.")]
            return _page(form, 400, errors=errors)
        return _page(form, 200, errors=form.receipt_text.errors + form.receipt_file.errors)

    text = form.receipt_text.data or ""
    upload = form.receipt_file.data
    if upload:
        try:
            text = upload.read(MAX_BYTES + 1).decode("utf-8-sig")
        except UnicodeDecodeError:
            return _page(form, 200, errors=[_l("Berkas itu bukan teks tanda terima (UTF-8).")])
        form.receipt_text.data = text  # show what was read, so it can be corrected or copied
    if not text.strip():
        return _page(form, 200, errors=[_l("Tempelkan teks tanda terima atau unggah berkasnya.")])

    try:
        receipt = receipts.Receipt.parse(text)
    except InvalidReceipt as exc:
        return _page(form, 200, errors=exc.reasons)
    check = receipts.check_receipt(db.session, receipt, _signer())
    logger.info("receipt checked: valid=%s record_matches=%s", check.valid, check.record_matches)
    return _page(form, 200, receipt=receipt, check=check)


@bp.get("/verifikasi/kunci-publik.pem")
def receipt_public_key():
    """The public key that verifies this portal's receipts, as a PEM file."""
    return Response(
        _signer().public_pem(),
        mimetype="text/plain",
        headers={"Content-Disposition": f"attachment; filename={receipts.PUBLIC_KEY_FILENAME}"},
    )
