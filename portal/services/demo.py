"""Demo data: Kementerian Dalam Negeri and the twelve units of the source document.

The units and their parents are real (named in the 2019 Kemendagri ZI programme); every date,
score, predicate, revocation and account below is **fictional**, made up to show the whole
lifecycle. The pages say so whenever DEMO_MODE is on. Everything is created through the
lifecycle services, as an administrator would, so the demo also exercises the one door.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Agency, Unit
from models.enums import (
    AKIPGrade,
    BPKOpinion,
    CoachingReason,
    Eselon,
    PredicateKind,
    ReviewOutcome,
    RevocationStatus,
    Role,
)
from models.rulebook import load_rulebook

from . import lifecycle, organisation
from .accounts import create_user
from .reference_data import ensure_categories

AGENCY_NAME = "Kementerian Dalam Negeri"

# (parent full name, parent abbreviation or None when the source writes the full name, unit name)
UNITS: tuple[tuple[str, str | None, str], ...] = (
    ("Inspektorat Jenderal", None, "Inspektorat III"),
    ("Sekretariat Jenderal", None, "Biro Organisasi dan Tatalaksana"),
    (
        "Direktorat Jenderal Politik dan Pemerintahan Umum",
        "Ditjen Polpum",
        "Direktorat Organisasi Kemasyarakatan",
    ),
    (
        "Direktorat Jenderal Bina Administrasi Kewilayahan",
        "Ditjen Bina Adwil",
        "Direktorat Toponimi dan Batas Daerah",
    ),
    ("Direktorat Jenderal Otonomi Daerah", "Ditjen Otda", "Direktorat Fasilitasi KDH dan DPRD"),
    (
        "Direktorat Jenderal Bina Pembangunan Daerah",
        "Ditjen Bangda",
        "Direktorat Perencanaan, Evaluasi dan Informasi Pembangunan Daerah",
    ),
    (
        "Direktorat Jenderal Bina Pemerintahan Desa",
        "Ditjen Bina Pemdes",
        "Direktorat Fasilitasi Peningkatan Kapasitas Aparatur Desa",
    ),
    # The source writes "Ditjen Bina Bina Keuda", a doubled word; the directorate general is
    # Bina Keuangan Daerah.
    (
        "Direktorat Jenderal Bina Keuangan Daerah",
        "Ditjen Bina Keuda",
        "Direktorat Perencanaan Anggaran Daerah",
    ),
    (
        "Direktorat Jenderal Kependudukan dan Pencatatan Sipil",
        "Ditjen Dukcapil",
        "Direktorat Pendaftaran Penduduk",
    ),
    (
        "Badan Penelitian dan Pengembangan",
        "Badan Litbang",
        "Pusat Penelitian dan Pengembangan Inovasi Daerah",
    ),
    (
        "Badan Pengembangan Sumber Daya Manusia",
        "BPSDM",
        "Pusat Pengembangan Kompetensi Pemerintahan Dalam Negeri",
    ),
    ("Institut Pemerintahan Dalam Negeri", "IPDN", "Biro Administrasi Akademik dan Perencanaan"),
)

AGENCY_YEARS = {  # fictional figures for the demo
    2016: (BPKOpinion.WTP, AKIPGrade.B),
    2017: (BPKOpinion.WTP, AKIPGrade.BB),
    2018: (BPKOpinion.WTP, AKIPGrade.BB),
    2019: (BPKOpinion.WTP, AKIPGrade.BB),
    2020: (BPKOpinion.WTP, AKIPGrade.BB),
    2021: (BPKOpinion.WTP, AKIPGrade.BB),
    2022: (BPKOpinion.WTP, AKIPGrade.A),
    2023: (BPKOpinion.WTP, AKIPGrade.A),
    2024: (BPKOpinion.WTP, AKIPGrade.A),
}

# Development-only accounts, documented in README; one per role.
DEMO_USERS: tuple[tuple[Role, str, str], ...] = (
    (Role.INSPEKTUR, "inspektur@demo.zi-portal.test", "Ina Inspektur"),
    (Role.KOORDINATOR, "koordinator@demo.zi-portal.test", "Kori Koordinator"),
    (Role.ADMIN_ZI, "admin@demo.zi-portal.test", "Adi Admin ZI"),
    (Role.TPI, "tpi@demo.zi-portal.test", "Tia Penilai Internal"),
    (Role.TPN, "tpn@demo.zi-portal.test", "Tono Penilai Nasional"),
)
DEMO_PASSWORD_SUFFIX = "-demo-2026"  # noqa: S105 - password = role + suffix, e.g. "inspektur-demo-2026"


@dataclass(frozen=True)
class Level:
    """Uniform LKE inputs: a fraction for every pengungkit indicator, survey indices for hasil."""

    pengungkit: str
    hasil: str
    anti_corruption_index: str
    service_index: str


STRONG = Level("0.95", "0.95", "3.85", "3.80")  # reaches WBBM on both rulebooks
GOOD = Level("0.80", "0.85", "3.80", "3.40")  # reaches WBK, not WBBM
WEAK = Level("0.62", "0.55", "3.10", "3.00")  # reaches nothing

SURVEYS_ANTI_CORRUPTION = {"survei_persepsi_anti_korupsi", "survei_persepsi_korupsi"}


def lke_inputs(rulebook_id: str, level: Level) -> dict[str, dict[str, float]]:
    """Return inputs for every indicator of a rulebook at the given level."""
    rulebook = load_rulebook(rulebook_id)
    inputs: dict[str, dict[str, float]] = {}
    for indicator in rulebook.indicators:
        if indicator.input == "survey":
            index = (
                level.anti_corruption_index
                if indicator.id in SURVEYS_ANTI_CORRUPTION
                else level.service_index
            )
            inputs[indicator.id] = {"index": float(Fraction(index))}
        elif indicator.component == "hasil":
            inputs[indicator.id] = {"value": float(Fraction(level.hasil))}
        else:
            inputs[indicator.id] = {"value": float(Fraction(level.pengungkit))}
    return inputs


def demo_present(session: Session) -> bool:
    """Return whether the demo agency already exists."""
    return session.scalar(sa.select(Agency.id).where(Agency.name == AGENCY_NAME)) is not None


def database_is_empty(session: Session) -> bool:
    """Return whether no agency has been recorded yet (a fresh installation)."""
    return session.scalar(sa.select(sa.func.count(Agency.id))) == 0


def seed_demo(session: Session, policy: lifecycle.LifecyclePolicy) -> bool:
    """Load the demo data unless it is already there; return whether anything was added."""
    ensure_categories(session)
    if demo_present(session):
        return False
    users = {
        role: create_user(
            session,
            email=email,
            name=name,
            password=role.value + DEMO_PASSWORD_SUFFIX,
            roles=[role],
        )
        for role, email, name in DEMO_USERS
    }
    agency = organisation.create_agency(session, name=AGENCY_NAME, abbreviation="Kemendagri")
    for year, (opinion, grade) in AGENCY_YEARS.items():
        organisation.record_agency_year(
            session, agency, year=year, bpk_opinion=opinion, akip_grade=grade
        )
    units = _create_units(session, agency)
    _declare_2019(session, agency, units)
    _tell_unit_stories(session, units, users[Role.TPN], policy)
    _file_demo_complaints(session, users)
    session.flush()
    return True


def _create_units(session: Session, agency: Agency) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for index, (parent_name, parent_abbr, unit_name) in enumerate(UNITS):
        parent = organisation.create_unit(
            session, agency, name=parent_name, abbreviation=parent_abbr, eselon=Eselon.I
        )
        unit = organisation.create_unit(
            session,
            agency,
            name=unit_name,
            eselon=Eselon.II,
            parent=parent,
            email=f"unit{index + 1}@demo.zi-portal.test",
        )
        units[unit_name] = unit
        lifecycle.record_pact_signatures(
            session,
            unit,
            recorded_on=date(2019, 3, 1),
            leader_signed=True,
            staff_signed=40 + index * 3,
            staff_total=45 + index * 3,
        )
    return units


def _declare_2019(session: Session, agency: Agency, units: dict[str, Unit]) -> None:
    lifecycle.declare(
        session,
        agencies=[agency],
        declared_on=date(2019, 4, 30),
        charter_reference="Piagam Pencanangan Pembangunan Zona Integritas Kemendagri 2019 (contoh)",
        witnesses=[
            ("Perwakilan Komisi Pemberantasan Korupsi", "KPK"),
            ("Perwakilan Ombudsman Republik Indonesia", "Ombudsman RI"),
        ],
        publication_url="https://example.org/contoh/pencanangan-zi-kemendagri-2019",
        place="Jakarta",
    )
    for unit in units.values():
        lifecycle.designate_candidate(session, unit, designated_on=date(2019, 5, 6))


def _win(
    session: Session,
    unit: Unit,
    predicate: PredicateKind,
    rulebook_id: str,
    year: int,
    assessed: date,
    reviewed: date,
    decree: str,
) -> None:
    level = STRONG if predicate == PredicateKind.WBBM else GOOD
    self_assessment = lifecycle.record_assessment(
        session,
        unit,
        rulebook_id=rulebook_id,
        indicators=lke_inputs(rulebook_id, level),
        assessed_on=assessed,
        assessor="TPI Inspektorat Jenderal",
    )
    proposal = lifecycle.propose(
        session,
        unit,
        predicate=predicate,
        year=year,
        assessment=self_assessment,
        submitted_on=assessed,
        evidence_note="Hasil penilaian mandiri TPI dan bukti pendukung.",
    )
    lifecycle.record_review(
        session,
        proposal,
        outcome=ReviewOutcome.MEMENUHI,
        reviewed_on=reviewed,
        notes="Memenuhi syarat (data contoh).",
    )
    lifecycle.award_predicate(session, proposal, decree_number=decree, awarded_on=reviewed)


OLD_RULEBOOK, NEW_RULEBOOK = "permenpanrb-52-2014", "permenpanrb-90-2021"
WBK, WBBM = PredicateKind.WBK, PredicateKind.WBBM
# (unit, predicate, rulebook, qualifying year, self-assessed/proposed on, reviewed/awarded on,
# decree). Dukcapil wins WBK on the old worksheet and WBBM on the new one.
AWARDS = (
    (
        "Direktorat Pendaftaran Penduduk",
        WBK,
        OLD_RULEBOOK,
        2018,
        date(2019, 9, 2),
        date(2019, 12, 10),
        "SK Mendagri 800-001/2019 (contoh)",
    ),
    (
        "Direktorat Pendaftaran Penduduk",
        WBBM,
        NEW_RULEBOOK,
        2021,
        date(2022, 8, 1),
        date(2022, 12, 8),
        "KepmenPANRB 2022/WBBM-001 (contoh)",
    ),
    (
        "Inspektorat III",
        WBK,
        OLD_RULEBOOK,
        2019,
        date(2020, 8, 3),
        date(2020, 12, 9),
        "SK Mendagri 800-014/2020 (contoh)",
    ),
    (
        "Biro Organisasi dan Tatalaksana",
        WBK,
        NEW_RULEBOOK,
        2020,
        date(2021, 8, 2),
        date(2021, 12, 7),
        "SK Mendagri 800-022/2021 (contoh)",
    ),
    (
        "Direktorat Toponimi dan Batas Daerah",
        WBK,
        OLD_RULEBOOK,
        2019,
        date(2020, 8, 3),
        date(2020, 12, 9),
        "SK Mendagri 800-015/2020 (contoh)",
    ),
)


def _tell_unit_stories(session: Session, units: dict[str, Unit], tpn, policy) -> None:
    new = NEW_RULEBOOK
    for unit_name, kind, rulebook_id, year, assessed, reviewed, decree in AWARDS:
        _win(session, units[unit_name], kind, rulebook_id, year, assessed, reviewed, decree)

    # Toponimi won WBK in 2020 (above); a periodic evaluation fails and the TPN revokes it.
    toponimi = units["Direktorat Toponimi dan Batas Daerah"]
    _, case = lifecycle.record_periodic_evaluation(
        session,
        toponimi.active_predicate,
        rulebook_id=new,
        indicators=lke_inputs(new, WEAK),
        evaluated_on=date(2023, 5, 15),
        policy=policy,
        assessor="TPN (contoh)",
    )
    lifecycle.decide_revocation_case(
        session,
        case,
        decision=RevocationStatus.DICABUT,
        decided_on=date(2023, 6, 12),
        reasons="Nilai evaluasi berkala jauh di bawah ambang WBK (data contoh).",
        decree_number="KepmenPANRB 2023/CABUT-004 (contoh)",
        actor=tpn,
        policy=policy,
    )
    lifecycle.log_coaching(
        session,
        toponimi,
        reason=CoachingReason.PASCA_PENCABUTAN,
        held_on=date(2023, 8, 7),
        topic="Perbaikan pengendalian gratifikasi dan layanan pengaduan",
    )

    # A proposal returned by the review, followed by coaching.
    pusat = units["Pusat Pengembangan Kompetensi Pemerintahan Dalam Negeri"]
    self_assessment = lifecycle.record_assessment(
        session,
        pusat,
        rulebook_id=new,
        indicators=lke_inputs(new, GOOD),
        assessed_on=date(2022, 8, 1),
        assessor="TPI Inspektorat Jenderal",
    )
    proposal = lifecycle.propose(
        session,
        pusat,
        predicate=PredicateKind.WBK,
        year=2021,
        assessment=self_assessment,
        submitted_on=date(2022, 8, 1),
    )
    lifecycle.record_review(
        session,
        proposal,
        outcome=ReviewOutcome.TIDAK_MEMENUHI,
        reviewed_on=date(2022, 11, 1),
        notes="Bukti inovasi pelayanan belum memadai (data contoh).",
    )
    lifecycle.log_coaching(
        session,
        pusat,
        reason=CoachingReason.DIKEMBALIKAN,
        held_on=date(2023, 2, 6),
        topic="Pendampingan inovasi pelayanan publik",
    )

    # Candidates still building, with a self-assessment below the WBK thresholds.
    for name in ("Direktorat Organisasi Kemasyarakatan", "Direktorat Fasilitasi KDH dan DPRD"):
        lifecycle.record_assessment(
            session,
            units[name],
            rulebook_id=new,
            indicators=lke_inputs(new, WEAK),
            assessed_on=date(2024, 7, 1),
            assessor="TPI Inspektorat Jenderal",
        )


DEMO_COMPLAINTS = (  # (unit, category, title, channel, privacy, steps to walk)
    (
        "direktorat-pendaftaran-penduduk",
        "pungli",
        "Pungutan untuk mempercepat KTP elektronik",
        "web",
        "rahasia",
        ("verifikasi", "tindak_lanjut"),
    ),
    (
        "direktorat-pendaftaran-penduduk",
        "penundaan-berlarut",
        "Akta kelahiran tiga bulan belum jadi",
        "email",
        "terbuka",
        ("verifikasi",),
    ),
    (
        "inspektorat-iii",
        "gratifikasi",
        "Parsel dari rekanan menjelang hari raya",
        "telegram",
        "anonim",
        (),
    ),
    (
        "biro-organisasi-dan-tatalaksana",
        "kualitas-pelayanan",
        "Layanan informasi tidak menjawab",
        "api",
        "terbuka",
        ("verifikasi", "tindak_lanjut", "selesai"),
    ),
)


def _file_demo_complaints(session: Session, users) -> None:
    """A few fictional complaints so the workspace is not empty on `make run`."""
    from flask import current_app

    from models.enums import Channel, ComplaintOutcome
    from models.enums import ComplaintStatus as S

    from . import triage
    from .intake import ComplaintSubmission, Contact, IntakeSettings, submit_complaint

    settings = IntakeSettings.from_config(current_app.config)
    inspector = users[Role.INSPEKTUR]
    for unit, category, title, channel, privacy, steps in DEMO_COMPLAINTS:
        contact = (
            Contact()
            if privacy == "anonim"
            else Contact(name="Warga Contoh", phone="0812 0000 0000")
        )
        filed = submit_complaint(
            session,
            ComplaintSubmission(
                channel=Channel(channel),
                category=category,
                title=title,
                privacy=privacy,
                unit=unit,
                contact=contact,
                description="Data contoh (fiktif): "
                + title.lower()
                + ", terjadi di loket layanan.",
            ),
            settings,
            acknowledge=False,
        )
        for step in steps:
            triage.change_status(
                session,
                filed.complaint,
                to=S(step),
                actor=inspector,
                config=current_app.config,
                outcome=ComplaintOutcome.SEBAGIAN if step == "selesai" else None,
            )
