"""Score an LKE (Lembar Kerja Evaluasi) against a rulebook and find the predicate it reaches.

Assumptions: the arithmetic is exact (``Fraction``; floats are read through their decimal
repr), so 0.1 + 0.2 never becomes 74.99999. Every figure is summed exactly and rounded only when
reported, to 2 decimals half-up, and thresholds are inclusive and compared on that rounded
figure, as the worksheet shows it ("minimal 75": 75.00 passes, 74.99 fails). Rounded figures
may therefore not add up to the rounded total, as in the worksheet, and an area's percentage
(``<area>_min_pct``) is taken from its exact score: 4.7992 of 8 shows as 4.80 but is 59.99 %.
Scoring knows nothing about the unit: the rulebook's ``requires_prior_predicate`` and
``prerequisites`` are the lifecycle service's job. Pure: stdlib, PyYAML and ``models.rulebook``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from models.rulebook import Rulebook, Threshold

from .scoring_inputs import read_input, show

_PLAIN_ID = re.compile(r"^[A-Za-z0-9_-]{1,60}$")


class ScoringInputError(ValueError):
    """The LKE input is invalid; ``errors`` lists every problem, each naming its indicator."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


@dataclass(frozen=True)
class UnmetThreshold:
    predicate: str
    threshold: str
    required: float
    actual: float


@dataclass(frozen=True)
class ScoreResult:
    rulebook: str
    total: float
    pengungkit: float
    hasil: float
    sections: dict[str, float]  # 90/2021: {"pemenuhan": .., "reform": ..}; {} for 52/2014
    areas: dict[str, float]
    indicators: dict[str, float]
    predicate: str | None  # the highest predicate all of whose thresholds are met
    unmet: tuple[UnmetThreshold, ...]  # every missed threshold, lowest predicate first

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready plain data."""
        return {
            "rulebook": self.rulebook,
            "total": self.total,
            "pengungkit": self.pengungkit,
            "hasil": self.hasil,
            "sections": dict(self.sections),
            "areas": dict(self.areas),
            "indicators": dict(self.indicators),
            "predicate": self.predicate,
            "unmet": [
                {
                    "predicate": u.predicate,
                    "threshold": u.threshold,
                    "required": u.required,
                    "actual": u.actual,
                }
                for u in self.unmet
            ],
        }


def score(rulebook: Rulebook, indicators: Mapping[str, Mapping[str, Any]]) -> ScoreResult:
    """Score every indicator input on the rulebook; raise ScoringInputError listing all problems."""
    earned = _earned(rulebook, indicators)
    areas = {a.id: _sum(earned[i.id] for i in a.indicators) for a in rulebook.areas}
    components = {c.id: _sum(areas[a.id] for a in c.areas) for c in rulebook.components}
    sections: dict[str, Fraction] = {}
    for ind in rulebook.indicators:
        if ind.section is not None:
            sections[ind.section] = sections.get(ind.section, Fraction(0)) + earned[ind.id]
    total = _sum(components.values())
    figures = {"total": {None: total}, "component": components, "area": areas, "indicator": earned}
    weights = {a.id: a.weight for a in rulebook.areas}
    unmet = []
    for threshold in rulebook.thresholds:
        actual = _actual(threshold, figures, weights)
        if actual < threshold.minimum:
            unmet.append(
                UnmetThreshold(
                    threshold.predicate, threshold.name, float(threshold.minimum), float(actual)
                )
            )
    missed = {u.predicate for u in unmet}
    predicate = next((p for p in reversed(rulebook.predicates) if p not in missed), None)
    return ScoreResult(
        rulebook=rulebook.id,
        total=_report(total),
        pengungkit=_report(components["pengungkit"]),
        hasil=_report(components["hasil"]),
        sections={k: _report(v) for k, v in sections.items()},
        areas={k: _report(v) for k, v in areas.items()},
        indicators={k: _report(v) for k, v in earned.items()},
        predicate=predicate,
        unmet=tuple(unmet),
    )


def round_half_up(value: Fraction) -> Fraction:
    """Round an exact non-negative figure to 2 decimals, half up, as the worksheet shows it."""
    return Fraction(math.floor(value * 100 + Fraction(1, 2)), 100)


def _earned(rulebook: Rulebook, indicators: Any) -> dict[str, Fraction]:
    if not isinstance(indicators, Mapping):
        raise ScoringInputError(
            [
                '"indicators" must be an object mapping indicator ids to '
                f"inputs, got {show(indicators)}"
            ]
        )
    known = {ind.id for ind in rulebook.indicators}
    errors = [
        f"{key if _PLAIN_ID.match(str(key)) else show(key)}: unknown indicator for "
        f"rulebook {rulebook.id}"
        for key in indicators
        if key not in known
    ]
    earned: dict[str, Fraction] = {}
    for ind in rulebook.indicators:
        if ind.id not in indicators:
            errors.append(
                f"{ind.id}: missing; every indicator must be given "
                '(give {"value": 0} to score it zero on purpose)'
            )
            continue
        fraction = read_input(rulebook, ind, indicators[ind.id], errors)
        if fraction is not None:
            earned[ind.id] = fraction * ind.weight
    if errors:
        raise ScoringInputError(errors)
    return earned


def _actual(
    threshold: Threshold,
    figures: dict[str, Mapping[Any, Fraction]],
    weights: Mapping[str, Fraction],
) -> Fraction:
    if threshold.kind == "area_pct":
        area = str(threshold.target)
        return round_half_up(figures["area"][area] / weights[area] * 100)
    return round_half_up(figures[threshold.kind][threshold.target])


def _sum(values: Any) -> Fraction:
    return sum(values, Fraction(0))


def _report(value: Fraction) -> float:
    return float(round_half_up(value))
