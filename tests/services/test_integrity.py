"""Integrity rules open revocation reviews exactly once, and only when they should."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditEntry, IntegrityRule, OutboundMessage, RevocationCase
from models.enums import (
    Channel,
    ComplaintOutcome,
    ComplaintStatus,
    OutboundChannel,
    PredicateKind,
    RevocationCause,
    Role,
)
from portal.services import integrity, triage
from portal.services.errors import NotPermitted, PreconditionFailed
from portal.services.intake import ComplaintSubmission, Contact, IntakeSettings, submit_complaint
from portal.services.reference_data import ensure_categories
from tests.factories import gen_candidate, gen_predicate, gen_user
from tests.public.conftest import form_tokens

S = ComplaintStatus
PASSWORD = "kata-sandi-uji-123"


@pytest.fixture
def world(session, app):
    ensure_categories(session)
    unit = gen_candidate(session, name="Direktorat Berpredikat")
    predicate = gen_predicate(session, unit, PredicateKind.WBK)
    plain = gen_candidate(session, name="Direktorat Tanpa Predikat")
    inspector = gen_user(session, Role.INSPEKTUR, email="ina@uji.test")
    gen_user(session, Role.TPI, email="tpi@uji.test")
    unit.email = "kepala@unit.test"
    session.commit()
    return {
        "unit": unit,
        "plain": plain,
        "predicate": predicate,
        "inspector": inspector,
        "config": app.config,
    }


def close(session, app, world, unit, category, outcome, *, channel=Channel.WEB, contact=None):
    filed = submit_complaint(
        session,
        ComplaintSubmission(
            channel=channel,
            category=category,
            title="Laporan uji integritas",
            description="Pejabat meminta imbalan untuk memproses berkas warga.",
            unit=unit.slug,
            contact=contact or Contact(email="warga@contoh.test"),
        ),
        IntakeSettings.from_config(app.config),
    )
    complaint = filed.complaint
    for step in (S.VERIFIKASI, S.TINDAK_LANJUT):
        triage.change_status(
            session, complaint, to=step, actor=world["inspector"], config=app.config
        )
    triage.change_status(
        session,
        complaint,
        to=S.SELESAI,
        outcome=outcome,
        actor=world["inspector"],
        config=app.config,
    )
    session.commit()
    return complaint


def cases(session):
    return session.scalars(sa.select(RevocationCase)).all()


def test_a_substantiated_integrity_complaint_opens_one_review(session, app, world):
    complaint = close(session, app, world, world["unit"], "suap", ComplaintOutcome.TERBUKTI)
    (case,) = cases(session)
    assert case.cause == RevocationCause.PENGADUAN_INTEGRITAS
    assert case.rule_id == "pengaduan-integritas-terbukti" and case.complaints == [complaint]
    recipients = set(session.scalars(sa.select(OutboundMessage.recipient)))
    assert {"kepala@unit.test", "tpi@uji.test", "warga@contoh.test"} <= recipients
    told = session.scalar(
        sa.select(OutboundMessage).where(OutboundMessage.subject.contains("mendorong peninjauan"))
    )
    assert "warga@contoh.test" not in told.body and "Pejabat meminta" not in told.body


def test_a_second_one_while_the_case_is_open_is_linked_not_duplicated(session, app, world):
    close(session, app, world, world["unit"], "suap", ComplaintOutcome.TERBUKTI)
    second = close(session, app, world, world["unit"], "gratifikasi", ComplaintOutcome.TERBUKTI)
    (case,) = cases(session)
    assert second in case.complaints and len(case.complaints) == 2


@pytest.mark.parametrize(
    ("unit_key", "category", "outcome"),
    [
        ("plain", "suap", ComplaintOutcome.TERBUKTI),  # no predicate to review
        ("unit", "suap", ComplaintOutcome.TIDAK_TERBUKTI),  # not substantiated
        ("unit", "aspirasi", ComplaintOutcome.TERBUKTI),  # not an integrity category
    ],
)
def test_the_rule_does_not_fire_when_it_should_not(
    session, app, world, unit_key, category, outcome
):
    close(session, app, world, world[unit_key], category, outcome)
    assert cases(session) == []


def test_a_switched_off_rule_does_nothing(session, app, world):
    integrity.ensure_rules(session)
    session.get(IntegrityRule, "pengaduan-integritas-terbukti").active = False
    session.commit()
    close(session, app, world, world["unit"], "suap", ComplaintOutcome.TERBUKTI)
    assert cases(session) == []


def test_repeated_maladministration_against_a_wbbm_unit(session, app, world):
    unit = gen_candidate(session, name="Direktorat Bintang")
    gen_predicate(session, unit, PredicateKind.WBK, year=2020, on=date(2021, 8, 2))
    gen_predicate(session, unit, PredicateKind.WBBM, year=2022, on=date(2023, 8, 1))
    session.commit()
    for _ in range(3):
        close(session, app, world, unit, "penundaan-berlarut", ComplaintOutcome.SEBAGIAN)
    assert cases(session) == []  # three is the limit, not yet more than it
    close(session, app, world, unit, "diskriminasi", ComplaintOutcome.TERBUKTI)
    (case,) = cases(session)
    assert case.cause == RevocationCause.MALADMINISTRASI_BERULANG and len(case.complaints) == 4


def test_maladministration_rule_spares_wbk_units(session, app, world):
    for _ in range(5):
        close(session, app, world, world["unit"], "penundaan-berlarut", ComplaintOutcome.TERBUKTI)
    assert cases(session) == []


def test_an_inspector_reports_an_event(session, app, world):
    case = integrity.report_event(
        session,
        world["unit"],
        actor=world["inspector"],
        description="Kepala unit ditetapkan tersangka oleh KPK.",
        config=app.config,
    )
    session.commit()
    assert case.cause == RevocationCause.PERISTIWA
    with pytest.raises(PreconditionFailed):
        integrity.report_event(
            session,
            world["plain"],
            actor=world["inspector"],
            description="Peristiwa di unit tanpa predikat.",
            config=app.config,
        )
    with pytest.raises(NotPermitted):
        integrity.report_event(
            session,
            world["unit"],
            actor=gen_user(session, Role.TPI),
            description="Bukan wewenang TPI.",
            config=app.config,
        )


def test_rules_are_tuned_by_admin_zi_only_and_audited(session, app, world):
    integrity.ensure_rules(session)
    rule = session.get(IntegrityRule, "maladministrasi-berulang")
    with pytest.raises(NotPermitted):
        integrity.update_rule(
            session,
            rule,
            actor=world["inspector"],
            active=True,
            predicates=["WBBM"],
            parameters={"limit": 1},
        )
    admin = gen_user(session, Role.ADMIN_ZI)
    with pytest.raises(PreconditionFailed, match="bilangan bulat"):
        integrity.update_rule(
            session,
            rule,
            actor=admin,
            active=True,
            predicates=["WBBM"],
            parameters={"limit": "tiga", "window_months": 12},
        )
    integrity.update_rule(
        session,
        rule,
        actor=admin,
        active=True,
        predicates=["WBK", "WBBM"],
        parameters={"limit": 1, "window_months": 6},
    )
    session.commit()
    assert rule.parameters == {"limit": 1, "window_months": 6}
    assert session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "aturan.diubah"))


def login(client, email):
    client.post(
        "/masuk", data={**form_tokens(client, "/masuk"), "email": email, "password": PASSWORD}
    )


def test_from_a_telegram_complaint_to_the_public_unit_page(session, app, world, client):
    complaint = close(
        session,
        app,
        world,
        world["unit"],
        "pungli",
        ComplaintOutcome.TERBUKTI,
        channel=Channel.TELEGRAM,
        contact=Contact(telegram_chat_id=777000111),
    )
    (case,) = cases(session)
    telegram = session.scalars(
        sa.select(OutboundMessage).where(OutboundMessage.channel == OutboundChannel.TELEGRAM)
    ).all()
    assert any("peninjauan" in m.body for m in telegram)  # the reporter is told, in Telegram
    gen_user(session, Role.TPN, email="tpn@uji.test")
    session.commit()
    login(client, "tpn@uji.test")
    page = client.get(f"/admin/pencabutan/{case.id}").get_data(as_text=True)
    assert complaint.code in page and "777000111" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    decided = client.post(
        f"/admin/pencabutan/{case.id}",
        data={
            "csrf_token": token,
            "putusan": "dicabut",
            "tanggal": date.today().isoformat(),
            "nomor_sk": "KEP-99/2026",
            "alasan": "Pungutan liar terbukti di loket.",
        },
    )
    assert decided.status_code == 302
    public = client.get(f"/unit/{world['unit'].slug}").get_data(as_text=True)
    assert "predikat dicabut" in public and "Pungutan liar terbukti di loket." in public
    session.expire_all()
    assert world["unit"].proposal_banned_until is not None
