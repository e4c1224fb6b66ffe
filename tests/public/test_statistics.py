"""Public statistics: every number checked against a hand count of a seeded set, suppression,
the CSV files, both languages, and that no reporter data ever appears.

The seed (times in WIB, Asia/Jakarta; days are calendar days between local dates):

    key  unit   category            channel   filed             verified  answered  ends as
    a1   alfa   pungli   (korupsi)  telegram  2025-01-01 01:00  +1        +2        terbukti
    a2   alfa   pungli   (korupsi)  telegram  2025-01-10        +2        +3        terbukti
    a3   alfa   suap     (korupsi)  email     2025-01-20        +2        +4        tidak_terbukti
    a4   alfa   penundaan (malad.)  web       2025-02-03        +3        +6        sebagian
    a5   alfa   penundaan (malad.)  web       2025-02-14        +5        +8        diteruskan
    a6   alfa   kualitas-pelayanan  web       2025-03-05        +10       -         (tindak_lanjut)
    a7   alfa   kode-etik           web       2025-05-06        -         -         (diterima)
    b1   beta   pungli   (korupsi)  telegram  2025-01-15        +7        +5        terbukti
    b2   beta   penundaan (malad.)  web       2025-02-10        -         +1        ditolak
    b3   beta   kualitas-pelayanan  web       2025-03-12        -         - (due 2099)
    c1   gamma  suap     (korupsi)  telegram  2025-01-25        +0        +1        terbukti
    c2   gamma  penundaan (malad.)  telegram  2025-02-01 03:00  +1        +2        terbukti
    c3   gamma  penundaan (malad.)  web       2025-02-20        +4        +9        tidak_terbukti
    c4   gamma  pungli   (korupsi)  web       2025-03-20        +6        -         (verifikasi)
    c5   gamma  kode-etik           web       2025-05-21        -         -         (diterima)
    n1   -      kualitas-pelayanan  email     2025-02-25        -         +2        ditolak
    x1   alfa   kualitas-pelayanan  web       2024-06-10        -         -         (diterima)
    d1   alfa   pungli              web       2025-01-05        merged into a1 (never counted)

a1 and c2 are filed just after local midnight (the previous day in UTC) and verified at 09:00
local: in UTC their verification would take 2 days, locally 1. Due dates: verification +3 days,
first answer +5 days (b3: 2099-01-01, not due yet). Predicates: alfa WBK 2022-12-01, upgraded
to WBBM 2024-12-01; gamma WBK 2023-12-01, revoked 2025-06-10.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from models.enums import (
    Channel,
    ComplaintOutcome,
    ComplaintStatus,
    PredicateKind,
    ReferralBody,
    RevocationCause,
    RevocationStatus,
    Role,
)
from portal.services import lifecycle, triage
from portal.services import statistics as stats
from portal.services.intake import ComplaintSubmission, Contact, IntakeSettings, submit_complaint
from portal.services.reference_data import ensure_categories
from tests.factories import gen_agency, gen_candidate, gen_predicate, gen_unit, gen_user

WIB = ZoneInfo("Asia/Jakarta")
TODAY = date(2026, 1, 15)
S = ComplaintStatus
SECRETS = ("Rahasia Pelapor", "pelapor.rahasia@contoh.test", "+62 812 5550 0123", "JUDULRAHASIA")
DATASETS = ("unit", "kategori", "kanal", "bulan", "waktu", "tenggat", "hasil", "predikat")


@dataclass(frozen=True)
class Spec:
    key: str
    unit: str | None
    category: str
    channel: Channel
    filed: tuple[int, ...]  # local (WIB) year, month, day[, hour, minute]
    verified: int | None = None  # days after filing (local dates)
    answered: int | None = None
    ends: str | None = None  # an outcome, "diteruskan", "ditolak", or an open status
    answer_due: date | None = None  # default: filing date + 5 days


SEED = (
    Spec("a1", "alfa", "pungli", Channel.TELEGRAM, (2025, 1, 1, 1, 0), 1, 2, "terbukti"),
    Spec("a2", "alfa", "pungli", Channel.TELEGRAM, (2025, 1, 10), 2, 3, "terbukti"),
    Spec("a3", "alfa", "suap", Channel.EMAIL, (2025, 1, 20), 2, 4, "tidak_terbukti"),
    Spec("a4", "alfa", "penundaan-berlarut", Channel.WEB, (2025, 2, 3), 3, 6, "sebagian"),
    Spec("a5", "alfa", "penundaan-berlarut", Channel.WEB, (2025, 2, 14), 5, 8, "diteruskan"),
    Spec("a6", "alfa", "kualitas-pelayanan", Channel.WEB, (2025, 3, 5), 10, None, "tindak_lanjut"),
    Spec("a7", "alfa", "kode-etik", Channel.WEB, (2025, 5, 6)),
    Spec("b1", "beta", "pungli", Channel.TELEGRAM, (2025, 1, 15), 7, 5, "terbukti"),
    Spec("b2", "beta", "penundaan-berlarut", Channel.WEB, (2025, 2, 10), None, 1, "ditolak"),
    Spec(
        "b3", "beta", "kualitas-pelayanan", Channel.WEB, (2025, 3, 12), answer_due=date(2099, 1, 1)
    ),
    Spec("c1", "gamma", "suap", Channel.TELEGRAM, (2025, 1, 25), 0, 1, "terbukti"),
    Spec(
        "c2", "gamma", "penundaan-berlarut", Channel.TELEGRAM, (2025, 2, 1, 3, 0), 1, 2, "terbukti"
    ),
    Spec("c3", "gamma", "penundaan-berlarut", Channel.WEB, (2025, 2, 20), 4, 9, "tidak_terbukti"),
    Spec("c4", "gamma", "pungli", Channel.WEB, (2025, 3, 20), 6),
    Spec("c5", "gamma", "kode-etik", Channel.WEB, (2025, 5, 21)),
    Spec("n1", None, "kualitas-pelayanan", Channel.EMAIL, (2025, 2, 25), None, 2, "ditolak"),
    Spec("x1", "alfa", "kualitas-pelayanan", Channel.WEB, (2024, 6, 10)),
)


def local(*parts: int, hour: int = 9) -> datetime:
    y, m, d, *rest = parts
    h, mi = (rest + [0])[:2] if rest else (hour, 0)
    return datetime(y, m, d, h, mi, tzinfo=WIB).astimezone(UTC)


def day_at(filed: datetime, days: int, hour: int) -> datetime:
    """Return ``hour`` o'clock local, ``days`` calendar days after the local filing date."""
    d = filed.astimezone(WIB).date() + timedelta(days=days)
    return local(d.year, d.month, d.day, hour=hour)


@pytest.fixture
def seeded(session, app):
    """The seed above; returns the units by key."""
    ensure_categories(session)
    agency = gen_agency(session, name="Kementerian Statistik")
    units = {
        "alfa": gen_candidate(session, agency=agency, name="Direktorat Alfa"),
        "beta": gen_unit(session, agency, name="Direktorat Beta"),
        "gamma": gen_candidate(session, agency=agency, name="Direktorat Gamma"),
    }
    inspector = gen_user(session, Role.INSPEKTUR)
    config = app.config
    settings = IntakeSettings.from_config(config)
    filed_complaints = {}
    for spec in SEED:
        filed_at = local(*spec.filed)
        complaint = submit_complaint(
            session,
            ComplaintSubmission(
                channel=Channel.WEB,
                category=spec.category,
                title=f"JUDULRAHASIA {spec.key}",
                description="Uraian yang hanya boleh dibaca petugas, bukan statistik publik.",
                unit=units[spec.unit].slug if spec.unit else None,
                unit_hint=None if spec.unit else "Tidak tahu unitnya",
                privacy="rahasia",
                contact=Contact(name=SECRETS[0], email=SECRETS[1], phone=SECRETS[2]),
            ),
            settings,
            now=filed_at,
        ).complaint
        complaint.channel = spec.channel
        filed_day = filed_at.astimezone(WIB).date()
        complaint.verification_due = filed_day + timedelta(days=3)
        complaint.answer_due = spec.answer_due or filed_day + timedelta(days=5)
        filed_complaints[spec.key] = complaint

        def move(to, when, c=complaint, **kwargs):
            triage.change_status(
                session, c, to=to, actor=inspector, config=config, now=when, **kwargs
            )

        if spec.verified is not None:
            move(S.VERIFIKASI, day_at(filed_at, spec.verified, 9))
        if spec.ends == "ditolak":
            move(S.DITOLAK, day_at(filed_at, spec.answered, 10), note="Bukan kewenangan kami.")
            continue
        if spec.answered is not None:
            triage.reply(
                session,
                complaint,
                body="Terima kasih, laporan Anda sedang kami periksa.",
                author=inspector,
                config=config,
                now=day_at(filed_at, spec.answered, 10),
            )
        last = max(spec.verified or 0, spec.answered or 0)
        if spec.ends == "diteruskan":
            move(
                S.DITERUSKAN,
                day_at(filed_at, last + 4, 11),
                referred_to=ReferralBody.OMBUDSMAN,
                note="Diteruskan ke Ombudsman.",
            )
        elif spec.ends in {o.value for o in ComplaintOutcome} or spec.ends == "tindak_lanjut":
            move(S.TINDAK_LANJUT, day_at(filed_at, last + 1, 11))
            if spec.ends != "tindak_lanjut":
                move(S.SELESAI, day_at(filed_at, last + 2, 11), outcome=ComplaintOutcome(spec.ends))
    duplicate = submit_complaint(
        session,
        ComplaintSubmission(
            channel=Channel.WEB,
            category="pungli",
            title="JUDULRAHASIA d1",
            description="Laporan yang sama dengan a1, dari pelapor yang sama sekali lain.",
            unit=units["alfa"].slug,
            contact=Contact(name=SECRETS[0], email=SECRETS[1], phone=SECRETS[2]),
        ),
        settings,
        now=local(2025, 1, 5),
    ).complaint
    triage.merge(
        session,
        duplicate,
        into=filed_complaints["a1"],
        actor=inspector,
        config=config,
        now=local(2025, 1, 6),
    )

    policy = lifecycle.LifecyclePolicy()
    gen_predicate(session, units["alfa"], PredicateKind.WBK, year=2021, on=date(2022, 8, 1))
    gen_predicate(session, units["gamma"], PredicateKind.WBK, year=2022, on=date(2023, 8, 1))
    gen_predicate(session, units["alfa"], PredicateKind.WBBM, year=2023, on=date(2024, 8, 1))
    case = lifecycle.open_revocation_case(
        session,
        units["gamma"],
        cause=RevocationCause.PERISTIWA,
        summary="Pejabat unit ditetapkan sebagai tersangka.",
        opened_on=date(2025, 5, 1),
        policy=policy,
    )
    lifecycle.decide_revocation_case(
        session,
        case,
        decision=RevocationStatus.DICABUT,
        decided_on=date(2025, 6, 10),
        reasons="Terbukti melanggar.",
        actor=gen_user(session, Role.TPN),
        policy=policy,
        decree_number="SK-CABUT-1",
    )
    session.commit()
    return units


def compute(session, **kwargs) -> stats.ComplaintStats:
    return stats.complaint_stats(session, tz=WIB, today=TODAY, **kwargs)


def shown(count: stats.Count) -> int | str:
    return "<5" if count.suppressed else count.value


# --- the suppression rule ----------------------------------------------------------------------


@pytest.mark.parametrize(("n", "published"), [(0, 0), (1, None), (3, None), (4, None), (5, 5)])
def test_counts_from_one_to_four_are_suppressed_zero_and_five_are_not(n, published):
    assert stats.publish_count(n).value == published


@pytest.mark.parametrize(("n", "published"), [(0, None), (4, None), (5, 2.5)])
def test_a_median_or_share_needs_five_complaints(n, published):
    assert stats.publish_measure(2.5, n).value == published


def test_a_hidden_unit_hides_even_its_zeros():
    assert stats.publish_count(0, hide=True).suppressed
    assert stats.publish_measure(2.0, 9, hide=True).value is None


# --- hand counts ---------------------------------------------------------------------------


def test_complaints_per_unit_category_group_and_channel(session, seeded):
    result = compute(session, year=2025)
    assert shown(result.total) == 16  # 17 filed in 2025, less the merged duplicate
    assert [(u.name, shown(u.count)) for u in result.by_unit] == [
        ("Direktorat Alfa", 7),
        ("Direktorat Beta", "<5"),  # 3
        ("Direktorat Gamma", 5),
        (None, "<5"),  # n1: unit not known yet
    ]
    assert {c.slug: shown(c.count) for c in result.by_category} == {
        "korupsi": 6,  # a1 a2 a3 b1 c1 c4
        "maladministrasi": 5,  # a4 a5 b2 c2 c3
        "kode-etik": "<5",  # a7 c5
        "kualitas-pelayanan": "<5",  # a6 b3 n1
        "aspirasi": 0,
        "permintaan-informasi": 0,
    }
    assert {c.value: shown(n) for c, n in result.by_channel} == {
        "web": 9,
        "email": "<5",  # a3 n1
        "telegram": 5,  # a1 a2 b1 c1 c2
        "api": 0,
        "telepon": 0,
        "surat": 0,
        "langsung": 0,
    }


def test_months_use_local_time(session, seeded):
    months = {m.month: shown(n) for m, n in compute(session, year=2025).months}
    # a1 (31 December in UTC) is January; c2 (31 January in UTC) is February.
    assert months == {1: 5, 2: 6, 3: "<5", 4: 0, 5: "<5", **dict.fromkeys(range(6, 13), 0)}


def test_without_a_year_the_months_are_the_last_24(session, seeded):
    result = compute(session)
    assert [m for m, _ in result.months][0] == date(2024, 2, 1)
    assert [m for m, _ in result.months][-1] == date(2026, 1, 1)
    months = {m: shown(n) for m, n in result.months if shown(n) != 0}
    assert months == {
        date(2024, 6, 1): "<5",  # x1
        date(2025, 1, 1): 5,
        date(2025, 2, 1): 6,
        date(2025, 3, 1): "<5",
        date(2025, 5, 1): "<5",
    }
    assert shown(result.total) == 17
    assert [shown(u.count) for u in result.by_unit][0] == 8  # alfa with x1


def test_median_days_to_verification_and_first_answer(session, seeded):
    result = compute(session, year=2025)
    # verified: 1 2 2 3 5 10 (alfa) 7 (beta) 0 1 4 6 (gamma) -> 0 1 1 2 2 [3] 4 5 6 7 10
    assert result.verification_days.value == 3.0
    assert shown(result.verification_days.basis) == 11
    # answered: 2 3 4 6 8 (alfa) 5 1 (beta) 1 2 9 (gamma) 2 (n1) -> 1 1 2 2 2 [3] 4 5 6 8 9
    assert result.answer_days.value == 3.0
    assert shown(result.answer_days.basis) == 11


def test_share_within_the_deadlines(session, seeded):
    result = compute(session, year=2025)
    # verification: on time a1 a2 a3 a4 c1 c2; late a5 a6 b1 c3 c4; overdue a7 b3 c5;
    # b2 and n1 were closed without verification and are left out.
    assert result.verified_on_time.value == pytest.approx(6 / 14)
    assert shown(result.verified_on_time.basis) == 14
    # first answer: on time a1 a2 a3 b1 (on the due date) b2 c1 c2 n1; late a4 a5 c3;
    # overdue a6 a7 c4 c5; b3 is not due yet.
    assert result.answered_on_time.value == pytest.approx(8 / 15)
    assert shown(result.answered_on_time.basis) == 15


def test_outcomes(session, seeded):
    assert {k: shown(n) for k, n in compute(session, year=2025).outcomes} == {
        "terbukti": 5,  # a1 a2 b1 c1 c2
        "tidak_terbukti": "<5",  # a3 c3
        "sebagian": "<5",  # a4
        "diteruskan": "<5",  # a5
        "ditolak": "<5",  # b2 n1
    }


def test_one_units_numbers(session, seeded):
    result = compute(session, year=2025, unit=seeded["alfa"])
    assert shown(result.total) == 7 and not result.unit_hidden
    assert {m.month: shown(n) for m, n in result.months if m.month <= 5} == {
        1: "<5",
        2: "<5",
        3: "<5",
        4: 0,
        5: "<5",
    }
    assert result.verification_days.value == 2.5  # 1 2 [2 3] 5 10
    assert result.answer_days.value == 4.0  # 2 3 [4] 6 8
    assert result.verified_on_time.value == pytest.approx(4 / 7)  # a1-a4 of a1-a7
    assert result.answered_on_time.value == pytest.approx(3 / 7)  # a1-a3 of a1-a7
    assert {k: shown(n) for k, n in result.outcomes}["ditolak"] == 0
    assert result.by_unit == ()


def test_a_median_from_four_complaints_is_not_published(session, seeded):
    result = compute(session, year=2025, unit=seeded["gamma"])
    assert shown(result.total) == 5
    assert result.verification_days.value is None  # c1-c4 only: four
    assert shown(result.verification_days.basis) == "<5"
    assert result.answer_days.value is None  # c1-c3
    assert result.verified_on_time.value == pytest.approx(2 / 5)  # c1 c2 of c1-c5
    assert shown(result.verified_on_time.basis) == 5


def test_a_unit_with_fewer_than_five_complaints_shows_nothing(session, seeded):
    result = compute(session, year=2025, unit=seeded["beta"])
    assert result.unit_hidden
    assert shown(result.total) == "<5"
    assert all(n.suppressed for _, n in result.months)  # zeros too: nothing to subtract
    assert all(n.suppressed for _, n in result.outcomes)
    assert result.verification_days.value is None and result.answered_on_time.value is None


def test_the_year_filter(session, seeded):
    result = compute(session, year=2024)
    assert shown(result.total) == "<5"
    assert [(u.name, shown(u.count)) for u in result.by_unit] == [("Direktorat Alfa", "<5")]
    assert stats.complaint_years(session, tz=WIB, today=TODAY) == [2026, 2025, 2024]


def test_predicates_held_and_revoked_per_year(session, seeded):
    years = stats.predicate_years(session, today=TODAY)
    assert [(y.year, y.wbk, y.wbbm, y.revoked) for y in years] == [
        (2022, 1, 0, 0),
        (2023, 2, 0, 0),
        (2024, 1, 1, 0),  # alfa's WBK became WBBM
        (2025, 0, 1, 1),  # gamma revoked
        (2026, 0, 1, 0),
    ]
    assert [
        (y.year, y.revoked) for y in stats.predicate_years(session, today=TODAY, year=2025)
    ] == [(2025, 1)]


def test_queries_do_not_grow_with_the_data(session, seeded, app):
    from models import db

    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        compute(session, year=2025)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert len(statements) <= 10
    personal = re.compile(r"\b(title|body|reporter_\w+|code)\b")
    assert not any(personal.search(s) for s in statements)


def test_an_empty_portal(session):
    result = compute(session, year=None)
    assert shown(result.total) == 0 and result.by_unit == ()
    assert result.verification_days.value is None
    assert stats.predicate_years(session, today=TODAY) == ()


# --- the page and the CSV files ------------------------------------------------------------


class Tables(HTMLParser):
    """Collect each dataset's table rows (cell texts) by the section's heading id."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.section = None
        self.cell: list[str] | None = None
        self.row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and (attrs.get("aria-labelledby") or "").endswith("-h"):
            self.section = attrs["aria-labelledby"].rsplit("-", 2)[-2]
            self.tables.setdefault(self.section, [])
        elif tag == "tr" and self.section:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.section].append(self.row)
            self.row = None
        elif tag == "section":
            self.section = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def page_tables(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def csv_rows(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def as_csv(cell: str) -> str:
    """Turn a number as the Indonesian page prints it into the CSV's form."""
    if re.fullmatch(r"[\d.]+(,\d+)?\s*%?", cell):
        return cell.replace(".", "").replace(",", ".").replace("%", "").strip()
    return cell


def test_the_page_shows_the_hand_counts_in_indonesian(client, seeded):
    response = client.get("/statistik?tahun=2025")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="id">' in html
    assert "Statistik pengaduan dan predikat" in html
    assert "jumlah 1 sampai 4 ditampilkan sebagai «&lt;5»" in html  # the rule, in one sentence
    tables = page_tables(html)
    assert tables["unit"][1:] == [
        ["Direktorat Alfa", "7"],
        ["Direktorat Beta", "<5"],
        ["Direktorat Gamma", "5"],
        ["Unit belum diketahui", "<5"],
    ]
    assert ["Korupsi (whistleblowing)", "6"] in tables["kategori"]
    assert ["Aspirasi", "0"] in tables["kategori"]
    assert ["Telegram", "5"] in tables["kanal"] and ["Surel", "<5"] in tables["kanal"]
    assert tables["bulan"][1:3] == [["Januari 2025", "5"], ["Februari 2025", "6"]]
    assert tables["waktu"][1:] == [
        ["Sejak diterima sampai diverifikasi", "3", "11"],
        ["Sejak diterima sampai jawaban pertama", "3", "11"],
    ]
    assert [r[1] for r in tables["tenggat"][1:]] == ["42,9%", "53,3%"]
    assert ["Terbukti", "5"] in tables["hasil"] and ["Terbukti sebagian", "<5"] in tables["hasil"]
    assert tables["predikat"][1:] == [["2025", "0", "1", "1"]]
    # the charts: inline SVG with a title and the values as text
    assert html.count('<svg class="chart') == len(DATASETS)
    assert '<text class="value" x="' in html and ">42,9%</text>" in html
    assert '<title id="stat-bulan-title">Pengaduan per bulan, 2025</title>' in html


@pytest.mark.parametrize("dataset", DATASETS)
def test_each_csv_equals_its_table(client, seeded, dataset):
    table = page_tables(client.get("/statistik?tahun=2025").get_data(as_text=True))[dataset]
    rows = csv_rows(client, f"/statistik/{dataset}.csv?tahun=2025")
    assert rows[0] == table[0]  # the same headers
    assert len(rows) == len(table)
    for csv_row, html_row in zip(rows[1:], table[1:], strict=True):
        assert csv_row[1:] == [as_csv(c) for c in html_row[1:]]
        if dataset != "bulan":  # months are ISO in the CSV ("2025-01")
            assert csv_row[0] == html_row[0]
    if dataset == "bulan":
        assert [r[0] for r in rows[1:4]] == ["2025-01", "2025-02", "2025-03"]


def test_the_csv_keeps_the_suppression(client, seeded):
    assert csv_rows(client, "/statistik/unit.csv?tahun=2025")[1:] == [
        ["Direktorat Alfa", "7"],
        ["Direktorat Beta", "<5"],
        ["Direktorat Gamma", "5"],
        ["Unit belum diketahui", "<5"],
    ]
    gamma = seeded["gamma"].slug
    assert csv_rows(client, f"/statistik/waktu.csv?tahun=2025&unit={gamma}")[1:] == [
        ["Sejak diterima sampai diverifikasi", "—", "<5"],
        ["Sejak diterima sampai jawaban pertama", "—", "<5"],
    ]
    assert csv_rows(client, f"/statistik/tenggat.csv?tahun=2025&unit={gamma}")[1][1:] == [
        "40.0",
        "5",
    ]


def test_the_page_in_english(client, seeded):
    client.get("/bahasa/en")
    html = client.get("/statistik?tahun=2025").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Complaint and predicate statistics" in html
    tables = page_tables(html)
    assert [r[1] for r in tables["tenggat"][1:]] == ["42.9%", "53.3%"]
    assert tables["bulan"][1] == ["January 2025", "5"]
    assert ["Corruption (whistleblowing)", "6"] in tables["kategori"]
    assert ["Email", "<5"] in tables["kanal"]


def test_no_reporter_data_on_the_pages_or_in_the_csv_files(client, seeded):
    alfa = seeded["alfa"].slug
    bodies = [client.get("/statistik").get_data(as_text=True)]
    bodies.append(client.get("/statistik?tahun=2025").get_data(as_text=True))
    bodies.append(client.get(f"/unit/{alfa}").get_data(as_text=True))
    for dataset in DATASETS:
        bodies.append(client.get(f"/statistik/{dataset}.csv?tahun=2025").get_data(as_text=True))
    for dataset in ("bulan", "waktu", "tenggat", "hasil"):
        bodies.append(client.get(f"/statistik/{dataset}.csv?unit={alfa}").get_data(as_text=True))
    for body in bodies:
        for secret in (*SECRETS, "Uraian yang hanya", "Terima kasih, laporan", "Bukan kewenangan"):
            assert secret not in body
        assert not re.search(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b", body)  # no tracking code


def test_the_unit_page_shows_its_panel(client, seeded):
    html = client.get(f"/unit/{seeded['alfa'].slug}?tahun=2025").get_data(as_text=True)
    assert "Statistik pengaduan" in html
    assert html.index('id="statistik"') < html.index('id="pencabutan"')
    tables = page_tables(html)
    assert tables["waktu"][1][1:] == ["2,5", "6"]
    assert tables["tenggat"][1][1:] == ["57,1%", "7"]
    assert ["Tidak dapat ditindaklanjuti", "0"] in tables["hasil"]
    assert "/statistik/bulan.csv?" in html and "unit=direktorat-alfa" in html
    assert "css/stats.css" in html


def test_a_small_units_page_hides_its_numbers(client, seeded):
    html = client.get(f"/unit/{seeded['beta'].slug}?tahun=2025").get_data(as_text=True)
    assert "kurang dari 5 pengaduan pada periode ini" in html
    assert '<svg class="chart' not in html
    rows = csv_rows(client, f"/statistik/hasil.csv?tahun=2025&unit={seeded['beta'].slug}")
    assert {r[1] for r in rows[1:]} == {"<5"}


def test_pages_keep_the_content_security_policy(client, seeded):
    for url in ("/statistik", f"/unit/{seeded['alfa'].slug}"):
        html = client.get(url).get_data(as_text=True)
        assert " style=" not in html and "<style" not in html and "<script" not in html


@pytest.mark.parametrize(
    "url",
    [
        "/statistik/nama.csv",
        "/statistik/unit.csv?unit=direktorat-alfa",
        "/statistik/bulan.csv?unit=x",
    ],
)
def test_unknown_datasets_and_units_are_not_found(client, seeded, url):
    assert client.get(url).status_code == 404


def test_an_unknown_year_shows_every_year(client, seeded):
    html = client.get("/statistik?tahun=1999").get_data(as_text=True)
    assert page_tables(html)["unit"][1] == ["Direktorat Alfa", "8"]


def test_the_page_works_before_any_complaint(client, session):
    response = client.get("/statistik")
    assert response.status_code == 200
    assert "Belum ada data untuk periode ini." in response.get_data(as_text=True)


def test_the_main_menu_links_to_the_statistics(client, session):
    assert 'href="/statistik"' in client.get("/").get_data(as_text=True)
