"""LKE rulebooks: each PermenPANRB's scoring rules, loaded from the YAML files in ``rulebooks/``.

Threat: a mistyped weight or threshold silently changes every unit's predicate. The files ship
with the code and are reviewed like code, and each is validated on load (weights add up level by
level to 100, ids are unique, thresholds point at real targets); a broken file is refused with
every problem listed. Figures and their confidence are documented in the files themselves.
Pure: imports only the standard library and PyYAML. Weights are exact ``Fraction`` values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

RULEBOOK_DIR = Path(__file__).with_name("rulebooks")
COMPONENTS = ("pengungkit", "hasil")  # the LKE's two components; scoring reports both
INPUT_KINDS = ("answers", "survey", "percent")
LETTER_SCALES = {"abc": "ABC", "abcd": "ABCD", "abcde": "ABCDE"}
YA_TIDAK = "ya_tidak"
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TOLERANCE = Fraction(1, 10**9)
_MAX_EXPONENT = 50  # decimal exponents beyond this are no LKE figure; refused, not computed
_RATIO = re.compile(r"\s*\d{1,9}\s*/\s*[1-9]\d{0,8}\s*")
_THRESHOLD_KINDS = ("component", "area", "indicator", "each_area_pct")


class UnknownRulebook(LookupError):
    """No rulebook file exists for the requested id."""

    def __init__(self, rulebook_id: str) -> None:
        self.rulebook_id = rulebook_id
        self.available = available_rulebooks()
        super().__init__(
            f"unknown rulebook {rulebook_id!r}; available: {', '.join(self.available) or 'none'}"
        )


class InvalidRulebook(ValueError):
    """A rulebook file is inconsistent; ``errors`` lists every problem found."""

    def __init__(self, source: str, errors: list[str]) -> None:
        self.source = source
        self.errors = list(errors)
        super().__init__(f"invalid rulebook {source}: " + "; ".join(self.errors))


@dataclass(frozen=True)
class Indicator:
    id: str
    weight: Fraction
    component: str
    area: str
    section: str | None = None
    input: str = "answers"  # answers | survey | percent (percent indicators take answers too)
    letter_scale: str = "abc"


@dataclass(frozen=True)
class Section:
    id: str  # pemenuhan | reform
    weight: Fraction
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Area:
    id: str
    title: str
    weight: Fraction
    component: str
    sections: tuple[Section, ...]  # empty when the area has no pemenuhan/reform split
    indicators: tuple[Indicator, ...]  # all of the area's indicators, in file order


@dataclass(frozen=True)
class Component:
    id: str
    title: str
    weight: Fraction
    areas: tuple[Area, ...]
    sections: Mapping[str, Fraction]  # section id -> weight summed over the areas; may be empty


@dataclass(frozen=True)
class Threshold:
    predicate: str
    name: str  # total_min, <component>_min, <area>_min, <area>_min_pct, <indicator>_min
    kind: str  # total | component | area | area_pct | indicator
    target: str | None  # the component, area or indicator id; None for total
    minimum: Fraction  # LKE points; for area_pct, percent of the area's weight


@dataclass(frozen=True)
class Prerequisites:
    unit_levels: tuple[str, ...]
    bpk_opinion: str
    wtp_consecutive_years: int
    akip_min_grade: str


@dataclass(frozen=True)
class Rulebook:
    id: str
    title: str
    legal_basis: str
    components: tuple[Component, ...]
    predicates: tuple[str, ...]  # lowest first
    thresholds: tuple[Threshold, ...]  # grouped by predicate (lowest first), file order within
    answer_scales: Mapping[str, Mapping[str, Fraction]]
    survey_index: tuple[Fraction, Fraction]  # (min, max); lke value = index / max * weight
    requires_prior_predicate: Mapping[str, str]  # lifecycle metadata, not a score threshold
    prerequisites: Mapping[str, Prerequisites]  # lifecycle metadata, per predicate
    superseded_by: str | None = None

    @property
    def areas(self) -> tuple[Area, ...]:
        """Return every area, pengungkit first."""
        return tuple(area for component in self.components for area in component.areas)

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """Return every indicator in file order."""
        return tuple(ind for area in self.areas for ind in area.indicators)

    def indicator(self, indicator_id: str) -> Indicator:
        """Return the indicator with this id or raise KeyError."""
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)


def available_rulebooks() -> list[str]:
    """List the ids of the shipped rulebooks."""
    return sorted(p.stem for p in RULEBOOK_DIR.glob("*.yaml") if _ID.match(p.stem))


@cache
def load_rulebook(rulebook_id: str) -> Rulebook:
    """Load a shipped rulebook by id (cached); raise UnknownRulebook if there is none."""
    if not isinstance(rulebook_id, str) or not _ID.match(rulebook_id):
        raise UnknownRulebook(str(rulebook_id))
    path = RULEBOOK_DIR / f"{rulebook_id}.yaml"
    if not path.is_file():
        raise UnknownRulebook(rulebook_id)
    rulebook = load_rulebook_file(path)
    if rulebook.id != rulebook_id:
        raise InvalidRulebook(str(path), [f"id {rulebook.id!r} does not match the file name"])
    return rulebook


def load_rulebook_file(path: str | Path) -> Rulebook:
    """Load and validate the rulebook in a YAML file (not cached)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidRulebook(str(path), [f"not valid YAML: {exc}"]) from exc
    return parse_rulebook(data, source=str(path))


def parse_rulebook(data: Any, source: str = "<data>") -> Rulebook:
    """Build a Rulebook from parsed YAML data; raise InvalidRulebook listing every problem."""
    errors: list[str] = []
    rulebook = _Parser(errors).rulebook(data)
    if errors or rulebook is None:
        raise InvalidRulebook(source, errors or ["empty rulebook"])
    return rulebook


class _Parser:
    """Read the YAML structure, appending every problem to ``errors`` instead of stopping."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        self.seen_ids: dict[str, str] = {}

    def rulebook(self, data: Any) -> Rulebook | None:
        required = (
            "id",
            "title",
            "legal_basis",
            "answer_scales",
            "survey_index",
            "predicates",
            "components",
            "thresholds",
            "requires_prior_predicate",
            "prerequisites",
        )
        if not self._keys(data, "rulebook", required, ("superseded_by",)):
            return None
        rid, title, basis = (self._text(data[k], k) for k in ("id", "title", "legal_basis"))
        if rid and not _ID.match(rid):
            self.errors.append(f"id: {rid!r} is not a valid rulebook id")
        predicates = tuple(
            self._text(p, "predicates") for p in self._list(data["predicates"], "predicates")
        )
        if len(set(predicates)) != len(predicates):
            self.errors.append("predicates: a predicate is listed twice")
        components = self._components(data["components"])
        if [c.id for c in components] != list(COMPONENTS):
            self.errors.append(f"components: expected {', '.join(COMPONENTS)} in this order")
        total = sum((c.weight for c in components), Fraction(0))
        self._sums(total, Fraction(100), "components")
        thresholds = self._thresholds(data["thresholds"], predicates, components)
        prior = self._prior(data["requires_prior_predicate"], predicates)
        superseded = data.get("superseded_by")
        return Rulebook(
            id=rid,
            title=title,
            legal_basis=basis,
            components=components,
            predicates=predicates,
            thresholds=thresholds,
            answer_scales=self._scales(data["answer_scales"]),
            survey_index=self._survey(data["survey_index"]),
            requires_prior_predicate=prior,
            prerequisites=self._prerequisites(data["prerequisites"], predicates),
            superseded_by=None if superseded is None else self._text(superseded, "superseded_by"),
        )

    # -- structure ---------------------------------------------------------------------------
    def _components(self, data: Any) -> tuple[Component, ...]:
        result = []
        for cid, spec in self._map(data, "components").items():
            where = f"components.{cid}"
            if not self._keys(spec, where, ("title", "weight", "areas"), ("sections",)):
                continue
            weight = self._weight(spec["weight"], f"{where}.weight")
            declared = self._map(spec.get("sections", {}), f"{where}.sections", allow_empty=True)
            sections = {
                sid: self._weight(w, f"{where}.sections.{sid}") for sid, w in declared.items()
            }
            areas = tuple(
                self._area(aid, a, cid, sections, f"{where}.areas.{aid}")
                for aid, a in self._map(spec["areas"], f"{where}.areas").items()
            )
            self._sums(sum((a.weight for a in areas), Fraction(0)), weight, f"{where}.areas")
            for sid, sweight in sections.items():
                got = sum((s.weight for a in areas for s in a.sections if s.id == sid), Fraction(0))
                self._sums(got, sweight, f"{where}.sections.{sid} over the areas")
            result.append(
                Component(
                    cid,
                    self._text(spec["title"], f"{where}.title"),
                    weight,
                    areas,
                    MappingProxyType(sections),
                )
            )
        return tuple(result)

    def _area(
        self, aid: str, spec: Any, cid: str, sections: dict[str, Fraction], where: str
    ) -> Area:
        self._unique(aid, where)
        body = "sections" if sections else "indicators"
        if not self._keys(spec, where, ("title", "weight", body), ()):
            return Area(aid, "", Fraction(0), cid, (), ())
        weight = self._weight(spec["weight"], f"{where}.weight")
        parts: list[Section] = []
        if sections:
            found = self._map(spec["sections"], f"{where}.sections")
            if set(found) != set(sections):
                self.errors.append(
                    f"{where}.sections: expected {sorted(sections)}, got {sorted(found)}"
                )
            for sid, sspec in found.items():
                swhere = f"{where}.sections.{sid}"
                if not self._keys(sspec, swhere, ("weight", "indicators"), ()):
                    continue
                sweight = self._weight(sspec["weight"], f"{swhere}.weight")
                inds = self._indicators(sspec["indicators"], cid, aid, sid, swhere)
                self._sums(sum((i.weight for i in inds), Fraction(0)), sweight, swhere)
                parts.append(Section(sid, sweight, inds))
            indicators = tuple(i for s in parts for i in s.indicators)
            self._sums(sum((s.weight for s in parts), Fraction(0)), weight, f"{where}.sections")
        else:
            indicators = self._indicators(spec["indicators"], cid, aid, None, where)
            self._sums(sum((i.weight for i in indicators), Fraction(0)), weight, where)
        return Area(
            aid, self._text(spec["title"], f"{where}.title"), weight, cid, tuple(parts), indicators
        )

    def _indicators(
        self, data: Any, cid: str, aid: str, sid: str | None, where: str
    ) -> tuple[Indicator, ...]:
        result = []
        for iid, spec in self._map(data, f"{where}.indicators").items():
            iwhere = f"{where}.indicators.{iid}"
            self._unique(iid, iwhere)
            if not isinstance(spec, dict):
                spec = {"weight": spec}
            if not self._keys(spec, iwhere, ("weight",), ("input", "letter_scale")):
                continue
            kind, scale = spec.get("input", "answers"), spec.get("letter_scale", "abc")
            if kind not in INPUT_KINDS:
                self.errors.append(f"{iwhere}.input: {kind!r} is not one of {INPUT_KINDS}")
            if scale not in LETTER_SCALES:
                self.errors.append(
                    f"{iwhere}.letter_scale: {scale!r} is not one of {tuple(LETTER_SCALES)}"
                )
            weight = self._weight(spec["weight"], f"{iwhere}.weight")
            result.append(Indicator(iid, weight, cid, aid, sid, kind, scale))
        return tuple(result)

    def _thresholds(
        self, data: Any, predicates: tuple[str, ...], components: tuple[Component, ...]
    ) -> tuple[Threshold, ...]:
        data = self._map(data, "thresholds")
        if set(data) != set(predicates):
            self.errors.append(
                f"thresholds: predicates {sorted(data)} do not match {sorted(predicates)}"
            )
        maxima: dict[tuple[str, str], Fraction] = {}
        for c in components:
            maxima["component", c.id] = c.weight
            for a in c.areas:
                maxima["area", a.id] = a.weight
                maxima.update({("indicator", i.id): i.weight for i in a.indicators})
        result: list[Threshold] = []
        for predicate in predicates:
            names: set[str] = set()
            for n, entry in enumerate(self._list(data.get(predicate, []), predicate)):
                where = f"thresholds.{predicate}[{n}]"
                for t in self._threshold(entry, predicate, components, maxima, where):
                    if t.name in names:
                        self.errors.append(f"{where}: {t.name} is given twice")
                    names.add(t.name)
                    result.append(t)
        return tuple(result)

    def _threshold(
        self,
        entry: Any,
        predicate: str,
        components: tuple[Component, ...],
        maxima: dict[tuple[str, str], Fraction],
        where: str,
    ) -> list[Threshold]:
        if isinstance(entry, dict) and set(entry) == {"total"}:
            minimum = self._weight(entry["total"], where, allow_zero=True)
            self._at_most(minimum, Fraction(100), where)
            return [Threshold(predicate, "total_min", "total", None, minimum)]
        kinds = [k for k in _THRESHOLD_KINDS if isinstance(entry, dict) and k in entry]
        if len(kinds) != 1 or set(entry) != {kinds[0], "min"}:
            self.errors.append(
                f"{where}: expected {{total: N}} or {{<kind>: <id>, min: N}} "
                f"with kind one of {_THRESHOLD_KINDS}, got {entry!r}"
            )
            return []
        kind, target = kinds[0], entry[kinds[0]]
        minimum = self._weight(entry["min"], f"{where}.min", allow_zero=True)
        if kind == "each_area_pct":
            component = next((c for c in components if c.id == target), None)
            if component is None:
                self.errors.append(f"{where}: unknown component {target!r}")
                return []
            self._at_most(minimum, Fraction(100), where)
            return [
                Threshold(predicate, f"{a.id}_min_pct", "area_pct", a.id, minimum)
                for a in component.areas
            ]
        if (kind, target) not in maxima:
            self.errors.append(f"{where}: unknown {kind} {target!r}")
            return []
        self._at_most(minimum, maxima[kind, target], where)
        return [Threshold(predicate, f"{target}_min", kind, target, minimum)]

    # -- metadata ----------------------------------------------------------------------------
    def _scales(self, data: Any) -> Mapping[str, Mapping[str, Fraction]]:
        expected = {YA_TIDAK: ("Ya", "Tidak")} | {k: tuple(v) for k, v in LETTER_SCALES.items()}
        found = self._map(data, "answer_scales")
        scales = {}
        for name, answers in expected.items():
            spec = self._map(found.get(name), f"answer_scales.{name}")
            if set(spec) != set(answers):
                self.errors.append(f"answer_scales.{name}: expected answers {list(answers)}")
            values = {
                a: self._weight(v, f"answer_scales.{name}.{a}", allow_zero=True)
                for a, v in spec.items()
            }
            for a, v in values.items():
                self._at_most(v, Fraction(1), f"answer_scales.{name}.{a}")
            scales[name] = MappingProxyType(values)
        for name in set(found) - set(expected):
            self.errors.append(f"answer_scales.{name}: unknown scale")
        return MappingProxyType(scales)

    def _survey(self, data: Any) -> tuple[Fraction, Fraction]:
        if not self._keys(data, "survey_index", ("min", "max"), ()):
            return Fraction(1), Fraction(4)
        low, high = (self._weight(data[k], f"survey_index.{k}") for k in ("min", "max"))
        if low >= high:
            self.errors.append("survey_index: min must be below max")
        return low, high

    def _prior(self, data: Any, predicates: tuple[str, ...]) -> Mapping[str, str]:
        found = self._map(data, "requires_prior_predicate", allow_empty=True)
        prior = {str(k): str(v) for k, v in found.items()}
        for pred, required in prior.items():
            if pred not in predicates or required not in predicates or pred == required:
                self.errors.append(
                    f"requires_prior_predicate: {pred} -> {required} is not a "
                    "pair of distinct known predicates"
                )
        return MappingProxyType(prior)

    def _prerequisites(self, data: Any, predicates: tuple[str, ...]) -> Mapping[str, Prerequisites]:
        if not self._keys(data, "prerequisites", ("unit_levels", *predicates), ()):
            return MappingProxyType({})
        levels = tuple(
            self._text(v, "unit_levels")
            for v in self._list(data["unit_levels"], "prerequisites.unit_levels")
        )
        result = {}
        fields = ("bpk_opinion", "wtp_consecutive_years", "akip_min_grade")
        for pred in predicates:
            spec = data[pred]
            if not self._keys(spec, f"prerequisites.{pred}", fields, ()):
                continue
            years = spec["wtp_consecutive_years"]
            if isinstance(years, bool) or not isinstance(years, int) or years < 0:
                self.errors.append(
                    f"prerequisites.{pred}.wtp_consecutive_years: expected a "
                    f"whole number, got {years!r}"
                )
            result[pred] = Prerequisites(
                levels,
                self._text(spec["bpk_opinion"], pred),
                years,
                self._text(spec["akip_min_grade"], pred),
            )
        return MappingProxyType(result)

    # -- primitives --------------------------------------------------------------------------
    def _keys(
        self, data: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> bool:
        if not isinstance(data, dict):
            self.errors.append(f"{where}: expected a mapping, got {data!r}")
            return False
        missing = [k for k in required if k not in data]
        extra = [k for k in data if k not in required and k not in optional]
        if missing:
            self.errors.append(f"{where}: missing {', '.join(missing)}")
        if extra:
            self.errors.append(f"{where}: unexpected key(s) {', '.join(map(str, extra))}")
        return not missing

    def _map(self, data: Any, where: str, allow_empty: bool = False) -> dict[str, Any]:
        if not isinstance(data, dict) or not (data or allow_empty):
            self.errors.append(f"{where}: expected a non-empty mapping, got {data!r}")
            return {}
        return {str(k): v for k, v in data.items()}

    def _list(self, data: Any, where: str) -> list[Any]:
        if not isinstance(data, list) or not data:
            self.errors.append(f"{where}: expected a non-empty list, got {data!r}")
            return []
        return data

    def _text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.errors.append(f"{where}: expected text, got {value!r}")
            return ""
        return value.strip()

    def _weight(self, value: Any, where: str, allow_zero: bool = False) -> Fraction:
        number = to_fraction(value, allow_text=True)
        if number is None or number < 0 or (number == 0 and not allow_zero):
            self.errors.append(f"{where}: expected a positive number, got {value!r}")
            return Fraction(0)
        return number

    def _sums(self, got: Fraction, expected: Fraction, where: str) -> None:
        if abs(got - expected) > _TOLERANCE:
            self.errors.append(
                f"{where}: weights add up to {float(got):g}, expected {float(expected):g}"
            )

    def _at_most(self, value: Fraction, maximum: Fraction, where: str) -> None:
        if value > maximum:
            self.errors.append(f"{where}: {float(value):g} exceeds the maximum {float(maximum):g}")

    def _unique(self, ident: str, where: str) -> None:
        if not _ID.match(ident):
            self.errors.append(f"{where}: {ident!r} is not a valid id")
        if ident in self.seen_ids:
            self.errors.append(f"{where}: id {ident!r} is already used at {self.seen_ids[ident]}")
        self.seen_ids.setdefault(ident, where)


def to_fraction(value: Any, allow_text: bool = False) -> Fraction | None:
    """Convert a finite real number (not bool) to an exact Fraction, or return None."""
    if isinstance(value, bool):
        return None
    if allow_text and isinstance(value, str):
        if _RATIO.fullmatch(value):
            return Fraction(value)  # "2/3" in a rulebook file
        value = _decimal(value.strip())
    elif isinstance(value, float):
        value = _decimal(repr(value))  # a float is read as its shortest decimal repr
    if isinstance(value, Decimal):
        # 1E+999999999 is a valid JSON number; its exact Fraction would take gigabytes
        if not value.is_finite() or abs(value.adjusted()) > _MAX_EXPONENT:
            return None
        return Fraction(value)
    if isinstance(value, int | Fraction):
        return Fraction(value)
    return None


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except ArithmeticError:
        return None
