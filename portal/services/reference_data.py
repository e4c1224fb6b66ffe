"""Reference data every installation needs: the complaint categories of DESIGN.md §4.

Loaded by ``init-db`` and ``seed-demo``; idempotent (existing rows, possibly edited by an
administrator, are left as they are).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Category
from models.enums import Privacy, ReferralBody


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    name: str
    name_en: str
    children: tuple[tuple[str, str, str], ...] = ()
    is_integrity: bool = False
    default_privacy: Privacy = Privacy.TERBUKA
    referral_body: ReferralBody | None = None


CATEGORY_GROUPS: tuple[CategorySpec, ...] = (
    CategorySpec(
        "korupsi",
        "Korupsi (whistleblowing)",
        "Corruption (whistleblowing)",
        (
            ("suap", "Suap", "Bribery"),
            ("gratifikasi", "Gratifikasi", "Gratuities"),
            ("pungli", "Pemerasan/pungutan liar", "Extortion/illegal levies"),
            ("penggelapan-jabatan", "Penggelapan dalam jabatan", "Embezzlement in office"),
            ("benturan-kepentingan", "Benturan kepentingan", "Conflict of interest"),
            ("penyalahgunaan-wewenang", "Penyalahgunaan wewenang", "Abuse of authority"),
            ("perbuatan-curang", "Perbuatan curang/kerugian negara", "Fraud/state losses"),
        ),
        is_integrity=True,
        default_privacy=Privacy.RAHASIA,
        referral_body=ReferralBody.KPK,
    ),
    CategorySpec(
        "maladministrasi",
        "Maladministrasi",
        "Maladministration",
        (
            ("penundaan-berlarut", "Penundaan berlarut", "Undue delay"),
            ("tidak-memberikan-pelayanan", "Tidak memberikan pelayanan", "Failure to serve"),
            ("tidak-kompeten", "Tidak kompeten", "Incompetence"),
            ("penyimpangan-prosedur", "Penyimpangan prosedur", "Deviation from procedure"),
            ("permintaan-imbalan", "Permintaan imbalan", "Request for payment"),
            ("tidak-patut", "Tidak patut", "Improper conduct"),
            ("berpihak", "Berpihak", "Partiality"),
            ("diskriminasi", "Diskriminasi", "Discrimination"),
            ("konflik-kepentingan", "Konflik kepentingan", "Conflict of interest"),
        ),
        referral_body=ReferralBody.OMBUDSMAN,
    ),
    CategorySpec(
        "kode-etik",
        "Pelanggaran kode etik/disiplin",
        "Ethics or discipline violation",
        default_privacy=Privacy.RAHASIA,
        referral_body=ReferralBody.APIP,
    ),
    CategorySpec(
        "kualitas-pelayanan",
        "Kualitas pelayanan",
        "Quality of service",
        referral_body=ReferralBody.LAPOR,
    ),
    CategorySpec("aspirasi", "Aspirasi", "Suggestion", referral_body=ReferralBody.LAPOR),
    CategorySpec(
        "permintaan-informasi",
        "Permintaan informasi",
        "Information request",
        referral_body=ReferralBody.LAPOR,
    ),
)


def ensure_categories(session: Session) -> int:
    """Create any missing category; return how many were added."""
    existing = set(session.scalars(sa.select(Category.slug)))
    added = 0
    for position, group in enumerate(CATEGORY_GROUPS):
        parent = session.scalar(sa.select(Category).where(Category.slug == group.slug))
        if parent is None:
            parent = Category(
                slug=group.slug,
                name=group.name,
                name_en=group.name_en,
                position=position,
                is_integrity=group.is_integrity,
                default_privacy=group.default_privacy,
                referral_body=group.referral_body,
            )
            session.add(parent)
            added += 1
        for child_position, (slug, name, name_en) in enumerate(group.children):
            if slug in existing:
                continue
            session.add(
                Category(
                    slug=slug,
                    name=name,
                    name_en=name_en,
                    parent=parent,
                    position=child_position,
                    is_integrity=group.is_integrity,
                    default_privacy=group.default_privacy,
                    referral_body=group.referral_body,
                )
            )
            added += 1
    session.flush()
    return added
