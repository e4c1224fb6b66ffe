"""Forms of the ZI administration, and the reading of LKE entries typed into the worksheet page.

The forms only check shapes (a date is a date, a number a number); every rule of the lifecycle
is the lifecycle service's, whose ``PreconditionFailed.reasons`` the pages show beside the form.
CSRF is checked for every POST by the app-wide ``CSRFProtect``; the templates send the token.

LKE inputs arrive as text, one field per indicator (``in-<id>``) with its kind (``kind-<id>``):
a value (0–1), answers (comma-separated Ya/Tidak, letters or percentages) or a survey index.
Nothing is coerced silently: anything unreadable becomes a field error in words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, DateInput, ListWidget, NumberInput

from models import Agency, Declaration, Predicate, Unit
from models.enums import (
    AKIPGrade,
    AssessmentKind,
    BPKOpinion,
    CoachingReason,
    Eselon,
    PredicateKind,
    ReviewOutcome,
)
from models.rulebook import LETTER_SCALES, Indicator, Rulebook

from ..services.scoring import ScoreResult, ScoringInputError, score

REQUIRED = _l("Wajib diisi.")
WITNESS_MAX = 200  # DeclarationWitness.name and .organisation


class AdminForm(FlaskForm):
    """A form of the admin pages (CSRF is checked app-wide, the template sends the token)."""

    class Meta:
        csrf = False


class DayField(StringField):
    """A date typed as YYYY-MM-DD (the browser's date picker sends that form)."""

    widget = DateInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if text:
            try:
                self.data = date.fromisoformat(text)
            except ValueError:
                raise ValueError(_l("Tanggal tidak valid; tulis seperti 2024-08-01.")) from None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.data.isoformat() if isinstance(self.data, date) else ""


class WholeField(StringField):
    """A whole number, 0 or more."""

    widget = NumberInput(min=0)

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if text:
            if not re.fullmatch(r"\d{1,9}", text):
                raise ValueError(_l("Tulis bilangan bulat, misalnya 120."))
            self.data = int(text)

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else str(self.data)


NOT_LISTED = _l("Pilih salah satu dari daftar.")


def options(pairs: Any, blank: Any = None) -> list[SelectChoice]:
    """Return select options from (value, label) pairs, with a first blank option if asked."""
    found = [SelectChoice(str(value), label) for value, label in pairs]
    return [SelectChoice("", blank), *found] if blank is not None else found


# --- agencies, units, pacts, designation, coaching -------------------------------------------


class AgencyForm(AdminForm):
    name = StringField(
        _l("Nama instansi"), validators=[InputRequired(REQUIRED), Length(max=Agency.NAME_MAX)]
    )
    abbreviation = StringField(_l("Singkatan"), validators=[Optional(), Length(max=40)])


class AgencyYearForm(AdminForm):
    year = WholeField(_l("Tahun"), validators=[InputRequired(REQUIRED)])
    bpk_opinion = SelectField(
        _l("Opini BPK"),
        choices=options([(o.value, o.value) for o in BPKOpinion], blank=_l("belum ada")),
        invalid_choice_message=NOT_LISTED,
    )
    akip_grade = SelectField(
        _l("Nilai AKIP"),
        choices=options([(g.value, g.value) for g in AKIPGrade], blank=_l("belum ada")),
        invalid_choice_message=NOT_LISTED,
    )


class UnitForm(AdminForm):
    agency = SelectField(
        _l("Instansi"), validators=[InputRequired(REQUIRED)], invalid_choice_message=NOT_LISTED
    )
    name = StringField(
        _l("Nama unit"), validators=[InputRequired(REQUIRED), Length(max=Unit.NAME_MAX)]
    )
    abbreviation = StringField(_l("Singkatan"), validators=[Optional(), Length(max=60)])
    eselon = SelectField(
        _l("Eselon"),
        choices=options((e.value, _l("Eselon %(e)s", e=e.value)) for e in Eselon),
        invalid_choice_message=NOT_LISTED,
    )
    parent = SelectField(_l("Unit induk"), validate_choice=False)
    email = StringField(_l("Email kantor pimpinan unit"), validators=[Optional(), Length(max=254)])

    def validate_email(self, field: StringField) -> None:
        if field.data and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", field.data.strip()):
            raise ValueError(_("Alamat email tidak valid."))


class PactForm(AdminForm):
    recorded_on = DayField(_l("Per tanggal"), validators=[InputRequired(REQUIRED)])
    leader_signed = BooleanField(_l("Pimpinan unit sudah menandatangani"))
    staff_signed = WholeField(_l("Pegawai yang sudah menandatangani"), [InputRequired(REQUIRED)])
    staff_total = WholeField(_l("Jumlah seluruh pegawai"), validators=[InputRequired(REQUIRED)])


class DesignateForm(AdminForm):
    designated_on = DayField(_l("Tanggal penetapan calon"), validators=[InputRequired(REQUIRED)])


COACHING_REASONS = [
    (CoachingReason.RUTIN.value, _l("Rutin")),
    (CoachingReason.DIKEMBALIKAN.value, _l("Setelah usulan dikembalikan")),
    (CoachingReason.PASCA_PENCABUTAN.value, _l("Setelah predikat dicabut")),
]


class CoachingForm(AdminForm):
    reason = SelectField(
        _l("Alasan pembinaan"),
        choices=options(COACHING_REASONS),
        invalid_choice_message=NOT_LISTED,
    )
    held_on = DayField(_l("Tanggal"), validators=[InputRequired(REQUIRED)])
    topic = StringField(_l("Topik"), validators=[InputRequired(REQUIRED), Length(max=200)])
    notes = TextAreaField(_l("Catatan"), validators=[Optional(), Length(max=4000)])


# --- declarations ----------------------------------------------------------------------------


class WitnessForm(Form):
    name = StringField(_l("Nama saksi"), validators=[Optional(), Length(max=WITNESS_MAX)])
    organisation = StringField(_l("Lembaga"), validators=[Optional(), Length(max=WITNESS_MAX)])


class DeclarationForm(AdminForm):
    agencies = SelectMultipleField(
        _l("Instansi yang mencanangkan"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[InputRequired(_l("Pilih setidaknya satu instansi."))],
        invalid_choice_message=NOT_LISTED,
    )
    declared_on = DayField(_l("Tanggal pencanangan"), validators=[InputRequired(REQUIRED)])
    place = StringField(_l("Tempat"), validators=[Optional(), Length(max=200)])
    charter_reference = StringField(
        _l("Nomor atau rujukan piagam"),
        validators=[InputRequired(REQUIRED), Length(max=Declaration.CHARTER_MAX)],
    )
    publication_url = StringField(_l("Tautan publikasi"), validators=[Optional(), Length(max=500)])
    witnesses = FieldList(FormField(WitnessForm), min_entries=3, max_entries=30)

    def witness_rows(self) -> list[tuple[str, str]]:
        """Return the rows where a name or an organisation was typed (blank rows are skipped)."""
        rows = []
        for entry in self.witnesses:
            name, organisation = entry.form.name.data or "", entry.form.organisation.data or ""
            if name.strip() or organisation.strip():
                rows.append((name, organisation))
        return rows


# --- proposals, reviews, awards --------------------------------------------------------------


class ProposalForm(AdminForm):
    predicate = SelectField(
        _l("Predikat yang diusulkan"),
        choices=options((p.value, p.value) for p in PredicateKind),
        invalid_choice_message=NOT_LISTED,
    )
    year = WholeField(_l("Tahun opini BPK dan nilai AKIP"), validators=[InputRequired(REQUIRED)])
    assessment = SelectField(_l("Penilaian mandiri TPI"), validate_choice=False)
    submitted_on = DayField(_l("Tanggal usulan"), validators=[InputRequired(REQUIRED)])
    evidence_note = TextAreaField(
        _l("Keterangan bukti pendukung"), validators=[Optional(), Length(max=4000)]
    )
    files = MultipleFileField(_l("Berkas bukti (PDF, dokumen Office, foto)"))


REVIEW_OUTCOMES = [
    (ReviewOutcome.MEMENUHI.value, _l("Memenuhi syarat")),
    (
        ReviewOutcome.TIDAK_MEMENUHI.value,
        _l("Tidak memenuhi syarat (dikembalikan untuk pembinaan)"),
    ),
]


class ReviewForm(AdminForm):
    outcome = RadioField(
        _l("Hasil reviu/evaluasi"),
        choices=options(REVIEW_OUTCOMES),
        validators=[InputRequired(_l("Pilih hasil reviu."))],
        invalid_choice_message=NOT_LISTED,
    )
    reviewed_on = DayField(_l("Tanggal reviu"), validators=[InputRequired(REQUIRED)])
    notes = TextAreaField(_l("Catatan dan alasan"), validators=[Optional(), Length(max=4000)])
    assessment = SelectField(_l("Nilai reviu TPN (opsional)"), validate_choice=False)


class AwardForm(AdminForm):
    decree_number = StringField(
        _l("Nomor surat keputusan"),
        validators=[InputRequired(REQUIRED), Length(max=Predicate.DECREE_MAX)],
    )
    awarded_on = DayField(_l("Tanggal penetapan"), validators=[InputRequired(REQUIRED)])
    valid_until = DayField(_l("Berlaku sampai (opsional)"), validators=[Optional()])


# --- LKE worksheet ---------------------------------------------------------------------------

KIND_LABELS = {
    AssessmentKind.MANDIRI.value: _l("Penilaian mandiri (TPI)"),
    AssessmentKind.REVIU.value: _l("Nilai reviu (TPN)"),
    AssessmentKind.EVALUASI_BERKALA.value: _l("Evaluasi berkala predikat (TPN)"),
}


class AssessmentMetaForm(AdminForm):
    kind = SelectField(_l("Jenis penilaian"), invalid_choice_message=NOT_LISTED)
    assessed_on = DayField(_l("Tanggal penilaian"), validators=[InputRequired(REQUIRED)])
    assessor = StringField(_l("Penilai (tim atau nama)"), validators=[Optional(), Length(max=200)])


VALUE, ANSWERS, INDEX = "nilai", "jawaban", "indeks"
INPUT_MAX = 600  # characters in one indicator's field
ANSWERS_MAX = 60
_NUMBER = re.compile(r"\d{1,3}(?:[.,]\d{1,6})?")
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d{1,6})?)\s*%?")
_ACRONYMS = {"sop", "spbe", "spip", "wbk", "wbbm", "tlhp", "kkn", "zi", "sdm", "lhkpn", "akip"}


def indicator_label(indicator_id: str) -> str:
    """Return a readable name for an indicator id (the rulebooks carry ids, not titles)."""
    words = [w.upper() if w in _ACRONYMS else w for w in indicator_id.replace("-", "_").split("_")]
    text = " ".join(w for w in words if w)
    return text[:1].upper() + text[1:]


def kind_choices(indicator: Indicator) -> list[tuple[str, str]]:
    """Return the input kinds an indicator accepts, its default first."""
    if indicator.input == "survey":
        return [(INDEX, _("Indeks survei")), (VALUE, _("Nilai 0–1"))]
    return [(VALUE, _("Nilai 0–1")), (ANSWERS, _("Jawaban"))]


@dataclass
class LkeEntry:
    """The worksheet as typed: raw texts kept for redisplay, inputs read for scoring."""

    texts: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    indicators: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)  # by indicator id
    missing: list[str] = field(default_factory=list)
    result: ScoreResult | None = None

    def field_errors(self) -> dict[str, list[str]]:
        """Return the errors keyed by the form field that holds them."""
        return {f"in-{key}": messages for key, messages in self.errors.items()}


def read_lke(rulebook: Rulebook, data: Mapping[str, Any], *, lenient: bool) -> LkeEntry:
    """Read the worksheet fields and score them when every field is readable.

    ``lenient`` (live figures, "Hitung") scores an empty field as 0 and lists it in ``missing``;
    otherwise (saving) an empty field is an error, as the LKE wants every indicator answered.
    """
    entry = LkeEntry()
    for indicator in rulebook.indicators:
        key = indicator.id
        raw_text, raw_kind = data.get(f"in-{key}", ""), data.get(f"kind-{key}")
        kinds = [code for code, _label in kind_choices(indicator)]
        if not isinstance(raw_text, str) or (
            raw_kind is not None and not isinstance(raw_kind, str)
        ):
            entry.errors[key] = [_("Isian harus berupa teks.")]
            continue
        text, kind = raw_text.strip(), raw_kind or kinds[0]
        entry.texts[key], entry.kinds[key] = raw_text[:INPUT_MAX], kind
        if kind not in kinds:
            entry.errors[key] = [
                _("Jenis isian '%(kind)s' tidak berlaku untuk indikator ini.", kind=kind)
            ]
            continue
        if not text:
            if lenient:
                entry.missing.append(key)
                entry.indicators[key] = {"value": 0}
            else:
                entry.errors[key] = [_("Belum diisi. Tulis 0 bila nilainya memang nol.")]
            continue
        if len(raw_text) > INPUT_MAX:
            entry.errors[key] = [
                _("Isian terlalu panjang (paling banyak %(n)d karakter).", n=INPUT_MAX)
            ]
            continue
        problems: list[str] = []
        spec = _read_one(rulebook, indicator, kind, text, problems)
        if problems:
            entry.errors[key] = problems
        else:
            entry.indicators[key] = spec
    if not entry.errors:
        try:
            entry.result = score(rulebook, entry.indicators)
        except ScoringInputError as exc:  # the reading above should have caught everything
            for message in exc.errors:
                key, _sep, rest = message.partition(": ")
                entry.errors.setdefault(key if key in entry.texts else "lke", []).append(
                    rest or key
                )
    return entry


def _number(text: str) -> Decimal | None:
    if not _NUMBER.fullmatch(text):
        return None
    return Decimal(text.replace(",", "."))


def _read_one(
    rulebook: Rulebook, indicator: Indicator, kind: str, text: str, problems: list[str]
) -> dict[str, Any]:
    if kind == VALUE:
        number = _number(text)
        if number is None or not 0 <= number <= 1:
            problems.append(
                _(
                    "Nilai harus angka dari 0 sampai 1, misalnya 0,75; tertulis '%(t)s'.",
                    t=text[:40],
                )
            )
            return {}
        return {"value": float(number)}
    if kind == INDEX:
        low, high = rulebook.survey_index
        number = _number(text)
        if number is None or not low <= number <= high:
            problems.append(
                _(
                    "Indeks survei harus angka dari %(low)s sampai %(high)s, misalnya 3,6;"
                    " tertulis '%(t)s'.",
                    low=f"{float(low):g}",
                    high=f"{float(high):g}",
                    t=text[:40],
                )
            )
            return {}
        return {"index": float(number)}
    return {"answers": _answers(indicator, text, problems)}


def _answers(indicator: Indicator, text: str, problems: list[str]) -> list[Any]:
    letters = LETTER_SCALES[indicator.letter_scale]
    parts = text.split(",")
    if len(parts) > ANSWERS_MAX:
        problems.append(_("Paling banyak %(n)d jawaban per indikator.", n=ANSWERS_MAX))
        return []
    answers: list[Any] = []
    for n, part in enumerate(parts, 1):
        token = part.strip()
        if not token:
            problems.append(_("Jawaban ke-%(n)d kosong.", n=n))
        elif token.lower() in ("ya", "tidak"):
            answers.append(token.capitalize())
        elif len(token) == 1 and token.upper() in letters:
            answers.append(token.upper())
        elif match := _PERCENT.fullmatch(token):
            percent = Decimal(match.group(1))
            if percent > 100:
                problems.append(_("Jawaban ke-%(n)d: persentase %(t)s melebihi 100.", n=n, t=token))
            else:
                answers.append(float(percent))
        else:
            problems.append(
                _(
                    "Jawaban ke-%(n)d '%(t)s' bukan Ya/Tidak, huruf %(letters)s, atau persentase"
                    " (0–100, titik sebagai desimal).",
                    n=n,
                    t=token[:20],
                    letters="/".join(letters),
                )
            )
    return answers
