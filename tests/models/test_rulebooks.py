"""The shipped LKE rulebooks are internally consistent, and the loader refuses broken ones."""

from __future__ import annotations

import copy
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from models.rulebook import (
    RULEBOOK_DIR,
    InvalidRulebook,
    Rulebook,
    UnknownRulebook,
    available_rulebooks,
    load_rulebook,
    load_rulebook_file,
)

SHIPPED = ["permenpanrb-52-2014", "permenpanrb-90-2021"]


def raw(rulebook_id: str) -> dict[str, Any]:
    return yaml.safe_load((RULEBOOK_DIR / f"{rulebook_id}.yaml").read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load_broken(tmp_path: Path, data: dict[str, Any]) -> InvalidRulebook:
    with pytest.raises(InvalidRulebook) as caught:
        load_rulebook_file(write(tmp_path, data))
    return caught.value


@pytest.fixture(params=SHIPPED)
def rulebook(request: pytest.FixtureRequest) -> Rulebook:
    return load_rulebook(request.param)


def test_exactly_the_two_known_rulebooks_are_shipped() -> None:
    assert available_rulebooks() == SHIPPED  # 10/2019 is not shipped: its weights are unknown


def test_indicator_weights_add_up_to_their_section_or_area(rulebook: Rulebook) -> None:
    for area in rulebook.areas:
        if area.sections:
            for section in area.sections:
                assert sum(i.weight for i in section.indicators) == section.weight
            assert sum(s.weight for s in area.sections) == area.weight
        assert sum(i.weight for i in area.indicators) == area.weight


def test_area_weights_add_up_to_their_component(rulebook: Rulebook) -> None:
    for component in rulebook.components:
        assert sum(a.weight for a in component.areas) == component.weight


def test_section_weights_add_up_across_areas(rulebook: Rulebook) -> None:
    for component in rulebook.components:
        for section_id, weight in component.sections.items():
            got = sum(s.weight for a in component.areas for s in a.sections if s.id == section_id)
            assert got == weight


def test_components_add_up_to_100(rulebook: Rulebook) -> None:
    assert [c.id for c in rulebook.components] == ["pengungkit", "hasil"]
    assert [c.weight for c in rulebook.components] == [60, 40]
    assert sum(c.weight for c in rulebook.components) == 100


def test_indicator_ids_are_unique_and_distinct_from_area_ids(rulebook: Rulebook) -> None:
    indicator_ids = [i.id for i in rulebook.indicators]
    area_ids = [a.id for a in rulebook.areas]
    assert len(indicator_ids) == len(set(indicator_ids))
    assert len(area_ids) == len(set(area_ids))
    assert not set(indicator_ids) & set(area_ids)


def test_thresholds_point_at_existing_targets_and_are_reachable(rulebook: Rulebook) -> None:
    maxima = {("total", None): Fraction(100)}
    maxima |= {("component", c.id): c.weight for c in rulebook.components}
    maxima |= {("area", a.id): a.weight for a in rulebook.areas}
    maxima |= {("area_pct", a.id): Fraction(100) for a in rulebook.areas}
    maxima |= {("indicator", i.id): i.weight for i in rulebook.indicators}
    for threshold in rulebook.thresholds:
        assert 0 < threshold.minimum <= maxima[threshold.kind, threshold.target]


def test_52_2014_figures() -> None:
    rb = load_rulebook("permenpanrb-52-2014")
    tatalaksana = {i.id: i.weight for i in rb.indicators if i.area == "penataan_tatalaksana"}
    assert tatalaksana == {
        "sop_kegiatan_utama": Fraction(5, 4),
        "e_office": Fraction(5, 2),
        "keterbukaan_informasi_publik": Fraction(5, 4),
    }
    assert rb.indicator("survei_persepsi_anti_korupsi").weight == 15
    assert rb.indicator("persentase_penyelesaian_tlhp").weight == 5
    assert all(not a.sections for a in rb.areas)
    assert [(t.predicate, t.name, t.minimum) for t in rb.thresholds] == [
        ("WBK", "total_min", 75),
        ("WBK", "pemerintahan_bersih_bebas_kkn_min", 18),
        ("WBK", "survei_persepsi_anti_korupsi_min", Fraction("13.5")),
        ("WBK", "persentase_penyelesaian_tlhp_min", Fraction("3.5")),
        ("WBBM", "total_min", 85),
        ("WBBM", "pemerintahan_bersih_bebas_kkn_min", 18),
        ("WBBM", "survei_persepsi_anti_korupsi_min", Fraction("13.5")),
        ("WBBM", "persentase_penyelesaian_tlhp_min", Fraction("3.5")),
        ("WBBM", "terwujudnya_kualitas_pelayanan_publik_min", 16),
    ]


def test_90_2021_figures() -> None:
    rb = load_rulebook("permenpanrb-90-2021")
    pengungkit = rb.components[0]
    assert dict(pengungkit.sections) == {"pemenuhan": 30, "reform": 30}
    assert all([s.id for s in a.sections] == ["pemenuhan", "reform"] for a in pengungkit.areas)
    assert len(rb.indicators) == 45
    pct = [t for t in rb.thresholds if t.kind == "area_pct"]
    assert [t.name for t in pct[:6]] == [f"{a.id}_min_pct" for a in pengungkit.areas]
    assert {(t.predicate, t.minimum) for t in pct} == {("WBK", 60), ("WBBM", 75)}
    others = [(t.predicate, t.name, t.minimum) for t in rb.thresholds if t.kind != "area_pct"]
    assert others == [
        ("WBK", "total_min", 75),
        ("WBK", "pengungkit_min", 40),
        ("WBK", "birokrasi_bersih_akuntabel_min", Fraction("18.25")),
        ("WBK", "survei_persepsi_korupsi_min", Fraction("15.75")),
        ("WBK", "capaian_kinerja_lebih_baik_min", Fraction("2.5")),
        ("WBK", "pelayanan_publik_prima_min", 14),
        ("WBBM", "total_min", 85),
        ("WBBM", "pengungkit_min", 48),
        ("WBBM", "birokrasi_bersih_akuntabel_min", Fraction("19.5")),
        ("WBBM", "survei_persepsi_korupsi_min", Fraction("15.75")),
        ("WBBM", "capaian_kinerja_lebih_baik_min", Fraction("3.75")),
        ("WBBM", "pelayanan_publik_prima_min", Fraction("15.75")),
    ]


def test_survey_and_percent_indicators(rulebook: Rulebook) -> None:
    kinds = {i.id: i.input for i in rulebook.indicators if i.input != "answers"}
    assert (
        kinds
        == {
            "permenpanrb-52-2014": {
                "survei_persepsi_anti_korupsi": "survey",
                "persentase_penyelesaian_tlhp": "percent",
                "survei_persepsi_kualitas_pelayanan": "survey",
            },
            "permenpanrb-90-2021": {
                "survei_persepsi_korupsi": "survey",
                "capaian_kinerja_lebih_baik": "percent",
                "survei_persepsi_kualitas_pelayanan": "survey",
            },
        }[rulebook.id]
    )
    assert all(i.component == "pengungkit" for i in rulebook.indicators if i.input == "answers")


def test_answer_scales_and_survey_index(rulebook: Rulebook) -> None:
    scales = {name: dict(values) for name, values in rulebook.answer_scales.items()}
    assert scales == {
        "ya_tidak": {"Ya": 1, "Tidak": 0},
        "abc": {"A": 1, "B": Fraction(1, 2), "C": 0},
        "abcd": {"A": 1, "B": Fraction(2, 3), "C": Fraction(1, 3), "D": 0},
        "abcde": {"A": 1, "B": Fraction(3, 4), "C": Fraction(1, 2), "D": Fraction(1, 4), "E": 0},
    }
    assert rulebook.survey_index == (1, 4)


def test_lifecycle_metadata_is_recorded(rulebook: Rulebook) -> None:
    assert rulebook.predicates == ("WBK", "WBBM")
    assert dict(rulebook.requires_prior_predicate) == {"WBBM": "WBK"}
    wbk, wbbm = rulebook.prerequisites["WBK"], rulebook.prerequisites["WBBM"]
    assert wbk.unit_levels == ("eselon_I", "eselon_II", "eselon_III")
    assert (wbk.bpk_opinion, wbk.wtp_consecutive_years, wbk.akip_min_grade) == ("WTP", 1, "CC")
    assert (wbbm.bpk_opinion, wbbm.wtp_consecutive_years, wbbm.akip_min_grade) == ("WTP", 2, "CC")


def test_load_rulebook_is_cached() -> None:
    assert load_rulebook("permenpanrb-90-2021") is load_rulebook("permenpanrb-90-2021")


def test_loaded_rulebook_cannot_be_mutated() -> None:
    rb = load_rulebook("permenpanrb-90-2021")
    with pytest.raises(TypeError):
        rb.answer_scales["abc"]["B"] = Fraction(1)  # type: ignore[index]


@pytest.mark.parametrize(
    "rulebook_id", ["permenpanrb-10-2019", "nope", "../rulebook", "permenpanrb-90-2021.yaml", ""]
)
def test_unknown_rulebook_lists_the_available_ids(rulebook_id: str) -> None:
    with pytest.raises(UnknownRulebook) as caught:
        load_rulebook(rulebook_id)
    assert isinstance(caught.value, LookupError)
    assert caught.value.available == SHIPPED
    assert "permenpanrb-52-2014, permenpanrb-90-2021" in str(caught.value)


@pytest.mark.parametrize("rulebook_id", SHIPPED)
def test_a_shipped_file_round_trips_through_the_path_loader(
    tmp_path: Path, rulebook_id: str
) -> None:
    assert load_rulebook_file(write(tmp_path, raw(rulebook_id))) == load_rulebook(rulebook_id)


def _indicators_52(data: dict[str, Any], area: str) -> dict[str, Any]:
    return data["components"]["pengungkit"]["areas"][area]["indicators"]


def _section_90(data: dict[str, Any], area: str, section: str) -> dict[str, Any]:
    return data["components"]["pengungkit"]["areas"][area]["sections"][section]


def _break_indicator_weight(data: dict[str, Any]) -> None:
    _indicators_52(data, "penataan_tatalaksana")["e_office"] = 2  # the 1:2:1 = 4 misprint


def _break_area_weight(data: dict[str, Any]) -> None:
    data["components"]["hasil"]["areas"]["terwujudnya_kualitas_pelayanan_publik"]["weight"] = 19


def _break_component_weight(data: dict[str, Any]) -> None:
    data["components"]["pengungkit"]["weight"] = 65


def _duplicate_indicator(data: dict[str, Any]) -> None:
    _indicators_52(data, "manajemen_perubahan")["standar_pelayanan"] = 1
    _indicators_52(data, "manajemen_perubahan")["tim_kerja"] = 0  # would be zero weight too


def _unknown_threshold_target(data: dict[str, Any]) -> None:
    data["thresholds"]["WBK"].append({"area": "no_such_area", "min": 1})


def _unreachable_threshold(data: dict[str, Any]) -> None:
    data["thresholds"]["WBBM"].append({"indicator": "persentase_penyelesaian_tlhp", "min": 6})


def _bad_input_kind(data: dict[str, Any]) -> None:
    _indicators_52(data, "manajemen_perubahan")["tim_kerja"] = {"weight": 1, "input": "essay"}


def _unknown_key(data: dict[str, Any]) -> None:
    data["weights_note"] = "typo"


def _missing_prerequisites(data: dict[str, Any]) -> None:
    del data["prerequisites"]["WBBM"]


def _bad_prior_predicate(data: dict[str, Any]) -> None:
    data["requires_prior_predicate"] = {"WBBM": "WBX"}


def _bad_scale(data: dict[str, Any]) -> None:
    data["answer_scales"]["abc"] = {"A": 1, "B": 0.5}


CASES_52 = [
    (_break_indicator_weight, "penataan_tatalaksana: weights add up to 4.5, expected 5"),
    (_break_area_weight, "components.hasil.areas: weights add up to 39, expected 40"),
    (_break_component_weight, "components: weights add up to 105, expected 100"),
    (_break_component_weight, "components.pengungkit.areas: weights add up to 60, expected 65"),
    (_duplicate_indicator, "id 'standar_pelayanan' is already used"),
    (_unknown_threshold_target, "unknown area 'no_such_area'"),
    (_unreachable_threshold, "6 exceeds the maximum 5"),
    (_bad_input_kind, "'essay' is not one of"),
    (_unknown_key, "unexpected key(s) weights_note"),
    (_missing_prerequisites, "prerequisites: missing WBBM"),
    (_bad_prior_predicate, "WBBM -> WBX"),
    (_bad_scale, "answer_scales.abc: expected answers ['A', 'B', 'C']"),
]


@pytest.mark.parametrize(("breaker", "message"), CASES_52, ids=[c[0].__name__ for c in CASES_52])
def test_loader_rejects_a_broken_rulebook(tmp_path: Path, breaker: Any, message: str) -> None:
    data = raw("permenpanrb-52-2014")
    breaker(data)
    error = load_broken(tmp_path, data)
    assert any(message in e for e in error.errors), error.errors
    assert str(write(tmp_path, data)) in str(error)


def test_loader_rejects_a_section_that_does_not_add_up(tmp_path: Path) -> None:
    data = raw("permenpanrb-90-2021")
    _section_90(data, "manajemen_perubahan", "reform")["indicators"]["komitmen_pimpinan"] = 1.5
    errors = load_broken(tmp_path, data).errors
    assert any(
        "manajemen_perubahan.sections.reform: weights add up to 4.5, expected 4" in e
        for e in errors
    ), errors


def test_loader_rejects_sections_that_do_not_add_up_across_areas(tmp_path: Path) -> None:
    data = raw("permenpanrb-90-2021")
    for section, weight in (("pemenuhan", 3), ("reform", 5)):  # area total stays 8
        _section_90(data, "manajemen_perubahan", section)["weight"] = weight
    pemenuhan = _section_90(data, "manajemen_perubahan", "pemenuhan")["indicators"]
    pemenuhan["perubahan_pola_pikir_budaya_kerja"] = 0.5  # pemenuhan 3 + reform 5 = 8
    _section_90(data, "manajemen_perubahan", "reform")["indicators"]["komitmen_pimpinan"] = 2
    errors = load_broken(tmp_path, data).errors
    assert any(
        "sections.pemenuhan over the areas: weights add up to 29, expected 30" in e for e in errors
    ), errors


def test_loader_lists_every_problem_at_once(tmp_path: Path) -> None:
    data = raw("permenpanrb-52-2014")
    for breaker, _ in CASES_52:
        breaker(data)
    errors = load_broken(tmp_path, copy.deepcopy(data)).errors
    for _, message in CASES_52:
        assert any(message in e for e in errors), (message, errors)


def test_loader_rejects_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(InvalidRulebook, match="not valid YAML"):
        load_rulebook_file(path)


@pytest.mark.parametrize("content", ["", "- a list\n", "just text\n"])
def test_loader_rejects_a_file_that_is_not_a_mapping(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidRulebook, match="expected a mapping"):
        load_rulebook_file(path)
