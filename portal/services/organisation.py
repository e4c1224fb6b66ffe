"""Agencies, their yearly BPK opinion and AKIP grade, and work units."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import Agency, AgencyYear, Unit, User
from models.enums import AKIPGrade, BPKOpinion, Eselon

from . import audit
from .errors import PreconditionFailed
from .text import slugify

ESELON_ORDER = list(Eselon)


def create_agency(
    session: Session, *, name: str, abbreviation: str | None = None, actor: User | None = None
) -> Agency:
    """Create a government agency (instansi pemerintah)."""
    name = (name or "").strip()
    if not name:
        raise PreconditionFailed(_("Nama instansi wajib diisi."))
    if session.scalar(sa.select(Agency.id).where(Agency.name == name)) is not None:
        raise PreconditionFailed(_("Instansi %(name)s sudah terdaftar.", name=name))
    agency = Agency(name=name, abbreviation=abbreviation, slug=_unique_slug(session, Agency, name))
    session.add(agency)
    audit.record(session, "instansi.dibuat", agency, actor)
    return agency


def record_agency_year(
    session: Session,
    agency: Agency,
    *,
    year: int,
    bpk_opinion: BPKOpinion | None,
    akip_grade: AKIPGrade | None,
    actor: User | None = None,
) -> AgencyYear:
    """Record (or correct) an agency's BPK opinion and AKIP grade for one year."""
    if not 2000 <= year <= 2100:
        raise PreconditionFailed(_("Tahun %(year)d di luar rentang yang masuk akal.", year=year))
    row = agency.year(year)
    if row is None:
        row = AgencyYear(agency=agency, year=year)
        session.add(row)
    row.bpk_opinion = bpk_opinion
    row.akip_grade = akip_grade
    audit.record(
        session,
        "instansi.tahun_dicatat",
        agency,
        actor,
        year=year,
        bpk=bpk_opinion.value if bpk_opinion else None,
        akip=akip_grade.value if akip_grade else None,
    )
    return row


def create_unit(
    session: Session,
    agency: Agency,
    *,
    name: str,
    eselon: Eselon,
    parent: Unit | None = None,
    abbreviation: str | None = None,
    email: str | None = None,
    actor: User | None = None,
) -> Unit:
    """Create a work unit; a child must sit below its parent's eselon within the same agency."""
    name = (name or "").strip()
    failures = []
    if not name:
        failures.append(_("Nama unit wajib diisi."))
    if parent is not None:
        if parent.agency_id != agency.id:
            failures.append(_("Unit induk harus berada di instansi yang sama."))
        elif ESELON_ORDER.index(eselon) <= ESELON_ORDER.index(parent.eselon):
            failures.append(
                _(
                    "Unit eselon %(child)s tidak dapat berada di bawah unit eselon %(parent)s.",
                    child=eselon.value,
                    parent=parent.eselon.value,
                )
            )
    if failures:
        raise PreconditionFailed(failures)
    unit = Unit(
        agency=agency,
        parent=parent,
        name=name,
        abbreviation=abbreviation,
        eselon=eselon,
        email=email,
        slug=_unique_slug(session, Unit, name),
    )
    session.add(unit)
    audit.record(session, "unit.dibuat", unit, actor)
    return unit


def _unique_slug(session: Session, model: type[Agency] | type[Unit], name: str) -> str:
    base = slugify(name)
    slug, n = base, 2
    while session.scalar(sa.select(model.id).where(model.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug
