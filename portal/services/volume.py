"""Volume data: many realistic complaints, fast, for demos and for the triage-at-scale benchmark.

``generate_volume`` fills a migrated database with N complaints over a set of units under a
handful of agencies, spread over about three years: channels, categories, privacy, priorities
and statuses in plausible proportions (most closed, some open, a few overdue), inspectors as
assignees, one to three messages each (the reporter's, public replies, internal notes) and an
event for every change, all consistent with each other: deadlines follow from ``created_at`` on
the working-day calendar, ``verified_at`` is the first status change to ``verifikasi`` and
``answered_at`` the first public reply.

Text comes from a small Indonesian vocabulary through sentence templates, so full-text search
has realistic selectivity: "petugas" is in about half the complaints, a rare word such as
"bermeterai" in a few hundred of a million (``COMMON_WORD``, ``RARE_WORDS``).

Speed: rows are built as plain tuples and written in bulk, bypassing the ORM. SQLite gets
``executemany`` in large transactions; for a large run the full-text triggers of migration 0010
are dropped first and the FTS5 rows of the new complaints written in one INSERT … SELECT at the
end, then the triggers restored (a run stopped half-way leaves them to recreate: rerun it, or
``flask db downgrade 0009 && flask db upgrade``); PostgreSQL gets ``COPY`` in one
transaction, with the secondary indexes dropped first and rebuilt at the end (DDL is
transactional there, so an interrupted run leaves the schema as it was), then ``VACUUM (ANALYZE)``.

Generated data is fictional; never load it into a production database.
"""

from __future__ import annotations

import json
import logging
import random
import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import (
    Agency,
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintMessage,
    Unit,
    User,
    UserRole,
)
from models.enums import Eselon, Role

from . import accounts, organisation
from .calendar import WorkCalendar
from .reference_data import ensure_categories
from .tracking import ALPHABET, hash_key

logger = logging.getLogger(__name__)

# One fixed, valid hash for every generated complaint: nobody is ever handed a generated
# complaint's key, so 1,000,000 random keys would only cost time (a SHA-256 and 20 random
# characters each) and prove nothing. This is the hash of the key below, documented so a demo
# can open any generated complaint at /lacak.
VOLUME_ACCESS_KEY = "DEMO2-VLMEK-EYSAM-ASEMA"
VOLUME_ACCESS_KEY_HASH = hash_key(VOLUME_ACCESS_KEY)
VOLUME_PASSWORD = "volume-demo-2026"  # noqa: S105 - fictional demo accounts only
VOLUME_EMAIL_DOMAIN = "volume.zi-portal.test"
COMMON_WORD = "petugas"
RARE_WORDS = (
    "bermeterai",
    "ekskavator",
    "genset",
    "proyektor",
    "sembako",
    "karcis",
    "gorong",
    "drainase",
    "trotoar",
    "retribusi",
    "lapak",
    "pupuk",
    "elpiji",
    "tongkang",
    "sumur",
    "kambing",
    "batik",
    "fotokopi",
    "timbangan",
    "meteran",
)
PHRASE = "pungutan liar"

AGENCIES = (
    ("Kementerian Perhubungan", "Kemenhub"),
    ("Kementerian Agama", "Kemenag"),
    ("Kementerian Agraria dan Tata Ruang", "ATR/BPN"),
    ("Kementerian Hukum", "Kemenkum"),
    ("Pemerintah Provinsi Jawa Barat", "Pemprov Jabar"),
    ("Pemerintah Kota Surabaya", "Pemkot Surabaya"),
)
UNIT_KINDS = (
    "Kantor Wilayah",
    "Kantor Pelayanan",
    "Balai",
    "Kantor Cabang",
    "Unit Pelaksana Teknis",
    "Dinas",
    "Kantor",
    "Loka",
)
PLACES = (
    "Aceh", "Medan", "Padang", "Pekanbaru", "Jambi", "Palembang", "Bengkulu", "Lampung",
    "Pangkalpinang", "Batam", "Serang", "Bandung", "Bogor", "Bekasi", "Depok", "Cirebon",
    "Semarang", "Solo", "Yogyakarta", "Surabaya", "Malang", "Kediri", "Denpasar", "Mataram",
    "Kupang", "Pontianak", "Palangkaraya", "Banjarmasin", "Samarinda", "Tarakan", "Manado",
    "Palu", "Makassar", "Kendari", "Gorontalo", "Mamuju", "Ambon", "Ternate", "Jayapura",
    "Manokwari", "Sorong", "Merauke", "Tasikmalaya", "Garut", "Sukabumi", "Purwakarta",
    "Karawang", "Tegal", "Pekalongan", "Banyuwangi", "Jember", "Madiun", "Blitar", "Tuban",
    "Cilacap", "Magelang", "Salatiga", "Kudus", "Pati", "Bima", "Ende", "Sumbawa", "Bitung",
    "Parepare", "Palopo", "Baubau", "Tual", "Nabire", "Biak", "Timika",
)  # fmt: skip

S_DITERIMA, S_VERIFIKASI, S_TINDAK_LANJUT, S_PERLU_INFO = (
    "diterima",
    "verifikasi",
    "tindak_lanjut",
    "perlu_info",
)
S_SELESAI, S_DITOLAK, S_DITERUSKAN, S_DIGABUNG = "selesai", "ditolak", "diteruskan", "digabung"
OPEN_STATUSES = (S_DITERIMA, S_VERIFIKASI, S_TINDAK_LANJUT, S_PERLU_INFO)

# --- text ----------------------------------------------------------------------------------

SLOTS: dict[str, tuple[str, ...]] = {
    "layanan": (
        "KTP elektronik", "kartu keluarga", "akta kelahiran", "paspor", "SIM", "izin usaha",
        "sertifikat tanah", "IMB", "surat pindah", "NPWP", "kartu BPJS", "izin trayek", "STNK",
        "surat keterangan domisili", "legalisir ijazah", "izin keramaian", "PBB",
        "balik nama kendaraan", "izin lingkungan", "akta kematian", "buku nikah",
        "surat keterangan waris", "izin praktik", "uji kir",
    ),
    "loket": (
        "loket pendaftaran", "bagian umum", "bagian keuangan", "satpam", "loket pembayaran",
        "bagian arsip", "front office", "bagian perizinan", "customer service", "juru ukur",
    ),
    "jabatan": (
        "kepala seksi", "kepala bidang", "kepala dinas", "camat", "lurah", "kepala kantor",
        "bendahara", "panitia pengadaan", "kepala balai", "sekretaris", "kepala subbagian",
    ),
    "tempat": (
        "kantor kecamatan", "kantor kelurahan", "kantor samsat", "kantor imigrasi",
        "kantor pertanahan", "dinas dukcapil", "mal pelayanan publik", "puskesmas",
        "kantor pajak", "terminal", "pelabuhan", "balai kota", "kantor urusan agama",
        "bandara", "stasiun", "kantor cabang",
    ),
    "hadiah": (
        "parsel", "amplop", "voucher belanja", "telepon genggam", "tiket perjalanan",
        "jam tangan", "uang tunai",
    ),
    "pihak": ("kontraktor", "rekanan", "pemohon izin", "pengusaha lokal", "calon pegawai"),
    "urusan": (
        "perpanjangan izin", "proyek jalan", "penerimaan pegawai", "tender gedung",
        "mutasi jabatan", "pengukuran tanah",
    ),
    "amount": (
        "25.000", "50.000", "100.000", "150.000", "200.000", "250.000", "300.000", "500.000",
        "750.000", "1.000.000", "1.500.000", "2.500.000", "5.000.000",
    ),
    "dana": ("bantuan sosial", "dana desa", "perjalanan dinas", "pemeliharaan gedung", "hibah"),
    "barang": ("komputer", "kendaraan dinas", "alat kesehatan", "mebel", "printer"),
    "alasan": (
        "berkas dianggap kurang", "sistem sedang gangguan", "pejabat sedang rapat",
        "kuota harian habis", "blanko habis", "jaringan terputus",
    ),
    "alasan_diskriminasi": (
        "disabilitas", "usia lanjut", "asal daerah", "tidak membawa uang tunai", "pakaian",
    ),
    "kondisi": (
        "panas dan pengap", "kotor", "tidak ada kursi", "bocor saat hujan", "gelap",
        "terlalu sempit",
    ),
    "hari": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"),
    "dokumen": (
        "laporan keuangan", "daftar penerima bantuan", "rencana anggaran", "kontrak pengadaan",
        "SOP layanan", "standar pelayanan",
    ),
    "pihak_lapor": ("kepala kantor", "RT setempat", "call center", "media sosial instansi"),
    "bukti": ("rekaman suara", "kuitansi", "tangkapan layar percakapan", "video"),
    "unit_tujuan": ("Ombudsman", "KPK", "APIP", "LAPOR!", "Inspektorat Daerah"),
    "kelengkapan": (
        "nama petugas", "waktu kejadian", "bukti pembayaran", "nomor antrean", "lokasi kejadian",
    ),
    "hasil": (
        "terbukti dan petugas telah dijatuhi sanksi", "tidak terbukti",
        "sebagian terbukti", "prosedur layanan telah diperbaiki",
    ),
    "desa": (
        "Sukamaju", "Cibeureum", "Karangasem", "Sumberejo", "Tanjungsari", "Mekarsari",
        "Sidomulyo", "Purwodadi", "Bojongsari", "Wonorejo",
    ),
    "rare": RARE_WORDS,
}  # fmt: skip
SENTENCES: dict[str, tuple[str, ...]] = {
    "korupsi": (
        "Petugas {loket} meminta uang sebesar Rp{amount} agar {layanan} cepat selesai.",
        "Oknum {jabatan} menerima {hadiah} dari {pihak} terkait {urusan}.",
        "Saya diminta membayar biaya tambahan tanpa kuitansi resmi di {tempat}.",
        "Ada dugaan pungutan liar dalam pengurusan {layanan} di {tempat}.",
        "Pejabat {jabatan} diduga menggelapkan dana {dana}.",
        "Pemenang pengadaan {barang} adalah kerabat {jabatan}.",
        "Petugas mengatakan uang Rp{amount} itu untuk {jabatan}.",
    ),
    "maladministrasi": (
        "Pengurusan {layanan} sudah berminggu-minggu belum selesai tanpa kejelasan.",
        "Petugas {loket} menolak melayani karena {alasan}.",
        "Persyaratan {layanan} berbeda dengan yang tercantum di papan informasi.",
        "Antrean di {tempat} sangat panjang dan petugas sering tidak berada di tempat.",
        "Saya diperlakukan berbeda karena {alasan_diskriminasi}.",
        "Petugas {loket} bersikap kasar ketika saya bertanya tentang {layanan}.",
        "Berkas {layanan} saya hilang di {loket}.",
    ),
    "pelayanan": (
        "Ruang tunggu di {tempat} {kondisi}.",
        "Mohon jam layanan {layanan} diperpanjang pada hari {hari}.",
        "Informasi tentang {layanan} di situs web tidak diperbarui.",
        "Saya meminta salinan {dokumen} namun belum mendapat jawaban.",
        "Petugas {loket} ramah tetapi prosesnya lambat.",
        "Mohon disediakan layanan {layanan} secara daring.",
    ),
    "umum": (
        "Kejadian pada hari {hari} di {tempat}.",
        "Saya sudah melapor ke {pihak_lapor} tetapi belum ada tindak lanjut.",
        "Mohon segera ditindaklanjuti.",
        "Terima kasih atas perhatiannya.",
        "Bukti foto dan {bukti} dapat saya kirimkan bila diperlukan.",
        "Hal ini sudah sering terjadi di {tempat}.",
    ),
    "rare": (
        "Petugas juga menyinggung soal {rare} di Desa {desa}.",
        "Masalah {rare} ini dibicarakan di depan warga Desa {desa}.",
    ),
    "balasan": (
        "Terima kasih, laporan Anda sedang kami verifikasi.",
        "Laporan telah diteruskan kepada {unit_tujuan} untuk ditindaklanjuti.",
        "Mohon lengkapi {kelengkapan} agar laporan dapat diproses.",
        "Hasil pemeriksaan: {hasil}.",
        "Kami telah meminta klarifikasi dari {jabatan} di {tempat}.",
    ),
    "catatan": (
        "Koordinasi dengan {jabatan} dijadwalkan hari {hari}.",
        "Perlu klarifikasi {kelengkapan} dari unit terkait.",
        "Dokumen {dokumen} sudah diminta dari unit.",
        "Pelapor pernah mengadu hal serupa tentang {layanan}.",
    ),
}
TITLES: dict[str, tuple[str, ...]] = {
    "korupsi": (
        "Pungutan liar pengurusan {layanan}",
        "Dugaan gratifikasi {jabatan}",
        "Permintaan uang di {tempat}",
        "Dugaan suap {urusan}",
        "Penyalahgunaan dana {dana}",
    ),
    "maladministrasi": (
        "Layanan {layanan} berlarut-larut",
        "Petugas {loket} tidak melayani",
        "Prosedur {layanan} tidak jelas",
        "Diskriminasi di {tempat}",
    ),
    "pelayanan": (
        "Ruang tunggu {tempat} tidak layak",
        "Usulan jam layanan {layanan}",
        "Permintaan informasi {dokumen}",
        "Antrean {layanan} terlalu lama",
    ),
}
GROUP_OF = {
    "korupsi": "korupsi",
    "maladministrasi": "maladministrasi",
    "kode-etik": "maladministrasi",
    "kualitas-pelayanan": "pelayanan",
    "aspirasi": "pelayanan",
    "permintaan-informasi": "pelayanan",
}
# Leaf category weights (per 1000); parents without children are leaves themselves.
CATEGORY_WEIGHTS = {
    "pungli": 90, "suap": 25, "gratifikasi": 25, "penggelapan-jabatan": 8,
    "benturan-kepentingan": 8, "penyalahgunaan-wewenang": 20, "perbuatan-curang": 8,
    "penundaan-berlarut": 110, "tidak-memberikan-pelayanan": 60, "tidak-kompeten": 45,
    "penyimpangan-prosedur": 70, "permintaan-imbalan": 30, "tidak-patut": 40, "berpihak": 12,
    "diskriminasi": 12, "konflik-kepentingan": 8, "kode-etik": 40, "kualitas-pelayanan": 200,
    "aspirasi": 110, "permintaan-informasi": 70,
}  # fmt: skip
CHANNELS = (("web", 45), ("email", 20), ("telegram", 15), ("api", 5), ("telepon", 6),
            ("surat", 5), ("langsung", 4))  # fmt: skip
PRIORITIES = (("normal", 70), ("rendah", 10), ("tinggi", 15), ("mendesak", 5))
FIRST_NAMES = ("Budi", "Siti", "Agus", "Dewi", "Rina", "Eko", "Wahyu", "Nur", "Andi", "Putri")
LAST_NAMES = ("Santoso", "Rahayu", "Hidayat", "Lestari", "Saputra", "Wulandari", "Nugroho")


@dataclass(frozen=True)
class VolumeSpec:
    """What to generate: how many complaints over how many units, from which seed, until when."""

    complaints: int
    units: int = 500
    seed: int = 1
    years: float = 3.0
    now: datetime | None = None
    batch: int = 20_000
    inspectors: int = 40
    coordinators: int = 6


@dataclass
class VolumeResult:
    """What was written and how long it took."""

    complaints: int = 0
    messages: int = 0
    events: int = 0
    units: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    rollup_rows: int | None = None

    @property
    def rate(self) -> float:
        """Complaints per second, overall."""
        return self.complaints / self.seconds if self.seconds else 0.0


# --- reference rows: agencies, units, staff ------------------------------------------------


def ensure_units(session: Session, n_units: int) -> list[Unit]:
    """Return ``n_units`` units under the volume agencies, creating what is missing.

    Each agency has an Inspektorat (eselon I), where the generated inspectors work: an
    inspectorate is a unit too, and complaints about it are hidden from its own staff.
    """
    agencies = []
    for name, abbreviation in AGENCIES:
        agency = session.scalar(sa.select(Agency).where(Agency.name == name))
        if agency is None:
            agency = organisation.create_agency(session, name=name, abbreviation=abbreviation)
        agencies.append(agency)
    session.flush()
    ids = [a.id for a in agencies]
    units = list(session.scalars(sa.select(Unit).where(Unit.agency_id.in_(ids)).order_by(Unit.id)))
    names = {u.name for u in units}
    for agency in agencies:
        inspectorate = f"Inspektorat {agency.abbreviation}"
        if inspectorate not in names:
            units.append(
                organisation.create_unit(session, agency, name=inspectorate, eselon=Eselon.I)
            )
            names.add(inspectorate)
    i = 0
    eselons = (Eselon.II, Eselon.III, Eselon.III, Eselon.IV)
    while len(units) < n_units:
        agency = agencies[i % len(agencies)]
        kind = UNIT_KINDS[(i // len(agencies)) % len(UNIT_KINDS)]
        place = PLACES[(i // (len(agencies) * len(UNIT_KINDS))) % len(PLACES)]
        lap = i // (len(agencies) * len(UNIT_KINDS) * len(PLACES))
        name = f"{kind} {agency.abbreviation} {place}" + (f" {lap + 1}" if lap else "")
        i += 1
        if name in names:
            continue
        names.add(name)
        units.append(
            organisation.create_unit(session, agency, name=name, eselon=eselons[i % len(eselons)])
        )
    session.flush()
    return units[:n_units]


def ensure_staff(session: Session, units: Sequence[Unit], spec: VolumeSpec) -> list[User]:
    """Return the generated inspectors and coordinators, creating what is missing.

    ``inspektur1@volume.zi-portal.test`` … and ``koordinator1@…``, password ``VOLUME_PASSWORD``;
    they work in the agencies' inspectorates (so recusal applies to them).
    """
    inspectorates = [u for u in units if u.name.startswith("Inspektorat ")] or list(units[:1])
    wanted = [(Role.INSPEKTUR, n) for n in range(1, spec.inspectors + 1)]
    wanted += [(Role.KOORDINATOR, n) for n in range(1, spec.coordinators + 1)]
    existing = {
        u.email: u
        for u in session.scalars(sa.select(User).where(User.email.like(f"%@{VOLUME_EMAIL_DOMAIN}")))
    }
    password_hash = None
    staff = []
    for role, n in wanted:
        email = f"{role.value}{n}@{VOLUME_EMAIL_DOMAIN}"
        user = existing.get(email)
        if user is None:
            rng = random.Random(email)
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} ({role.value} {n})"
            unit = inspectorates[n % len(inspectorates)]
            if password_hash is None:
                user = accounts.create_user(
                    session,
                    email=email,
                    name=name,
                    password=VOLUME_PASSWORD,
                    roles=[role],
                    unit=unit,
                )
                password_hash = user.password_hash
            else:
                # Same password, same hash: argon2 for each of 46 accounts costs seconds.
                user = User(
                    email=email,
                    name=name,
                    password_hash=password_hash,
                    unit=unit,
                    role_rows=[UserRole(role=role)],
                )
                session.add(user)
        staff.append(user)
    session.flush()
    return staff


# --- the generator -------------------------------------------------------------------------


class _Text:
    """Pools of pre-filled sentences and titles; a complaint picks from them (fast)."""

    def __init__(self, rng: random.Random, per_group: int = 4000):
        def fill(template: str) -> str:
            return template.format(**{k: rng.choice(v) for k, v in SLOTS.items()})

        self.sentences = {
            group: [fill(rng.choice(templates)) for _ in range(per_group)]
            for group, templates in SENTENCES.items()
        }
        # Each rare word in two sentences of the pool: a few hundred complaints in a million.
        self.sentences["rare"] = [
            fill(t.replace("{rare}", w)) for w in RARE_WORDS for t in SENTENCES["rare"]
        ]
        self.titles = {
            group: [fill(rng.choice(templates)) for _ in range(per_group // 4)]
            for group, templates in TITLES.items()
        }


def _weighted(pairs: Sequence[tuple[Any, int]]) -> tuple[list[Any], list[int]]:
    values = [v for v, _ in pairs]
    cum, total = [], 0
    for _, w in pairs:
        total += w
        cum.append(total)
    return values, cum


COMPLAINT_COLUMNS = (
    "id", "code", "access_key_hash", "channel", "unit_id", "category_id", "title", "body",
    "incident_date", "incident_place", "reported_party", "reporter_name", "reporter_email",
    "reporter_phone", "reporter_telegram_chat_id", "language", "privacy", "status", "priority",
    "assignee_id", "verification_due", "answer_due", "outcome", "referred_to",
    "duplicate_of_id", "publication_approved", "unit_hint", "created_at", "updated_at",
    "closed_at", "verified_at", "answered_at",
)  # fmt: skip
MESSAGE_COLUMNS = ("id", "complaint_id", "kind", "channel", "author_id", "body", "created_at")
EVENT_COLUMNS = (
    "id", "complaint_id", "actor_id", "action", "from_value", "to_value", "details",
    "created_at",
)  # fmt: skip


class _Writer:
    """Bulk writes for one backend: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, session: Session, complaint_columns: Sequence[str]):
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.complaint_columns = tuple(complaint_columns)
        self.sqlite = self.dialect == "sqlite"

    def stamp(self, moment: datetime | None) -> Any:
        """Naive UTC, as ``UTCDateTime`` stores it (SQLite: the exact text SQLAlchemy writes)."""
        if moment is None:
            return None
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else moment

    def day(self, value: date | None) -> Any:
        if value is None:
            return None
        return value.isoformat() if self.sqlite else value

    def write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        """Write ``rows`` (tuples in ``columns`` order) to ``table``; names are our constants."""
        if not rows:
            return
        connection = self.session.connection()
        if self.sqlite:
            marks = ", ".join("?" for _ in columns)
            sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})'  # noqa: S608
            connection.exec_driver_sql(sql, rows)
            return
        raw = connection.connection.driver_connection
        statement = f'COPY "{table}" ({", ".join(columns)}) FROM STDIN'
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def _existing_columns(session: Session, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(session.connection()).get_columns(table)}


def _next_id(session: Session, model) -> int:
    return (session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _pg_secondary_indexes(session: Session, tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes that back no constraint, for a bulk load."""
    rows = session.execute(
        sa.text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conindid = (quote_ident(i.schemaname) || '.' || "
            "quote_ident(i.indexname))::regclass)"
        ),
        {"tables": list(tables)},
    ).all()
    return [(name, ddl) for name, ddl in rows]


def generate_volume(
    session: Session,
    spec: VolumeSpec,
    calendar: WorkCalendar,
    *,
    progress: Callable[[int], None] | None = None,
) -> VolumeResult:
    """Add ``spec.complaints`` generated complaints (with messages and events); commit.

    Idempotent for reference rows (categories, agencies, units, staff are reused); complaints
    are always added. ``progress`` is called with the number of complaints written so far.
    """
    started = time.monotonic()
    result = VolumeResult()
    rng = random.Random(spec.seed)
    now = (spec.now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)

    ensure_categories(session)
    units = ensure_units(session, spec.units)
    staff = ensure_staff(session, units, spec)
    session.commit()
    result.units = len(units)
    result.phases["reference"] = time.monotonic() - started

    categories = {c.slug: c for c in session.scalars(sa.select(Category))}
    parents = {c.parent_id for c in categories.values() if c.parent_id}
    leaves = [c for c in categories.values() if c.id not in parents]
    cat_pairs = [(c, CATEGORY_WEIGHTS.get(c.slug, 10)) for c in leaves]
    cat_values, cat_cum = _weighted(cat_pairs)
    categories_by_id = {c.id: c for c in categories.values()}

    def group_of(category: Category) -> str:
        root = category if category.parent_id is None else categories_by_id[category.parent_id]
        return GROUP_OF.get(root.slug, "pelayanan")

    cat_info = [
        (c.id, group_of(c), c.is_integrity, c.default_privacy.value, c.referral_body)
        for c in cat_values
    ]
    # Complaints per unit follow a long tail: a few units draw many, most draw a few.
    unit_ids = [u.id for u in units]
    unit_weights = [1.0 / (rank + 3) ** 0.8 for rank in range(len(unit_ids))]
    rng.shuffle(unit_weights)
    unit_cum, total = [], 0.0
    for w in unit_weights:
        total += w
        unit_cum.append(total)
    unit_names = {u.id: u.name for u in units}
    handlers = [(u.id, u.unit_id) for u in staff]
    emails = {u.id: u.email for u in staff}
    channel_values, channel_cum = _weighted(CHANNELS)
    priority_values, priority_cum = _weighted(PRIORITIES)
    text = _Text(rng)
    balasan, catatan = text.sentences["balasan"], text.sentences["catatan"]

    def by_time(row: tuple) -> datetime:
        return row[0]

    columns = [c for c in COMPLAINT_COLUMNS if c in _existing_columns(session, "complaint")]
    missing = set(COMPLAINT_COLUMNS) - set(columns)
    if missing:  # an older schema: write what it has
        logger.warning("complaint has no column(s) %s; not generated", ", ".join(sorted(missing)))
    writer = _Writer(session, columns)
    codes = set(session.scalars(sa.select(Complaint.code)))
    next_complaint = _next_id(session, Complaint)
    next_message = _next_id(session, ComplaintMessage)
    next_event = _next_id(session, ComplaintEvent)
    first_complaint = next_complaint

    dues: dict[date, tuple[date, date]] = {}
    local = timedelta(hours=7)  # Asia/Jakarta has no daylight saving time

    def deadlines(created: datetime) -> tuple[date, date]:
        day = (created + local).date()
        if day not in dues:
            verify = calendar.add_working_days(day, 3)
            dues[day] = (verify, calendar.add_working_days(verify, 5))
        return dues[day]

    span = spec.years * 365 * 86400
    origin = now - timedelta(seconds=span)

    def created_at() -> datetime:
        # Volume grows over time (sqrt: more recent complaints), office hours weigh more.
        offset = span * rng.random() ** 0.7
        moment = origin + timedelta(seconds=offset)
        if rng.random() < 0.7:
            moment = moment.replace(hour=rng.randint(1, 9))  # 08:00–16:59 WIB in UTC
        return min(moment, now - timedelta(minutes=1))

    # Ids ascend with created_at, as when complaints arrive one after another.
    arrivals = sorted(created_at() for _ in range(spec.complaints))

    def pick_handler(unit_id: int | None) -> int:
        while True:
            user_id, own_unit = handlers[rng.randrange(len(handlers))]
            if own_unit is None or own_unit != unit_id:  # recusal: never their own unit
                return user_id

    sql_stamp, sql_day = writer.stamp, writer.day
    # Mean hours before each step: verification in about a day, closing in weeks.
    mean_hours = {
        S_VERIFIKASI: 30,
        S_TINDAK_LANJUT: 60,
        S_SELESAI: 24 * 20,
        S_DITOLAK: 72,
        S_DITERUSKAN: 72,
        S_DIGABUNG: 48,
        S_PERLU_INFO: 48,
    }
    big = spec.complaints >= 50_000
    pg_indexes: list[tuple[str, str]] = []
    tables = ("complaint", "complaint_message", "complaint_event")
    if writer.dialect == "postgresql" and big:
        # One transaction: drop the secondary indexes, COPY, rebuild; a failure rolls back.
        pg_indexes = _pg_secondary_indexes(session, tables)
        session.execute(sa.text("SET LOCAL maintenance_work_mem = '512MB'"))
        for name, _ in pg_indexes:
            session.execute(sa.text(f'DROP INDEX "{name}"'))
    fts = _sqlite_fulltext(session) if writer.sqlite else None
    if writer.sqlite:
        session.connection().exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MB
    if fts is not None and big:
        # One FTS5 row per complaint (migration 0010): the triggers would rebuild a row per
        # message written; instead, none while loading, then one INSERT … SELECT at the end.
        for name in fts.SQLITE_TRIGGER_NAMES:
            session.connection().exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        session.commit()

    complaints: list[tuple] = []
    messages: list[tuple] = []
    events: list[tuple] = []
    load_started = time.monotonic()
    done = 0
    while done < spec.complaints:
        cid = next_complaint
        next_complaint += 1
        created = arrivals[done]
        verification_due, answer_due = deadlines(created)
        category_id, group, integrity, default_privacy, referral = cat_info[
            bisect_right(cat_cum, rng.random() * cat_cum[-1])
        ]
        channel = channel_values[bisect_right(channel_cum, rng.random() * channel_cum[-1])]
        priority = priority_values[bisect_right(priority_cum, rng.random() * priority_cum[-1])]
        if integrity and priority == "normal" and rng.random() < 0.3:
            priority = "tinggi"
        unit_id = unit_ids[bisect_right(unit_cum, rng.random() * unit_cum[-1])]
        r = rng.random()
        privacy = "anonim" if r < 0.25 else default_privacy if r < 0.85 else "terbuka"
        while True:
            code = (
                "ZI-"
                + "".join(rng.choices(ALPHABET, k=4))
                + "-"
                + "".join(rng.choices(ALPHABET, k=4))
            )
            if code not in codes:
                codes.add(code)
                break
        title = rng.choice(text.titles[group])
        parts = rng.sample(text.sentences[group], rng.randint(1, 3))
        if rng.random() < 0.7:
            parts.append(rng.choice(text.sentences["umum"]))
        if rng.random() < 0.02:
            parts.insert(rng.randint(0, len(parts)), rng.choice(text.sentences["rare"]))
        body = " ".join(parts)

        # The walk through the state machine; a step in the future has not happened yet.
        r = rng.random()
        if r < 0.015:  # stuck: stays open whatever its age (these become overdue)
            path = rng.choice(
                ([], [S_VERIFIKASI], [S_VERIFIKASI, S_TINDAK_LANJUT], [S_VERIFIKASI, S_PERLU_INFO])
            )
        elif r < 0.62:
            path = [S_VERIFIKASI, S_TINDAK_LANJUT, S_SELESAI]
        elif r < 0.74:
            path = [S_VERIFIKASI, S_DITOLAK] if rng.random() < 0.7 else [S_DITOLAK]
        elif r < 0.84:
            path = [S_VERIFIKASI, S_DITERUSKAN]
        elif r < 0.88 and cid > first_complaint + 10:
            path = [S_DIGABUNG]
        elif r < 0.90:
            path = [S_VERIFIKASI, S_PERLU_INFO]  # waiting on the reporter (the clock is paused)
        else:
            path = [S_VERIFIKASI, S_TINDAK_LANJUT, S_SELESAI]
        steps: list[tuple[str, datetime]] = []
        moment = created
        for status in path:
            moment = moment + timedelta(
                seconds=int(rng.expovariate(1 / mean_hours[status]) * 3600) + 60
            )
            if moment > now:
                break
            steps.append((status, moment))

        # (when, actor, action, from, to, details) and (when, kind, author, body)
        c_events: list[tuple] = [
            (created, None, "dibuat", None, S_DITERIMA, {"channel": channel, "attachments": 0})
        ]
        c_messages: list[tuple] = [(created, "masuk", None, body)]
        status, assignee, outcome, referred, duplicate_of = S_DITERIMA, None, None, None, None
        closed, verified = None, None
        for new, when in steps:
            if new == S_VERIFIKASI and assignee is None and rng.random() < 0.85:
                assignee = pick_handler(unit_id)
                c_events.append(
                    (when - timedelta(seconds=30), assignee, "penugasan", None, emails[assignee])
                )
            actor = assignee or pick_handler(unit_id)
            details = None
            if new == S_SELESAI:
                r = rng.random()
                outcome = "terbukti" if r < 0.3 else "tidak_terbukti" if r < 0.8 else "sebagian"
                details, closed = {"outcome": outcome}, when
            elif new == S_DITOLAK:
                closed = when
            elif new == S_DITERUSKAN:
                referred = referral.value if referral and rng.random() < 0.8 else "APIP"
                details, closed = {"referred_to": referred}, when
            elif new == S_DIGABUNG:
                duplicate_of = rng.randint(max(first_complaint, cid - 5000), cid - 1)
            c_events.append((when, actor, "status", status, new, details))
            if new == S_VERIFIKASI and verified is None:
                verified = when
            if new == S_PERLU_INFO:
                pause = {"verification_due": verification_due.isoformat(),
                         "answer_due": answer_due.isoformat()}  # fmt: skip
                c_events.append((when, actor, "jam_dihentikan", None, None, pause))
            reply_at = None
            if new in (S_DITOLAK, S_DITERUSKAN, S_PERLU_INFO):
                reply_at = when  # the explanation a status change requires is a public reply
            elif new == S_TINDAK_LANJUT and rng.random() < 0.75:
                reply_at = when + timedelta(hours=rng.uniform(0.5, 72))
            if reply_at is not None and reply_at < now and len(c_messages) < 3:
                c_messages.append((reply_at, "balasan", actor, rng.choice(balasan)))
                c_events.append((reply_at, actor, "balasan_publik", None, None))
            if new == S_VERIFIKASI and rng.random() < 0.35:
                note_at = when + timedelta(hours=rng.uniform(0.1, 24))
                if note_at < now and len(c_messages) < 3:
                    c_messages.append((note_at, "catatan", actor, rng.choice(catatan)))
                    c_events.append((note_at, actor, "catatan", None, None))
            status = new
        # Ids ascend with time, as when the rows are written one change after another.
        c_messages.sort(key=by_time)
        c_events.sort(key=by_time)
        answered = next((m[0] for m in c_messages if m[1] == "balasan"), None)
        updated = c_events[-1][0]
        for when, kind, author, text_ in c_messages:
            messages.append(
                (next_message, cid, kind, channel if kind == "masuk" else "web", author, text_,
                 sql_stamp(when))
            )  # fmt: skip
            next_message += 1
        for when, actor, action, old, new, *more in c_events:
            details = json.dumps(more[0]) if more and more[0] is not None else None
            events.append((next_event, cid, actor, action, old, new, details, sql_stamp(when)))
            next_event += 1

        named = privacy != "anonim" and rng.random() < 0.8
        reporter_name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" if named else None
        reporter_email = (
            f"pelapor{cid}@contoh.test"
            if channel == "email" or (named and rng.random() < 0.5)
            else None
        )
        reporter_phone = (
            f"08{rng.randrange(10**9, 10**10)}" if named and rng.random() < 0.5 else None
        )
        chat = rng.randrange(10**8, 10**10) if channel == "telegram" else None
        has_unit = not (status == S_DITERIMA and rng.random() < 0.1)
        row = {
            "id": cid,
            "code": code,
            "access_key_hash": VOLUME_ACCESS_KEY_HASH,
            "channel": channel,
            "unit_id": unit_id if has_unit else None,
            "category_id": None if (channel == "email" and status == S_DITERIMA) else category_id,
            "title": title,
            "body": body,
            "incident_date": sql_day((created + local).date() - timedelta(days=rng.randint(0, 20)))
            if rng.random() < 0.8
            else None,
            "incident_place": None,
            "reported_party": None,
            "reporter_name": reporter_name,
            "reporter_email": reporter_email,
            "reporter_phone": reporter_phone,
            "reporter_telegram_chat_id": chat,
            "language": "id" if rng.random() < 0.97 else "en",
            "privacy": privacy,
            "status": status,
            "priority": priority,
            "assignee_id": assignee,
            "verification_due": sql_day(verification_due),
            "answer_due": sql_day(answer_due),
            "outcome": outcome,
            "referred_to": referred,
            "duplicate_of_id": duplicate_of,
            "publication_approved": privacy == "terbuka"
            and status == S_SELESAI
            and rng.random() < 0.3,
            "unit_hint": None if has_unit else unit_names[unit_id][:200],
            "created_at": sql_stamp(created),
            "updated_at": sql_stamp(updated),  # the last change
            "closed_at": sql_stamp(closed),
            "verified_at": sql_stamp(verified),
            "answered_at": sql_stamp(answered),
        }
        complaints.append(tuple(row[c] for c in columns))
        done += 1
        if len(complaints) >= spec.batch or done == spec.complaints:
            writer.write("complaint", columns, complaints)
            writer.write("complaint_message", MESSAGE_COLUMNS, messages)
            writer.write("complaint_event", EVENT_COLUMNS, events)
            result.complaints += len(complaints)
            result.messages += len(messages)
            result.events += len(events)
            complaints, messages, events = [], [], []
            if writer.sqlite:
                session.commit()
            if progress is not None:
                progress(done)
    result.phases["rows"] = time.monotonic() - load_started

    finishing = time.monotonic()
    if fts is not None and big:
        fill = fts.SQLITE_FILL.replace(" ORDER BY c.id", f" WHERE c.id >= {first_complaint:d}")
        connection = session.connection()
        stale = f"DELETE FROM complaint_fts WHERE rowid >= {first_complaint:d}"  # noqa: S608 - int
        connection.exec_driver_sql(stale)
        connection.exec_driver_sql(fill + " ORDER BY c.id")
        for ddl in fts.SQLITE_TRIGGERS:
            connection.exec_driver_sql(ddl)
        session.commit()
    for _name, ddl in pg_indexes:
        session.execute(sa.text(ddl))
    if writer.dialect == "postgresql":
        for table in tables:  # explicit ids were written: move the sequences past them
            setval = (
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - constant
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
            session.execute(sa.text(setval))
    session.commit()
    result.phases["indexes"] = time.monotonic() - finishing

    rollup_started = time.monotonic()
    try:
        from .stats_rollup import rebuild_rollup
    except ImportError:  # before migration 0007: no rollup to keep
        rebuild_rollup = None
    if rebuild_rollup is not None:
        result.rollup_rows = rebuild_rollup(session)
        session.commit()
    result.phases["rollup"] = time.monotonic() - rollup_started

    analyse_started = time.monotonic()
    analyse(session)
    result.phases["analyze"] = time.monotonic() - analyse_started
    result.seconds = time.monotonic() - started
    return result


def _sqlite_fulltext(session: Session):
    """Migration 0010's full-text SQL, when the database has its per-complaint FTS5 table."""
    import importlib.util
    from pathlib import Path

    columns = session.connection().exec_driver_sql("PRAGMA table_info(complaint_fts)").all()
    if "thread" not in {row[1] for row in columns}:
        return None  # before migration 0010: its triggers stay in place during the load
    path = Path(__file__).resolve().parents[2] / "migrations/versions/0010_search_by_complaint.py"
    spec = importlib.util.spec_from_file_location("_zi_migration_0010", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def analyse(session: Session) -> None:
    """Refresh the planner's statistics after a bulk load (both backends need them).

    PostgreSQL also gets the VACUUM its autovacuum would run soon after such a load: until the
    visibility map marks the new pages all-visible, no count can be answered from an index
    alone, and the database would be measured in a state it leaves within minutes.
    """
    tables = ("complaint", "complaint_message", "complaint_event", "unit", "category")
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("ANALYZE")
        session.commit()
        return
    session.commit()
    with session.get_bind().connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in tables:  # VACUUM cannot run inside a transaction block
            connection.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
