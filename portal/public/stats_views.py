"""Public monitoring: /statistik, a CSV file per dataset, and the panel on each unit's page.

The numbers come from ``portal.services.statistics`` already suppressed; this module only puts
them into tables (labels and numbers in the visitor's language). The page, its charts and the
CSV files are all built from the same ``Table``, so they always show the same numbers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

from babel.numbers import get_group_symbol
from flask import Response, abort, current_app, render_template, request
from flask_babel import format_date, format_decimal, format_percent, get_locale
from flask_babel import gettext as _

from models import Unit, db
from models.enums import Channel

from ..services import statistics as stats
from ..services import stats_rollup
from ..services import units as unit_reads
from . import bp

SUPPRESSED = "<5"
NOT_SHOWN = "—"
UNIT_DATASETS = ("bulan", "waktu", "tenggat", "hasil")
ALL_DATASETS = ("unit", "kategori", "kanal", *UNIT_DATASETS, "predikat")


@dataclass(frozen=True)
class Value:
    """One published number: as the page shows it, as the CSV carries it, as the chart draws it."""

    text: str
    csv: str
    number: float | None  # None: suppressed or not available (nothing is drawn)


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[Value, ...]
    short: str = ""  # a shorter label for a chart axis
    csv_label: str = ""  # a locale-neutral label (ISO month), when there is one

    @property
    def axis_label(self) -> str:
        """Return the label a chart prints."""
        return self.short or self.label


@dataclass(frozen=True)
class Table:
    """A dataset as a table, a chart and a CSV file."""

    key: str
    title: str
    label_header: str
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    chart: str = "bar"  # "bar" (horizontal, one bar per plotted column) or "line"
    plot: tuple[int, ...] = (0,)  # which columns the chart draws
    scale: float | None = None  # a fixed top of the scale (100 for percentages)
    note: str = ""

    @property
    def csv_headers(self) -> list[str]:
        """Return the CSV header row (the table's own headers)."""
        return [self.label_header, *self.headers]

    @cached_property  # read once per bar by the chart: computed once, not once per bar
    def top(self) -> float:
        """Return the top of the chart's scale: the largest drawn number, at least 1."""
        if self.scale is not None:
            return self.scale
        drawn = [r.values[i].number or 0 for r in self.rows for i in self.plot]
        return max([1.0, *drawn])


# --- formatting ----------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _group_symbol(locale: str) -> str:
    return get_group_symbol(locale)


def format_count(n: int) -> str:
    """Format a whole number as ``format_number`` does, at a fraction of its cost per call (a
    page prints a number for each of hundreds of units)."""
    return f"{n:,}".replace(",", _group_symbol(str(get_locale() or "id")))


def count_value(count: stats.Count) -> Value:
    """Format a count: "<5" when suppressed."""
    if count.value is None:
        return Value(SUPPRESSED, SUPPRESSED, None)
    return Value(format_count(count.value), str(count.value), float(count.value))


def share_value(measure: stats.Measure) -> Value:
    """Format a share as a percentage with one decimal: "—" when not published."""
    if measure.value is None:
        return Value(NOT_SHOWN, NOT_SHOWN, None)
    percent = round(measure.value * 100, 1)
    return Value(format_percent(measure.value, "#,##0.0%"), f"{percent:.1f}", percent)


def days_value(measure: stats.Measure) -> Value:
    """Format a median number of days (whole or half): "—" when not published."""
    if measure.value is None:
        return Value(NOT_SHOWN, NOT_SHOWN, None)
    days = round(measure.value, 1)
    return Value(format_decimal(days, "#,##0.#"), f"{days:g}", days)


def plain_value(n: int) -> Value:
    """Format a number that needs no suppression (public decrees)."""
    return Value(format_count(n), str(n), float(n))


def _english() -> bool:
    return str(get_locale() or "id").startswith("en")


def channel_label(channel: Channel) -> str:
    """Return the name of a reporting channel in the visitor's language."""
    return {
        Channel.WEB: _("Situs web"),
        Channel.EMAIL: _("Surel"),
        Channel.TELEGRAM: _("Telegram"),
        Channel.API: _("API"),
        Channel.TELEPON: _("Telepon"),
        Channel.SURAT: _("Surat"),
        Channel.LANGSUNG: _("Datang langsung"),
    }[channel]


def outcome_label(key: str) -> str:
    """Return the name of a complaint outcome in the visitor's language."""
    return {
        "terbukti": _("Terbukti"),
        "tidak_terbukti": _("Tidak terbukti"),
        "sebagian": _("Terbukti sebagian"),
        "diteruskan": _("Diteruskan ke instansi berwenang"),
        "ditolak": _("Tidak dapat ditindaklanjuti"),
    }[key]


# --- tables ------------------------------------------------------------------------------------


def _count_table(key: str, title: str, label_header: str, rows, **kwargs) -> Table:
    return Table(
        key=key,
        title=title,
        label_header=label_header,
        headers=(_("Jumlah pengaduan"),),
        rows=tuple(Row(label, (count_value(count),)) for label, count in rows),
        **kwargs,
    )


def month_table(result: stats.ComplaintStats) -> Table:
    """Complaints filed per month."""
    title = (
        _("Pengaduan per bulan, %(year)d", year=result.year)
        if result.year
        else _("Pengaduan per bulan, 24 bulan terakhir")
    )
    return Table(
        key="bulan",
        title=title,
        label_header=_("Bulan"),
        headers=(_("Jumlah pengaduan"),),
        rows=tuple(
            Row(
                format_date(month, "MMMM yyyy"),
                (count_value(count),),
                short=format_date(month, "MMM" if result.year else "MMM yy"),
                csv_label=month.strftime("%Y-%m"),
            )
            for month, count in result.months
        ),
        chart="line",
    )


def timing_table(result: stats.ComplaintStats) -> Table:
    """Median calendar days to verification and to the first public answer."""
    return Table(
        key="waktu",
        title=_("Median waktu penanganan (hari kalender)"),
        label_header=_("Tahap"),
        headers=(_("Median (hari)"), _("Dihitung dari (pengaduan)")),
        rows=(
            Row(
                _("Sejak diterima sampai diverifikasi"),
                (days_value(result.verification_days), count_value(result.verification_days.basis)),
                short=_("Sampai verifikasi"),
            ),
            Row(
                _("Sejak diterima sampai jawaban pertama"),
                (days_value(result.answer_days), count_value(result.answer_days.basis)),
                short=_("Sampai jawaban pertama"),
            ),
        ),
    )


def deadline_table(result: stats.ComplaintStats) -> Table:
    """Share of complaints verified and answered on or before their due dates."""
    return Table(
        key="tenggat",
        title=_("Tepat waktu"),
        label_header=_("Tenggat"),
        headers=(_("Tepat waktu (%)"), _("Dihitung dari (pengaduan)")),
        rows=(
            Row(
                _("Diverifikasi paling lambat pada batas verifikasi"),
                (share_value(result.verified_on_time), count_value(result.verified_on_time.basis)),
                short=_("Diverifikasi tepat waktu"),
            ),
            Row(
                _("Dijawab paling lambat pada batas jawaban pertama"),
                (share_value(result.answered_on_time), count_value(result.answered_on_time.basis)),
                short=_("Dijawab tepat waktu"),
            ),
        ),
        scale=100.0,
        note=_(
            "Dihitung dari pengaduan yang sudah diverifikasi atau dijawab, dan yang batas"
            " waktunya sudah lewat."
        ),
    )


def outcome_table(result: stats.ComplaintStats) -> Table:
    """How closed complaints ended."""
    return _count_table(
        "hasil",
        _("Hasil penanganan"),
        _("Hasil"),
        [(outcome_label(key), count) for key, count in result.outcomes],
    )


def unit_table(result: stats.ComplaintStats) -> Table:
    """Complaints per unit."""
    return _count_table(
        "unit",
        _("Pengaduan per unit"),
        _("Unit kerja"),
        [(u.name or _("Unit belum diketahui"), u.count) for u in result.by_unit],
    )


def category_table(result: stats.ComplaintStats) -> Table:
    """Complaints per category group."""
    english = _english()
    return _count_table(
        "kategori",
        _("Pengaduan per kelompok kategori"),
        _("Kategori"),
        [
            ((c.name_en if english else c.name) or _("Belum dikategorikan"), c.count)
            for c in result.by_category
        ],
    )


def channel_table(result: stats.ComplaintStats) -> Table:
    """Complaints per reporting channel."""
    return _count_table(
        "kanal",
        _("Pengaduan per saluran"),
        _("Saluran"),
        [(channel_label(c), count) for c, count in result.by_channel],
    )


def predicate_table(years: tuple[stats.PredicateYear, ...]) -> Table:
    """Predicates held at the end of each year, and revoked during it."""
    return Table(
        key="predikat",
        title=_("Predikat WBK/WBBM per tahun"),
        label_header=_("Tahun"),
        headers=(_("WBK berlaku"), _("WBBM berlaku"), _("Dicabut")),
        rows=tuple(
            Row(
                str(y.year),
                (plain_value(y.wbk), plain_value(y.wbbm), plain_value(y.revoked)),
            )
            for y in years
        ),
        plot=(0, 1, 2),
        note=_(
            "Predikat yang berlaku pada 31 Desember (hari ini untuk tahun berjalan), dan yang"
            " dicabut selama tahun itu."
        ),
    )


TABLE_BUILDERS = {
    "unit": unit_table,
    "kategori": category_table,
    "kanal": channel_table,
    "bulan": month_table,
    "waktu": timing_table,
    "tenggat": deadline_table,
    "hasil": outcome_table,
}


# --- request helpers -----------------------------------------------------------------------


def _clock() -> tuple[ZoneInfo, date]:
    """Return the portal's zone and today; first heal a rollup a migration marked stale."""
    stats_rollup.ensure_current(db.session)
    tz = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Jakarta"))
    return tz, stats.local_today(tz)


def _chosen_year(years: list[int]) -> int | None:
    """Return the year asked for in ``tahun``, if it is one the filter offers."""
    raw = (request.args.get("tahun") or "").strip()
    return int(raw) if raw.isdigit() and int(raw) in years else None


@dataclass(frozen=True)
class UnitPanel:
    """What ``_unit_stats.html`` shows for one unit."""

    unit: Unit
    year: int | None
    years: list[int]
    total: Value
    hidden: bool
    tables: tuple[Table, ...]


def unit_panel(unit: Unit) -> UnitPanel:
    """Build one unit's statistics panel for the unit page (year from ``tahun``)."""
    tz, today = _clock()
    years = stats.complaint_years(db.session, tz=tz, today=today)
    year = _chosen_year(years)
    result = stats.complaint_stats(db.session, tz=tz, today=today, year=year, unit=unit)
    return UnitPanel(
        unit=unit,
        year=year,
        years=years,
        total=count_value(result.total),
        hidden=result.unit_hidden,
        tables=tuple(TABLE_BUILDERS[key](result) for key in UNIT_DATASETS),
    )


# --- routes --------------------------------------------------------------------------------


@bp.get("/statistik")
def statistics():
    """Aggregate complaint and predicate statistics, with charts, tables and CSV files."""
    tz, today = _clock()
    years = stats.complaint_years(db.session, tz=tz, today=today)
    year = _chosen_year(years)
    result = stats.complaint_stats(db.session, tz=tz, today=today, year=year)
    tables = [TABLE_BUILDERS[key](result) for key in ALL_DATASETS if key in TABLE_BUILDERS]
    tables.append(predicate_table(stats.predicate_years(db.session, today=today, year=year)))
    return render_template(
        "public/stats.html",
        year=year,
        years=years,
        total=count_value(result.total),
        tables=tables,
        csv_args={"tahun": year} if year else {},
    )


def _csv_cell(text: str) -> str:
    """Keep a spreadsheet from reading a name as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/statistik/<dataset>.csv")
def statistics_csv(dataset: str):
    """One dataset as CSV: the same numbers and suppression as its table."""
    if dataset not in ALL_DATASETS:
        abort(404)
    tz, today = _clock()
    years = stats.complaint_years(db.session, tz=tz, today=today)
    year = _chosen_year(years)
    unit = None
    slug = request.args.get("unit")
    if slug:
        unit = unit_reads.unit_by_slug(db.session, slug[:120])
        if unit is None or dataset not in UNIT_DATASETS:
            abort(404)
    if dataset == "predikat":
        table = predicate_table(stats.predicate_years(db.session, today=today, year=year))
    else:
        result = stats.complaint_stats(db.session, tz=tz, today=today, year=year, unit=unit)
        table = TABLE_BUILDERS[dataset](result)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(h) for h in table.csv_headers])
    for row in table.rows:
        writer.writerow([_csv_cell(row.csv_label or row.label), *(v.csv for v in row.values)])
    name = "-".join(
        part for part in ("statistik", dataset, unit.slug if unit else "", str(year or "")) if part
    )
    return Response(
        "\ufeff" + buffer.getvalue(),  # the BOM makes spreadsheet programs read UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
