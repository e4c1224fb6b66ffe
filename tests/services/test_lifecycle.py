"""The ZI lifecycle services: every precondition refused with its reason, and the happy paths."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from models import AuditEntry, RevocationCase
from models.enums import (
    AKIPGrade,
    AssessmentKind,
    BPKOpinion,
    CoachingReason,
    Eselon,
    PredicateEnd,
    PredicateKind,
    ProposalStatus,
    ReviewOutcome,
    ReviewTeam,
    RevocationCause,
    RevocationStatus,
    Role,
    ZIStage,
)
from portal.services import lifecycle
from portal.services.demo import GOOD, WEAK, lke_inputs
from portal.services.errors import InvalidAssessment, NotPermitted, PreconditionFailed
from tests.factories import (
    gen_agency,
    gen_assessment,
    gen_candidate,
    gen_declaration,
    gen_predicate,
    gen_unit,
    gen_user,
)

POLICY = lifecycle.LifecyclePolicy(ban_years=2, decision_days=30)


def refused(excinfo) -> str:
    return " | ".join(excinfo.value.reasons)


# --- declaration ------------------------------------------------------------------------------


def test_declaration_records_witnesses_and_joint_agencies(session):
    first, second = gen_agency(session), gen_agency(session)
    gen_unit(session, first)
    gen_unit(session, second)
    declaration = lifecycle.declare(
        session,
        agencies=[first, second],
        declared_on=date(2019, 4, 30),
        charter_reference="Piagam 1/2019",
        witnesses=[("Ani", "KPK"), ("Budi", "Ombudsman RI")],
        publication_url="https://example.org/berita",
        today=date(2019, 5, 1),
    )
    assert declaration.is_joint
    assert [w.organisation for w in declaration.witnesses] == ["KPK", "Ombudsman RI"]


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"agencies": []}, "setidaknya satu instansi"),
        ({"charter_reference": "  "}, "piagam pencanangan wajib diisi"),
        ({"declared_on": date(2030, 1, 1)}, "tidak boleh di masa depan"),
        ({"publication_url": "javascript:alert(1)"}, "alamat web"),
        ({"witnesses": [("", "KPK")]}, "nama dan lembaga"),
    ],
)
def test_declaration_refuses_bad_input(session, kwargs, reason):
    agency = gen_agency(session)
    gen_unit(session, agency)
    args = {
        "agencies": [agency],
        "declared_on": date(2019, 4, 30),
        "charter_reference": "Piagam 1/2019",
        "today": date(2019, 5, 1),
    } | kwargs
    with pytest.raises(PreconditionFailed) as excinfo:
        lifecycle.declare(session, **args)
    assert reason in refused(excinfo)


def test_declaration_needs_integrity_pacts(session):
    agency = gen_agency(session)
    gen_unit(session, agency, pact=False)
    with pytest.raises(PreconditionFailed) as excinfo:
        gen_declaration(session, agency)
    assert "belum mencatat penandatanganan Pakta Integritas" in refused(excinfo)


def test_declaration_needs_leaders_and_most_staff_signed(session):
    agency = gen_agency(session)
    unit = gen_unit(session, agency, pact=False, name="Direktorat Lambat")
    lifecycle.record_pact_signatures(
        session,
        unit,
        recorded_on=date(2019, 1, 1),
        leader_signed=False,
        staff_signed=50,
        staff_total=100,
    )
    with pytest.raises(PreconditionFailed) as excinfo:
        gen_declaration(session, agency)
    message = refused(excinfo)
    assert (
        "Pimpinan unit berikut belum menandatangani Pakta Integritas: Direktorat Lambat" in message
    )
    assert "Baru 50 dari 100 pegawai" in message


def test_pact_counts_are_validated(session):
    unit = gen_unit(session, gen_agency(session), pact=False)
    with pytest.raises(PreconditionFailed, match="melebihi jumlah pegawai"):
        lifecycle.record_pact_signatures(
            session,
            unit,
            recorded_on=date(2019, 1, 1),
            leader_signed=True,
            staff_signed=11,
            staff_total=10,
        )


# --- candidate designation --------------------------------------------------------------------


def test_designation_refuses_eselon_iv(session):
    agency = gen_agency(session)
    parent = gen_unit(session, agency, eselon=Eselon.III)
    unit = gen_unit(session, agency, eselon=Eselon.IV, parent=parent, name="Seksi Uji")
    gen_declaration(session, agency)
    with pytest.raises(PreconditionFailed) as excinfo:
        lifecycle.designate_candidate(session, unit, designated_on=date(2019, 6, 1))
    assert "Seksi Uji adalah unit eselon IV" in refused(excinfo)


def test_designation_refuses_before_declaration(session):
    agency = gen_agency(session)
    unit = gen_unit(session, agency)
    with pytest.raises(PreconditionFailed) as excinfo:
        lifecycle.designate_candidate(session, unit, designated_on=date(2019, 6, 1))
    assert "belum melakukan pencanangan" in refused(excinfo)


def test_designation_refuses_twice(session):
    unit = gen_candidate(session)
    with pytest.raises(PreconditionFailed, match="sudah berada pada tahap 'calon'"):
        lifecycle.designate_candidate(session, unit, designated_on=date(2019, 6, 1))


def test_unit_cannot_sit_below_a_lower_eselon(session):
    agency = gen_agency(session)
    parent = gen_unit(session, agency, eselon=Eselon.II)
    with pytest.raises(PreconditionFailed, match="eselon II tidak dapat berada di bawah"):
        gen_unit(session, agency, eselon=Eselon.II, parent=parent)


# --- assessment -------------------------------------------------------------------------------


def test_assessment_stores_every_indicator_and_the_score(session):
    unit = gen_candidate(session)
    assessment = gen_assessment(session, unit, "WBK")
    assert assessment.predicate_reached == PredicateKind.WBK
    assert len(assessment.values) == len(assessment.result["indicators"]) > 20
    assert assessment.total == assessment.result["total"]


def test_assessment_refuses_a_unit_not_designated(session):
    unit = gen_unit(session, gen_agency(session))
    with pytest.raises(PreconditionFailed, match="belum ditetapkan sebagai calon"):
        gen_assessment(session, unit)


def test_assessment_reports_every_bad_input(session):
    unit = gen_candidate(session)
    with pytest.raises(InvalidAssessment) as excinfo:
        lifecycle.record_assessment(
            session,
            unit,
            rulebook_id="permenpanrb-90-2021",
            indicators={"tidak_ada": {"value": 2}},
            assessed_on=date(2022, 1, 1),
        )
    assert len(excinfo.value.reasons) > 10  # the unknown id and every missing indicator
    assert any("tidak_ada" in r for r in excinfo.value.reasons)


def test_assessment_refuses_an_unknown_rulebook(session):
    unit = gen_candidate(session)
    with pytest.raises(PreconditionFailed, match="tidak dikenal"):
        lifecycle.record_assessment(
            session,
            unit,
            rulebook_id="permenpanrb-1-1900",
            indicators={},
            assessed_on=date(2022, 1, 1),
        )


# --- proposal ---------------------------------------------------------------------------------


def propose(session, unit, kind=PredicateKind.WBK, *, level="WBK", year=2021, on=date(2022, 8, 1)):
    assessment = gen_assessment(session, unit, level, on=on)
    return lifecycle.propose(
        session, unit, predicate=kind, year=year, assessment=assessment, submitted_on=on
    )


def test_wbk_proposal_needs_wtp_for_the_year(session):
    agency = gen_agency(session, years={2021: (BPKOpinion.WDP, AKIPGrade.BB)})
    unit = gen_candidate(session, agency=agency)
    with pytest.raises(PreconditionFailed) as excinfo:
        propose(session, unit)
    assert "tahun 2021 adalah WDP; usulan WBK memerlukan WTP" in refused(excinfo)


def test_wbk_proposal_needs_akip_cc_or_better(session):
    agency = gen_agency(session, years={2021: (BPKOpinion.WTP, AKIPGrade.C)})
    unit = gen_candidate(session, agency=agency)
    with pytest.raises(PreconditionFailed) as excinfo:
        propose(session, unit)
    assert "Nilai AKIP" in refused(excinfo) and "adalah C; minimal CC" in refused(excinfo)


def test_wbk_proposal_accepts_akip_exactly_cc(session):
    agency = gen_agency(session, years={2021: (BPKOpinion.WTP, AKIPGrade.CC)})
    unit = gen_candidate(session, agency=agency)
    assert propose(session, unit).status == ProposalStatus.DIAJUKAN
    assert unit.zi_stage == ZIStage.DIUSULKAN


def test_wbk_proposal_names_missing_year_figures(session):
    agency = gen_agency(session, years={})
    unit = gen_candidate(session, agency=agency)
    with pytest.raises(PreconditionFailed) as excinfo:
        propose(session, unit)
    assert "belum dicatat" in refused(excinfo)


def test_proposal_needs_a_self_assessment_reaching_the_predicate(session):
    unit = gen_candidate(session)
    with pytest.raises(PreconditionFailed) as excinfo:
        propose(session, unit, level=None)
    assert "belum mencapai predikat WBK" in refused(excinfo)


def test_proposal_refuses_another_units_assessment(session):
    agency = gen_agency(session)
    unit = gen_candidate(session, agency=agency)
    other = gen_candidate(session, agency=agency)
    assessment = gen_assessment(session, other, "WBK")
    with pytest.raises(PreconditionFailed, match="penilaian mandiri TPI atas unit ini"):
        lifecycle.propose(
            session,
            unit,
            predicate=PredicateKind.WBK,
            year=2021,
            assessment=assessment,
            submitted_on=date(2022, 8, 1),
        )


def test_proposal_refuses_a_second_pending_one(session):
    unit = gen_candidate(session)
    propose(session, unit)
    with pytest.raises(PreconditionFailed, match="belum selesai"):
        propose(session, unit)


def test_proposal_refuses_a_unit_not_designated(session):
    agency = gen_agency(session)
    unit = gen_unit(session, agency)
    gen_declaration(session, agency)
    assessment = lifecycle.record_assessment(
        session,
        unit,
        rulebook_id="permenpanrb-90-2021",
        indicators=lke_inputs("permenpanrb-90-2021", GOOD),
        assessed_on=date(2022, 8, 1),
        kind=AssessmentKind.REVIU,
    )
    with pytest.raises(PreconditionFailed) as excinfo:
        lifecycle.propose(
            session,
            unit,
            predicate=PredicateKind.WBK,
            year=2021,
            assessment=assessment,
            submitted_on=date(2022, 8, 1),
        )
    assert "belum ditetapkan sebagai calon" in refused(excinfo)


def test_wbbm_proposal_needs_a_held_wbk(session):
    unit = gen_candidate(session)
    with pytest.raises(PreconditionFailed) as excinfo:
        propose(session, unit, PredicateKind.WBBM, level="WBBM")
    assert "hanya untuk unit yang sedang memegang predikat WBK" in refused(excinfo)


def test_wbbm_proposal_needs_wtp_two_consecutive_years(session):
    agency = gen_agency(
        session,
        years={
            2022: (BPKOpinion.WDP, AKIPGrade.BB),
            2023: (BPKOpinion.WTP, AKIPGrade.BB),
            2021: (BPKOpinion.WTP, AKIPGrade.BB),
        },
    )
    unit = gen_candidate(session, agency=agency)
    gen_predicate(session, unit, year=2021)
    with pytest.raises(PreconditionFailed) as excinfo:
        propose(session, unit, PredicateKind.WBBM, level="WBBM", year=2023, on=date(2024, 3, 1))
    assert "tahun 2022 adalah WDP" in refused(excinfo)
    assert "selama 2 tahun berturut-turut" in refused(excinfo)


def test_wbk_proposal_refused_while_holding_wbk(session):
    unit = gen_candidate(session)
    gen_predicate(session, unit)
    with pytest.raises(PreconditionFailed, match="sudah memegang predikat WBK"):
        propose(session, unit, on=date(2023, 8, 1), year=2022)


# --- review and award -------------------------------------------------------------------------


def test_review_must_come_from_the_national_team(session):
    proposal = propose(session, gen_candidate(session))
    with pytest.raises(PreconditionFailed, match="Tim Penilai Nasional"):
        lifecycle.record_review(
            session,
            proposal,
            outcome=ReviewOutcome.MEMENUHI,
            reviewed_on=date(2022, 12, 1),
            team=ReviewTeam.TPI,
        )


def test_review_not_before_the_proposal(session):
    proposal = propose(session, gen_candidate(session))
    with pytest.raises(PreconditionFailed, match="sebelum tanggal usulan"):
        lifecycle.record_review(
            session, proposal, outcome=ReviewOutcome.MEMENUHI, reviewed_on=date(2022, 1, 1)
        )


def test_returned_proposal_needs_reasons_and_sends_the_unit_to_coaching(session):
    unit = gen_candidate(session)
    proposal = propose(session, unit)
    with pytest.raises(PreconditionFailed, match="alasan"):
        lifecycle.record_review(
            session, proposal, outcome=ReviewOutcome.TIDAK_MEMENUHI, reviewed_on=date(2022, 12, 1)
        )
    lifecycle.record_review(
        session,
        proposal,
        outcome=ReviewOutcome.TIDAK_MEMENUHI,
        reviewed_on=date(2022, 12, 1),
        notes="Bukti kurang",
    )
    assert proposal.status == ProposalStatus.DIKEMBALIKAN
    assert unit.zi_stage == ZIStage.PEMBINAAN
    with pytest.raises(PreconditionFailed, match="sudah direviu"):
        lifecycle.record_review(
            session, proposal, outcome=ReviewOutcome.MEMENUHI, reviewed_on=date(2022, 12, 2)
        )


def test_review_score_must_reach_the_predicate_to_pass(session):
    unit = gen_candidate(session)
    proposal = propose(session, unit)
    weak = gen_assessment(session, unit, None, kind=AssessmentKind.REVIU)
    with pytest.raises(PreconditionFailed, match="Nilai reviu"):
        lifecycle.record_review(
            session,
            proposal,
            outcome=ReviewOutcome.MEMENUHI,
            reviewed_on=date(2022, 12, 1),
            assessment=weak,
        )


def test_award_needs_a_passed_review_and_a_decree(session):
    proposal = propose(session, gen_candidate(session))
    with pytest.raises(PreconditionFailed) as excinfo:
        lifecycle.award_predicate(
            session, proposal, decree_number=" ", awarded_on=date(2022, 12, 1)
        )
    assert "dinyatakan memenuhi oleh TPN" in refused(excinfo)
    assert "Nomor surat keputusan" in refused(excinfo)


def test_full_path_from_declaration_to_wbbm(session):
    agency = gen_agency(session)
    unit = gen_unit(session, agency)
    gen_declaration(session, agency)
    lifecycle.designate_candidate(session, unit, designated_on=date(2019, 5, 6))
    wbk = gen_predicate(session, unit, PredicateKind.WBK, year=2020, on=date(2021, 8, 2))
    assert unit.zi_stage == ZIStage.WBK and unit.active_predicate is wbk

    wbbm = gen_predicate(session, unit, PredicateKind.WBBM, year=2022, on=date(2023, 8, 1))
    assert unit.zi_stage == ZIStage.WBBM
    assert unit.active_predicate is wbbm
    assert wbk.end_reason == PredicateEnd.DITINGKATKAN and not wbk.is_active
    actions = session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("predikat.ditetapkan") == 2


# --- revocation -------------------------------------------------------------------------------


def test_revocation_case_needs_a_held_predicate(session):
    unit = gen_candidate(session)
    with pytest.raises(PreconditionFailed, match="tidak sedang memegang predikat"):
        lifecycle.open_revocation_case(
            session,
            unit,
            cause=RevocationCause.PERISTIWA,
            summary="Pejabat ditetapkan tersangka",
            opened_on=date(2023, 1, 1),
            policy=POLICY,
        )


def open_case(session, unit, cause=RevocationCause.PERISTIWA, on=date(2023, 1, 10)):
    return lifecycle.open_revocation_case(
        session,
        unit,
        cause=cause,
        summary="Pejabat ditetapkan tersangka",
        opened_on=on,
        policy=POLICY,
    )


def test_revocation_case_gets_a_deadline_and_no_duplicate(session):
    unit = gen_candidate(session)
    gen_predicate(session, unit)
    case = open_case(session, unit)
    assert case.decide_by == date(2023, 2, 9)
    with pytest.raises(PreconditionFailed, match="sebab yang sama"):
        open_case(session, unit)


def test_database_refuses_two_open_cases_for_one_cause(session):
    unit = gen_candidate(session)
    predicate = gen_predicate(session, unit)
    open_case(session, unit)
    session.commit()
    session.add(
        RevocationCase(
            unit=unit,
            predicate=predicate,
            cause=RevocationCause.PERISTIWA,
            summary="lagi",
            opened_on=date(2023, 1, 11),
            decide_by=date(2023, 2, 1),
        )
    )
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_only_tpn_decides_revocation(session):
    unit = gen_candidate(session)
    gen_predicate(session, unit)
    case = open_case(session, unit)
    inspector = gen_user(session, Role.INSPEKTUR)
    with pytest.raises(NotPermitted):
        lifecycle.decide_revocation_case(
            session,
            case,
            decision=RevocationStatus.DICABUT,
            decided_on=date(2023, 2, 1),
            reasons="x",
            decree_number="K-1",
            actor=inspector,
            policy=POLICY,
        )


def test_revocation_needs_decree_and_reasons(session):
    unit = gen_candidate(session)
    gen_predicate(session, unit)
    case = open_case(session, unit)
    with pytest.raises(PreconditionFailed) as excinfo:
        lifecycle.decide_revocation_case(
            session,
            case,
            decision=RevocationStatus.DICABUT,
            decided_on=date(2023, 2, 1),
            reasons=" ",
            actor=gen_user(session),
            policy=POLICY,
        )
    assert "Alasan putusan wajib diisi" in refused(excinfo)
    assert "Nomor keputusan pencabutan wajib diisi" in refused(excinfo)


def test_revocation_ends_the_predicate_and_bans_proposals_for_two_years(session):
    unit = gen_candidate(session)
    predicate = gen_predicate(session, unit)
    case = open_case(session, unit)
    lifecycle.decide_revocation_case(
        session,
        case,
        decision=RevocationStatus.DICABUT,
        decided_on=date(2023, 2, 1),
        reasons="Terbukti suap",
        decree_number="KEP-9/2023",
        actor=gen_user(session),
        policy=POLICY,
    )
    assert predicate.revoked_on == date(2023, 2, 1) and not predicate.is_active
    assert unit.zi_stage == ZIStage.DICABUT
    assert unit.proposal_banned_until == date(2025, 2, 1)

    with pytest.raises(PreconditionFailed) as excinfo:
        propose(session, unit, year=2023, on=date(2025, 1, 31))
    assert "tidak dapat diusulkan sampai 2025-02-01" in refused(excinfo)
    assert propose(session, unit, year=2024, on=date(2025, 2, 1)).status == ProposalStatus.DIAJUKAN


def test_ban_period_is_configurable(session):
    unit = gen_candidate(session)
    gen_predicate(session, unit)
    case = open_case(session, unit)
    lifecycle.decide_revocation_case(
        session,
        case,
        decision=RevocationStatus.DICABUT,
        decided_on=date(2024, 2, 29),
        reasons="r",
        decree_number="K",
        actor=gen_user(session),
        policy=lifecycle.LifecyclePolicy(ban_years=3),
    )
    assert unit.proposal_banned_until == date(2027, 2, 28)


def test_kept_predicate_stays_and_case_cannot_be_decided_twice(session):
    unit = gen_candidate(session)
    predicate = gen_predicate(session, unit)
    case = open_case(session, unit)
    tpn = gen_user(session)
    lifecycle.decide_revocation_case(
        session,
        case,
        decision=RevocationStatus.DIPERTAHANKAN,
        decided_on=date(2023, 2, 1),
        reasons="Tidak terbukti",
        actor=tpn,
        policy=POLICY,
    )
    assert predicate.is_active and unit.zi_stage == ZIStage.WBK
    with pytest.raises(PreconditionFailed, match="sudah diputuskan"):
        lifecycle.decide_revocation_case(
            session,
            case,
            decision=RevocationStatus.DICABUT,
            decided_on=date(2023, 2, 2),
            reasons="x",
            decree_number="K",
            actor=tpn,
            policy=POLICY,
        )
    # A new case for the same cause may open once the first is decided.
    assert open_case(session, unit, on=date(2023, 3, 1)).status == RevocationStatus.TERBUKA


def test_failed_periodic_evaluation_opens_one_revocation_case(session):
    unit = gen_candidate(session)
    predicate = gen_predicate(session, unit)
    inputs = lke_inputs("permenpanrb-90-2021", WEAK)
    assessment, case = lifecycle.record_periodic_evaluation(
        session,
        predicate,
        rulebook_id="permenpanrb-90-2021",
        indicators=inputs,
        evaluated_on=date(2024, 5, 1),
        policy=POLICY,
    )
    assert assessment.kind == AssessmentKind.EVALUASI_BERKALA
    assert case.cause == RevocationCause.EVALUASI_BERKALA and case.assessment is assessment
    assert "tidak memenuhi syarat WBK" in case.summary
    _, again = lifecycle.record_periodic_evaluation(
        session,
        predicate,
        rulebook_id="permenpanrb-90-2021",
        indicators=inputs,
        evaluated_on=date(2024, 6, 1),
        policy=POLICY,
    )
    assert again is case
    assert session.scalar(sa.select(sa.func.count(RevocationCase.id))) == 1


def test_passed_periodic_evaluation_opens_nothing(session):
    unit = gen_candidate(session)
    predicate = gen_predicate(session, unit)
    inputs = lke_inputs("permenpanrb-90-2021", GOOD)
    _, case = lifecycle.record_periodic_evaluation(
        session,
        predicate,
        rulebook_id="permenpanrb-90-2021",
        indicators=inputs,
        evaluated_on=date(2024, 5, 1),
        policy=POLICY,
    )
    assert case is None


def test_coaching_is_logged(session):
    unit = gen_candidate(session)
    with pytest.raises(PreconditionFailed, match="Topik pembinaan"):
        lifecycle.log_coaching(
            session, unit, reason=CoachingReason.RUTIN, held_on=date(2023, 1, 1), topic=""
        )
    activity = lifecycle.log_coaching(
        session, unit, reason=CoachingReason.RUTIN, held_on=date(2023, 1, 1), topic="Budaya kerja"
    )
    assert activity.id is not None
