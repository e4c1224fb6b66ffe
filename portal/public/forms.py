"""Citizens' forms. Field limits come from the models; the intake service has the last word."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from models.enums import Privacy

PRIVACY_CHOICES = [
    SelectChoice(Privacy.RAHASIA.value, _l("Rahasia")),
    SelectChoice(Privacy.ANONIM.value, _l("Anonim")),
    SelectChoice(Privacy.TERBUKA.value, _l("Terbuka")),
]
PRIVACY_HELP = {
    Privacy.RAHASIA.value: _l(
        "Identitas Anda hanya dapat dilihat petugas yang berwenang, dan laporan tidak pernah"
        " dipublikasikan."
    ),
    Privacy.ANONIM.value: _l(
        "Nama Anda tidak disimpan dan tidak ada petugas yang dapat melihat kontak Anda; Anda"
        " mengikuti laporan dengan nomor pelacakan dan kunci akses."
    ),
    Privacy.TERBUKA.value: _l(
        "Isi laporan boleh dipublikasikan tanpa identitas Anda setelah disetujui inspektur."
    ),
}


class ReportForm(FlaskForm):
    """The complaint form at /lapor."""

    unit = StringField(_l("Unit kerja yang dilaporkan"))
    unit_unknown = BooleanField(_l("Saya tidak tahu nama unitnya"))
    unit_choice = HiddenField()  # set when several units matched and the reporter picked one
    category = SelectField(_l("Kategori"), validate_choice=False)
    title = StringField(_l("Judul singkat"))
    description = TextAreaField(_l("Apa yang terjadi?"))
    incident_date = StringField(_l("Tanggal kejadian"), validators=[Optional()])
    incident_place = StringField(_l("Tempat kejadian"))
    reported_party = StringField(_l("Siapa yang dilaporkan (opsional)"))
    evidence = MultipleFileField(_l("Bukti (foto, dokumen, rekaman)"))
    privacy = RadioField(_l("Kerahasiaan"), choices=PRIVACY_CHOICES, validate_choice=False)
    contact_name = StringField(_l("Nama"))
    contact_email = StringField(_l("Email"))
    contact_phone = StringField(_l("Telepon/WhatsApp"))
    consent = BooleanField(
        _l("Saya menyatakan laporan ini benar sepanjang pengetahuan saya."),
        validators=[DataRequired(message=_l("Centang pernyataan ini untuk mengirim laporan."))],
    )
    # A field people never see: only bots fill it in.
    website = StringField(_l("Jangan isi kolom ini"))
    form_token = HiddenField()
    kept_files = HiddenField()


class TrackForm(FlaskForm):
    """Code and key at /lacak."""

    code = StringField(_l("Nomor pelacakan"), validators=[DataRequired(), Length(max=40)])
    key = StringField(_l("Kunci akses"), validators=[DataRequired(), Length(max=60)])


class ReplyForm(FlaskForm):
    """The reporter's follow-up on /lacak."""

    body = TextAreaField(_l("Pesan Anda"))
    evidence = MultipleFileField(_l("Tambah bukti"))
