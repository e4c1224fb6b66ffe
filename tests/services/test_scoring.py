"""LKE scoring: exact figures, inclusive thresholds on the rounded figure, and strict inputs."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from models.rulebook import Rulebook, Threshold, load_rulebook, parse_rulebook
from portal.services.scoring import (
    ScoreResult,
    ScoringInputError,
    UnmetThreshold,
    round_half_up,
    score,
)

RB52 = load_rulebook("permenpanrb-52-2014")
RB90 = load_rulebook("permenpanrb-90-2021")
CENT = Fraction(1, 100)


def inputs(rb: Rulebook, default: Any = 1, **overrides: Any) -> dict[str, dict[str, Any]]:
    """Give every indicator {"value": default}, then apply the per-indicator overrides."""
    result: dict[str, dict[str, Any]] = {i.id: {"value": default} for i in rb.indicators}
    result.update(overrides)
    return result


def unmet_names(result: ScoreResult) -> list[tuple[str, str]]:
    return [(u.predicate, u.threshold) for u in result.unmet]


# -- boundaries: one case per threshold of both rulebooks and both predicates -----------------


def _checked(rb: Rulebook, threshold: Threshold) -> tuple[list[str], Fraction]:
    """Return the indicators that make up the checked figure and the figure's full weight."""
    if threshold.kind == "total":
        return [i.id for i in rb.indicators], Fraction(100)
    if threshold.kind == "component":
        return [i.id for i in rb.indicators if i.component == threshold.target], next(
            c.weight for c in rb.components if c.id == threshold.target
        )
    if threshold.kind in ("area", "area_pct"):
        area = next(a for a in rb.areas if a.id == threshold.target)
        return [i.id for i in area.indicators], area.weight
    return [str(threshold.target)], rb.indicator(str(threshold.target)).weight


def inputs_at(rb: Rulebook, threshold: Threshold, figure: Fraction) -> dict[str, Any]:
    """Full marks everywhere except the checked figure, which comes out exactly at ``figure``."""
    ids, weight = _checked(rb, threshold)
    fraction = figure / 100 if threshold.kind == "area_pct" else figure / weight
    assert 0 <= fraction <= 1
    return inputs(rb, **{i: {"value": fraction} for i in ids})


def reported(result: ScoreResult, threshold: Threshold) -> float | None:
    """Return the figure the result shows for the threshold (None for percentages)."""
    if threshold.kind == "total":
        return result.total
    if threshold.kind == "component":
        return getattr(result, str(threshold.target))
    if threshold.kind == "area":
        return result.areas[str(threshold.target)]
    if threshold.kind == "indicator":
        return result.indicators[str(threshold.target)]
    return None  # a percentage is shown only in unmet, computed from the exact area figure


BOUNDARIES = [(rb, t) for rb in (RB52, RB90) for t in rb.thresholds]
BOUNDARY_IDS = [f"{rb.id[12:]}-{t.predicate}-{t.name}" for rb, t in BOUNDARIES]


def test_boundary_cases_cover_every_threshold_of_both_predicates() -> None:
    assert len(BOUNDARIES) == 9 + 24
    assert {(rb.id, t.predicate) for rb, t in BOUNDARIES} == {
        (rb, p) for rb in ("permenpanrb-52-2014", "permenpanrb-90-2021") for p in ("WBK", "WBBM")
    }


@pytest.mark.parametrize(("rb", "threshold"), BOUNDARIES, ids=BOUNDARY_IDS)
def test_figure_exactly_at_the_minimum_passes(rb: Rulebook, threshold: Threshold) -> None:
    result = score(rb, inputs_at(rb, threshold, threshold.minimum))
    assert reported(result, threshold) in (float(threshold.minimum), None)
    assert (threshold.predicate, threshold.name) not in unmet_names(result)


@pytest.mark.parametrize(("rb", "threshold"), BOUNDARIES, ids=BOUNDARY_IDS)
def test_figure_one_cent_below_the_minimum_fails(rb: Rulebook, threshold: Threshold) -> None:
    result = score(rb, inputs_at(rb, threshold, threshold.minimum - CENT))
    expected = UnmetThreshold(
        threshold.predicate,
        threshold.name,
        float(threshold.minimum),
        float(threshold.minimum - CENT),
    )
    assert expected in result.unmet
    assert result.predicate != threshold.predicate
    assert reported(result, threshold) in (float(threshold.minimum - CENT), None)


@pytest.mark.parametrize(("rb", "threshold"), BOUNDARIES, ids=BOUNDARY_IDS)
def test_figure_that_rounds_up_to_the_minimum_passes(rb: Rulebook, threshold: Threshold) -> None:
    result = score(rb, inputs_at(rb, threshold, threshold.minimum - Fraction(1, 200)))
    assert (threshold.predicate, threshold.name) not in unmet_names(result)


@pytest.mark.parametrize(("rb", "threshold"), BOUNDARIES, ids=BOUNDARY_IDS)
def test_figure_that_rounds_down_below_the_minimum_fails(
    rb: Rulebook, threshold: Threshold
) -> None:
    result = score(rb, inputs_at(rb, threshold, threshold.minimum - Fraction(51, 10000)))
    assert (threshold.predicate, threshold.name) in unmet_names(result)


# -- predicates ----------------------------------------------------------------------------


@pytest.mark.parametrize("rb", [RB52, RB90], ids=lambda rb: rb.id)
def test_full_marks_reach_wbbm_with_nothing_unmet(rb: Rulebook) -> None:
    result = score(rb, inputs(rb))
    assert (result.total, result.pengungkit, result.hasil) == (100.0, 60.0, 40.0)
    assert result.predicate == "WBBM"
    assert result.unmet == ()


@pytest.mark.parametrize("rb", [RB52, RB90], ids=lambda rb: rb.id)
def test_zero_misses_every_threshold_in_rulebook_order(rb: Rulebook) -> None:
    result = score(rb, inputs(rb, default=0))
    assert result.predicate is None
    assert unmet_names(result) == [(t.predicate, t.name) for t in rb.thresholds]
    assert [u.predicate for u in result.unmet][0] == "WBK"


def test_wbk_level_input_reaches_wbk_and_lists_the_wbbm_misses_90_2021() -> None:
    pengungkit = {i.id: {"value": 0.75} for i in RB90.indicators if i.component == "pengungkit"}
    result = score(
        RB90,
        inputs(
            RB90,
            survei_persepsi_korupsi={"index": 3.6},
            capaian_kinerja_lebih_baik={"answers": [50]},
            survei_persepsi_kualitas_pelayanan={"index": 3.2},
            **pengungkit,
        ),
    )
    assert (result.total, result.pengungkit, result.hasil) == (77.25, 45.0, 32.25)
    assert result.sections == {"pemenuhan": 22.5, "reform": 22.5}
    assert result.predicate == "WBK"
    assert result.unmet == (
        UnmetThreshold("WBBM", "total_min", 85.0, 77.25),
        UnmetThreshold("WBBM", "pengungkit_min", 48.0, 45.0),
        UnmetThreshold("WBBM", "birokrasi_bersih_akuntabel_min", 19.5, 18.25),
        UnmetThreshold("WBBM", "capaian_kinerja_lebih_baik_min", 3.75, 2.5),
        UnmetThreshold("WBBM", "pelayanan_publik_prima_min", 15.75, 14.0),
    )


def test_wbk_level_input_reaches_wbk_and_lists_the_wbbm_misses_52_2014() -> None:
    pengungkit = {i.id: {"value": 0.75} for i in RB52.indicators if i.component == "pengungkit"}
    result = score(
        RB52,
        inputs(
            RB52,
            survei_persepsi_anti_korupsi={"index": 3.6},
            persentase_penyelesaian_tlhp={"answers": [90]},
            survei_persepsi_kualitas_pelayanan={"index": 3},
            **pengungkit,
        ),
    )
    assert (result.total, result.pengungkit, result.hasil) == (78.0, 45.0, 33.0)
    assert result.sections == {}
    assert result.predicate == "WBK"
    assert result.unmet == (
        UnmetThreshold("WBBM", "total_min", 85.0, 78.0),
        UnmetThreshold("WBBM", "terwujudnya_kualitas_pelayanan_publik_min", 16.0, 15.0),
    )


def test_wbbm_score_without_the_wbk_only_gates() -> None:
    # The unit's prior WBK is unknown to scoring; the gate is recorded for the lifecycle only.
    assert RB90.requires_prior_predicate["WBBM"] == "WBK"
    result = score(
        RB90,
        inputs(
            RB90,
            default=0.9,
            survei_persepsi_korupsi={"index": 3.6},
            survei_persepsi_kualitas_pelayanan={"index": 3.6},
        ),
    )
    assert (result.total, result.pengungkit, result.hasil) == (90.0, 54.0, 36.0)
    assert result.predicate == "WBBM"
    assert result.unmet == ()


def test_result_to_dict_is_json_ready() -> None:
    result = score(RB90, inputs(RB90, default=0))
    data = json.loads(json.dumps(result.to_dict()))
    assert list(data) == [
        "rulebook",
        "total",
        "pengungkit",
        "hasil",
        "sections",
        "areas",
        "indicators",
        "predicate",
        "unmet",
    ]
    assert data["rulebook"] == "permenpanrb-90-2021"
    assert data["unmet"][0] == {
        "predicate": "WBK",
        "threshold": "total_min",
        "required": 75.0,
        "actual": 0.0,
    }
    assert len(data["indicators"]) == 45
    assert len(data["areas"]) == 8


# -- answers, surveys, exact arithmetic ------------------------------------------------------


def indicator_score(rb: Rulebook, indicator_id: str, spec: dict[str, Any]) -> float:
    return score(rb, inputs(rb, **{indicator_id: spec})).indicators[indicator_id]


def test_pn_serang_rencana_pembangunan_zi() -> None:
    # pn-serang LKE 2022: answers Ya, C, (A or Ya) on weight 1.0 show 0.67.
    assert indicator_score(RB90, "rencana_pembangunan_zi", {"answers": ["Ya", "C", "Ya"]}) == 0.67


def test_pn_serang_manajemen_perubahan_pemenuhan() -> None:
    specs = {
        "penyusunan_tim_kerja": {"value": 1},
        "rencana_pembangunan_zi": {"answers": ["Ya", "C", "A"]},
        "pemantauan_evaluasi_pembangunan_wbk_wbbm": {"value": 1},
        "perubahan_pola_pikir_budaya_kerja": {"value": 1},
    }
    result = score(RB90, inputs(RB90, **specs))
    assert result.areas["manajemen_perubahan"] == 7.67  # pemenuhan 3.67 (pn-serang) + reform 4


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["Ya"], 2.0),
        (["Tidak"], 0.0),
        (["Ya", "Tidak"], 1.0),
        (["Ya", "Tidak", "Tidak"], 0.67),
    ],
)
def test_ya_tidak_answers(answers: list[str], expected: float) -> None:
    assert indicator_score(RB90, "spbe", {"answers": answers}) == expected  # weight 2.0


def _with_letter_scale(scale: str) -> Rulebook:
    import yaml

    from models.rulebook import RULEBOOK_DIR

    data = yaml.safe_load((RULEBOOK_DIR / "permenpanrb-90-2021.yaml").read_text("utf-8"))
    section = data["components"]["pengungkit"]["areas"]["penataan_tatalaksana"]["sections"]
    section["pemenuhan"]["indicators"]["spbe"] = {"weight": 2.0, "letter_scale": scale}
    return parse_rulebook(data)


@pytest.mark.parametrize(
    ("scale", "letter", "expected"),
    [
        ("abc", "A", 2.0),
        ("abc", "B", 1.0),
        ("abc", "C", 0.0),
        ("abcd", "A", 2.0),
        ("abcd", "B", 1.33),
        ("abcd", "C", 0.67),
        ("abcd", "D", 0.0),
        ("abcde", "A", 2.0),
        ("abcde", "B", 1.5),
        ("abcde", "C", 1.0),
        ("abcde", "D", 0.5),
        ("abcde", "E", 0.0),
    ],
)
def test_letters_on_the_indicator_scale(scale: str, letter: str, expected: float) -> None:
    assert indicator_score(_with_letter_scale(scale), "spbe", {"answers": [letter]}) == expected


@pytest.mark.parametrize(("scale", "letter"), [("abc", "D"), ("abc", "E"), ("abcd", "E")])
def test_letter_beyond_the_indicator_scale_is_an_error(scale: str, letter: str) -> None:
    with pytest.raises(ScoringInputError) as caught:
        score(_with_letter_scale(scale), inputs(RB90, spbe={"answers": ["A", letter]}))
    assert caught.value.errors == [
        f'spbe: answer 2 \'{letter}\' is neither "Ya"/"Tidak" nor a letter on the {scale} '
        f"scale ({', '.join(scale.upper())})"
    ]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([80], 4.0),
        ([50, 100], 3.75),
        ([0], 0.0),
        ([100], 5.0),
        ([12.5], 0.63),
        (["A", 50], 3.75),
    ],
)
def test_percent_answers(answers: list[Any], expected: float) -> None:
    assert indicator_score(RB90, "capaian_kinerja_lebih_baik", {"answers": answers}) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"scale": "abcd", "answer": "B"}, 1.0),
        ({"scale": "abcde", "answer": "D"}, 0.38),
        ({"scale": "abc", "answer": "B"}, 0.75),
        ({"scale": "ya_tidak", "answer": "Ya"}, 1.5),
        ({"scale": "percent", "answer": 40}, 0.6),
    ],
)
def test_explicit_scale_object(answer: dict[str, Any], expected: float) -> None:
    # perubahan_pola_pikir_budaya_kerja weighs 1.5 and uses the default abc scale
    spec = {"answers": [answer]}
    assert indicator_score(RB90, "perubahan_pola_pikir_budaya_kerja", spec) == expected


def test_mixed_answers_take_the_mean() -> None:
    answers = ["Ya", {"scale": "abcde", "answer": "B"}, 50, "B"]  # 1, .75, .5, .5 -> .6875
    assert indicator_score(RB90, "komitmen_dalam_perubahan", {"answers": answers}) == 1.38


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (4, 17.5),
        (3.6, 15.75),
        (3.2, 14.0),
        (1, 4.38),
        (Decimal("3.60"), 15.75),
    ],
)
def test_survey_index_is_converted_to_lke_points(index: Any, expected: float) -> None:
    assert indicator_score(RB90, "survei_persepsi_korupsi", {"index": index}) == expected


def test_value_is_accepted_for_survey_indicators() -> None:
    assert indicator_score(RB90, "survei_persepsi_korupsi", {"value": 0.9}) == 15.75


def test_rounding_is_half_up_on_the_exact_figure() -> None:
    # 0.3 x 0.25 = 0.075 exactly; float arithmetic gives 0.075 - e and round() gives 0.07
    assert indicator_score(RB90, "perencanaan_kebutuhan_pegawai", {"value": 0.3}) == 0.08
    assert indicator_score(RB90, "perencanaan_kebutuhan_pegawai", {"answers": ["B"]}) == 0.13


def test_float_inputs_add_up_exactly() -> None:
    assert sum(0.85 * float(i.weight) for i in RB52.indicators) < 85  # the drift avoided
    result = score(RB52, inputs(RB52, default=0.85))
    assert result.total == 85.0
    assert ("WBBM", "total_min") not in unmet_names(result)


def test_tenths_add_up_exactly() -> None:
    specs = {i.id: {"value": (0.1, 0.2, 0.3)[n % 3]} for n, i in enumerate(RB90.indicators)}
    result = score(RB90, specs)
    expected = sum(
        Fraction(str((0.1, 0.2, 0.3)[n % 3])) * i.weight for n, i in enumerate(RB90.indicators)
    )
    assert result.total == float(round_half_up(expected))
    assert result.pengungkit + result.hasil == pytest.approx(result.total, abs=0.011)


def test_decimal_and_fraction_inputs_are_exact() -> None:
    result = score(RB90, inputs(RB90, default=Decimal("0.75")))
    assert result.total == 75.0
    result = score(RB90, inputs(RB90, default=Fraction(3, 4)))
    assert result.total == 75.0


# -- input errors ----------------------------------------------------------------------------

BAD_INPUTS = [
    ("tim", {"value": 1.5}, 'penyusunan_tim_kerja: "value" 1.5 is outside 0 to 1'),
    ("tim", {"value": -0.1}, 'penyusunan_tim_kerja: "value" -0.1 is outside 0 to 1'),
    (
        "tim",
        {"value": "0.5"},
        "penyusunan_tim_kerja: \"value\" must be a number from 0 to 1, got '0.5'",
    ),
    ("tim", {"value": True}, '"value" must be a number from 0 to 1, got True'),
    ("tim", {"value": None}, '"value" must be a number from 0 to 1, got None'),
    ("tim", {"value": float("nan")}, '"value" must be a number from 0 to 1, got nan'),
    ("tim", {"value": float("inf")}, '"value" must be a number from 0 to 1, got inf'),
    ("tim", {"value": [1]}, '"value" must be a number from 0 to 1, got [1]'),
    ("tim", {"value": Decimal("1E+999999999")}, '"value" must be a number from 0 to 1'),
    ("tim", {"index": 3}, 'penyusunan_tim_kerja: "index" is only for survey indicators'),
    ("survey", {"index": 0.5}, 'survei_persepsi_korupsi: "index" 0.5 is outside 1 to 4'),
    ("survey", {"index": 4.01}, '"index" 4.01 is outside 1 to 4'),
    ("survey", {"index": "3.6"}, '"index" must be a number from 1 to 4'),
    ("survey", {"answers": ["A"]}, 'survei_persepsi_korupsi: a survey indicator takes "index"'),
    ("tim", {"answers": []}, 'penyusunan_tim_kerja: "answers" is empty'),
    ("tim", {"answers": "A"}, '"answers" must be a list'),
    ("tim", {"answers": None}, '"answers" must be a list'),
    ("tim", {"answers": ["A", None]}, "penyusunan_tim_kerja: answer 2 is empty (null)"),
    ("tim", {"answers": ["a"]}, "answer 1 'a' is neither"),
    ("tim", {"answers": ["Yes"]}, "answer 1 'Yes' is neither"),
    ("tim", {"answers": [101]}, "answer 1 (a percentage) 101 is outside 0 to 100"),
    ("tim", {"answers": [-1]}, "answer 1 (a percentage) -1 is outside 0 to 100"),
    ("tim", {"answers": [True]}, 'answer 1 is True; use "Ya" or "Tidak"'),
    ("tim", {"answers": [[1]]}, "answer 1 (a percentage) must be a number"),
    ("tim", {"answers": [{"scale": "abcd"}]}, 'answer 1 must have exactly the keys "scale"'),
    ("tim", {"answers": [{"scale": "abcd", "answer": "B", "x": 1}]}, "exactly the keys"),
    ("tim", {"answers": [{"scale": "xyz", "answer": "A"}]}, "answer 1: scale 'xyz' is not one"),
    ("tim", {"answers": [{"scale": "abc", "answer": "D"}]}, "answer 1 'D' is not on the abc"),
    ("tim", {"answers": [{"scale": "percent", "answer": 120}]}, "120 is outside 0 to 100"),
    ("tim", {"value": 1, "note": "x"}, "penyusunan_tim_kerja: unexpected key(s) 'note'"),
    (
        "tim",
        {"value": 1, "answers": ["A"]},
        'give exactly one of "value", "answers" or "index" (got "value" and "answers")',
    ),
    (
        "tim",
        {},
        'penyusunan_tim_kerja: give exactly one of "value", "answers" or "index" '
        "(got none of them)",
    ),
    ("tim", 1, "penyusunan_tim_kerja: the input must be an object"),
    ("tim", ["A"], "penyusunan_tim_kerja: the input must be an object"),
]


@pytest.mark.parametrize(
    ("which", "spec", "message"), BAD_INPUTS, ids=[str(n) for n in range(len(BAD_INPUTS))]
)
def test_bad_input_is_reported(which: str, spec: Any, message: str) -> None:
    indicator = {"tim": "penyusunan_tim_kerja", "survey": "survei_persepsi_korupsi"}[which]
    with pytest.raises(ScoringInputError) as caught:
        score(RB90, inputs(RB90, **{indicator: spec}))
    assert len(caught.value.errors) == 1, caught.value.errors
    assert message in caught.value.errors[0]
    assert caught.value.errors[0].startswith(f"{indicator}: ")
    assert isinstance(caught.value, ValueError)


def test_unknown_indicator_is_reported() -> None:
    specs = inputs(RB90, tim_kerja={"value": 1})  # a 52/2014 id
    with pytest.raises(ScoringInputError) as caught:
        score(RB90, specs)
    assert caught.value.errors == ["tim_kerja: unknown indicator for rulebook permenpanrb-90-2021"]


def test_missing_indicator_is_reported() -> None:
    specs = inputs(RB52)
    del specs["e_office"]
    with pytest.raises(ScoringInputError) as caught:
        score(RB52, specs)
    assert caught.value.errors == [
        'e_office: missing; every indicator must be given (give {"value": 0} to score it zero '
        "on purpose)"
    ]


def test_every_problem_is_collected_together() -> None:
    specs = inputs(
        RB90,
        penyusunan_tim_kerja={"value": 2},
        spbe={"answers": []},
        survei_persepsi_korupsi={"index": 9},
        kinerja_individu={"index": 3},
        komitmen_pimpinan={"value": 1, "extra": 0},
        bogus={"value": 1},
    )
    del specs["sop_kegiatan_utama"]
    with pytest.raises(ScoringInputError) as caught:
        score(RB90, specs)
    errors = caught.value.errors
    assert [e.split(":")[0] for e in errors] == [
        "bogus",
        "penyusunan_tim_kerja",
        "komitmen_pimpinan",
        "sop_kegiatan_utama",
        "spbe",
        "kinerja_individu",
        "survei_persepsi_korupsi",
    ]
    assert str(caught.value) == "; ".join(errors)


def test_indicators_must_be_a_mapping() -> None:
    with pytest.raises(ScoringInputError, match='"indicators" must be an object'):
        score(RB90, [{"value": 1}])  # type: ignore[arg-type]


def test_odd_unknown_keys_are_quoted() -> None:
    specs = inputs(RB52, **{"bad\nkey": {"value": 1}})
    with pytest.raises(ScoringInputError) as caught:
        score(RB52, specs)
    assert caught.value.errors == [
        "'bad\\nkey': unknown indicator for rulebook permenpanrb-52-2014"
    ]
