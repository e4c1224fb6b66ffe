"""Read one indicator's LKE input and return the fraction of its weight it earns.

Threat: inputs come from forms, JSON files and API clients and decide a public predicate, so
nothing is coerced: a string is never read as a number, a bool is never a number, NaN and
infinity are refused, unknown keys are refused. A malformed input is reported, never scored.
Pure: imports only the standard library and ``models.rulebook``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from models.rulebook import LETTER_SCALES, YA_TIDAK, Indicator, Rulebook, to_fraction

INPUT_KEYS = ("value", "answers", "index")
PERCENT_SCALE = "percent"


def show(value: Any, limit: int = 40) -> str:
    """Return a short printable rendering of an untrusted value for an error message."""
    text = str(value) if isinstance(value, Decimal | Fraction) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_input(
    rulebook: Rulebook, indicator: Indicator, spec: Any, errors: list[str]
) -> Fraction | None:
    """Return the fraction (0..1) of the indicator's weight earned, or None after adding errors."""
    name = indicator.id
    if not isinstance(spec, Mapping):
        errors.append(
            f'{name}: the input must be an object such as {{"value": 0.5}}, got {show(spec)}'
        )
        return None
    extra = [k for k in spec if k not in INPUT_KEYS]
    if extra:
        errors.append(
            f"{name}: unexpected key(s) {', '.join(show(k) for k in extra)}; "
            'the input takes exactly one of "value", "answers" or "index"'
        )
    given = [k for k in INPUT_KEYS if k in spec]
    if len(given) != 1:
        got = " and ".join(f'"{k}"' for k in given) or "none of them"
        errors.append(f'{name}: give exactly one of "value", "answers" or "index" (got {got})')
        return None
    if extra:
        return None
    key = given[0]
    if key == "value":
        return _ranged(spec["value"], Fraction(0), Fraction(1), f'{name}: "value"', errors)
    if key == "index":
        if indicator.input != "survey":
            errors.append(
                f'{name}: "index" is only for survey indicators; give "value" or "answers"'
            )
            return None
        low, high = rulebook.survey_index
        index = _ranged(spec["index"], low, high, f'{name}: "index"', errors)
        return None if index is None else index / high
    if indicator.input == "survey":
        errors.append(
            f'{name}: a survey indicator takes "index" '
            f"({float(rulebook.survey_index[0]):g} to "
            f'{float(rulebook.survey_index[1]):g}) or "value", not "answers"'
        )
        return None
    return _answers(rulebook, indicator, spec["answers"], errors)


def _answers(
    rulebook: Rulebook, indicator: Indicator, answers: Any, errors: list[str]
) -> Fraction | None:
    name = indicator.id
    if not isinstance(answers, list | tuple):
        errors.append(f'{name}: "answers" must be a list, got {show(answers)}')
        return None
    if not answers:
        errors.append(
            f'{name}: "answers" is empty; give every question\'s answer, '
            'or {"value": 0} to score the indicator zero'
        )
        return None
    before = len(errors)
    values = [
        _answer(rulebook, indicator, answer, f"{name}: answer {n}", errors)
        for n, answer in enumerate(answers, 1)
    ]
    if len(errors) > before:
        return None
    return sum(values, Fraction(0)) / len(values)  # type: ignore[arg-type]


def _answer(
    rulebook: Rulebook, indicator: Indicator, answer: Any, where: str, errors: list[str]
) -> Fraction | None:
    if isinstance(answer, Mapping):
        return _explicit(rulebook, answer, where, errors)
    if answer is None:
        errors.append(f"{where} is empty (null); every question needs an answer")
        return None
    if isinstance(answer, bool):
        errors.append(f'{where} is {answer}; use "Ya" or "Tidak"')
        return None
    if isinstance(answer, str):
        yes_no = rulebook.answer_scales[YA_TIDAK]
        letters = rulebook.answer_scales[indicator.letter_scale]
        if answer in yes_no:
            return yes_no[answer]
        if answer in letters:
            return letters[answer]
        errors.append(
            f'{where} {show(answer)} is neither "Ya"/"Tidak" nor a letter on the '
            f"{indicator.letter_scale} scale ({', '.join(letters)})"
        )
        return None
    return _percent(answer, where, errors)


def _explicit(
    rulebook: Rulebook, answer: Mapping[Any, Any], where: str, errors: list[str]
) -> Fraction | None:
    scales = (YA_TIDAK, *LETTER_SCALES, PERCENT_SCALE)
    if set(answer) != {"scale", "answer"}:
        errors.append(
            f'{where} must have exactly the keys "scale" and "answer", '
            f"got {', '.join(show(k) for k in answer) or 'none'}"
        )
        return None
    scale, value = answer["scale"], answer["answer"]
    if not isinstance(scale, str) or scale not in scales:
        errors.append(f"{where}: scale {show(scale)} is not one of {', '.join(scales)}")
        return None
    if scale == PERCENT_SCALE:
        return _percent(value, where, errors)
    options = rulebook.answer_scales[scale]
    if isinstance(value, str) and value in options:
        return options[value]
    errors.append(f"{where} {show(value)} is not on the {scale} scale ({', '.join(options)})")
    return None


def _percent(answer: Any, where: str, errors: list[str]) -> Fraction | None:
    percent = _ranged(answer, Fraction(0), Fraction(100), f"{where} (a percentage)", errors)
    return None if percent is None else percent / 100


def _ranged(
    value: Any, low: Fraction, high: Fraction, where: str, errors: list[str]
) -> Fraction | None:
    number = to_fraction(value)
    if number is None:
        errors.append(
            f"{where} must be a number from {float(low):g} to {float(high):g}, got {show(value)}"
        )
        return None
    if not low <= number <= high:
        errors.append(f"{where} {show(value)} is outside {float(low):g} to {float(high):g}")
        return None
    return number
