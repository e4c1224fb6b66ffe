"""``gen_*`` helpers: build domain objects through the services, with defaults and overrides."""

from __future__ import annotations

import io
import itertools
from datetime import date

from PIL import Image

from models import Agency, Unit
from models.enums import AKIPGrade, BPKOpinion, Eselon, PredicateKind, ReviewOutcome, Role
from portal.services import accounts, lifecycle, organisation
from portal.services.demo import GOOD, STRONG, WEAK, lke_inputs

_seq = itertools.count(1)
RULEBOOK = "permenpanrb-90-2021"
LEVELS = {"WBBM": STRONG, "WBK": GOOD, None: WEAK}


def gen_agency(session, *, name: str | None = None, years: dict | None = None) -> Agency:
    agency = organisation.create_agency(session, name=name or f"Instansi Uji {next(_seq)}")
    default_years = {y: (BPKOpinion.WTP, AKIPGrade.BB) for y in range(2018, 2025)}
    for year, (opinion, grade) in (default_years if years is None else years).items():
        organisation.record_agency_year(
            session, agency, year=year, bpk_opinion=opinion, akip_grade=grade
        )
    return agency


def gen_unit(
    session,
    agency: Agency,
    *,
    name: str | None = None,
    eselon: Eselon = Eselon.II,
    parent: Unit | None = None,
    pact: bool = True,
) -> Unit:
    unit = organisation.create_unit(
        session, agency, name=name or f"Direktorat Uji {next(_seq)}", eselon=eselon, parent=parent
    )
    if pact:
        lifecycle.record_pact_signatures(
            session,
            unit,
            recorded_on=date(2019, 1, 10),
            leader_signed=True,
            staff_signed=90,
            staff_total=100,
        )
    return unit


def gen_user(session, role: Role = Role.TPN, *, email: str | None = None, unit=None):
    return accounts.create_user(
        session,
        email=email or f"user{next(_seq)}@uji.test",
        name="Pengguna Uji",
        password="kata-sandi-uji-123",
        roles=[role],
        unit=unit,
    )


def gen_declaration(session, *agencies: Agency, on: date = date(2019, 4, 30)):
    return lifecycle.declare(
        session,
        agencies=list(agencies),
        declared_on=on,
        charter_reference="Piagam Uji 01/2019",
        witnesses=[("Saksi KPK", "KPK")],
        today=date(2026, 1, 1),
    )


def gen_candidate(session, *, agency: Agency | None = None, **unit_kwargs) -> Unit:
    agency = agency or gen_agency(session)
    unit = gen_unit(session, agency, **unit_kwargs)
    if not agency.units or not _has_declaration(session, agency):
        gen_declaration(session, agency)
    lifecycle.designate_candidate(session, unit, designated_on=date(2019, 5, 6))
    return unit


def _has_declaration(session, agency: Agency) -> bool:
    return lifecycle._declared(session, agency, date(2100, 1, 1))


def gen_assessment(
    session,
    unit: Unit,
    level: str | None = "WBK",
    *,
    rulebook: str = RULEBOOK,
    on: date = date(2022, 8, 1),
    **kwargs,
):
    return lifecycle.record_assessment(
        session,
        unit,
        rulebook_id=rulebook,
        indicators=lke_inputs(rulebook, LEVELS[level]),
        assessed_on=on,
        **kwargs,
    )


def gen_predicate(
    session,
    unit: Unit,
    kind: PredicateKind = PredicateKind.WBK,
    *,
    year: int = 2021,
    on: date = date(2022, 8, 1),
):
    """Take ``unit`` through self-assessment, proposal, review and award."""
    assessment = gen_assessment(session, unit, kind.value, on=on)
    proposal = lifecycle.propose(
        session, unit, predicate=kind, year=year, assessment=assessment, submitted_on=on
    )
    lifecycle.record_review(
        session, proposal, outcome=ReviewOutcome.MEMENUHI, reviewed_on=on.replace(month=12)
    )
    return lifecycle.award_predicate(
        session, proposal, decree_number=f"SK-{next(_seq)}", awarded_on=on.replace(month=12)
    )


def photo_with_gps() -> bytes:
    """A JPEG carrying a camera model and GPS coordinates in its EXIF."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "KameraRahasia X1"  # Model
    exif[0x8825] = {1: "S", 2: (6.0, 10.0, 30.0), 3: "E", 4: (106.0, 49.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()
