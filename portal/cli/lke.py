"""``flask lke``: score an LKE worksheet from JSON and list the rulebooks; no database needed.

Threat: the input file is untrusted. It is parsed strictly (no NaN/Infinity, no duplicate keys,
decimals read exactly) and every problem is reported on stderr as ``error: ...`` with exit code
2 and nothing on stdout, so a script never mistakes a failed run for a result.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any, NoReturn

import click
from flask.cli import AppGroup

from models.rulebook import UnknownRulebook, available_rulebooks, load_rulebook
from portal.services.scoring import ScoringInputError, score

lke_cli = AppGroup("lke", help="LKE (Lembar Kerja Evaluasi) scoring.")

EXIT_INPUT_ERROR = 2


@lke_cli.command("score", with_appcontext=False)
@click.option(
    "--rulebook",
    "rulebook_id",
    required=True,
    help="Rulebook id, e.g. permenpanrb-90-2021 (see `flask lke rulebooks`).",
)
@click.option("--pretty", is_flag=True, help="Indent the JSON output.")
@click.argument("file", metavar="FILE")
def score_command(rulebook_id: str, pretty: bool, file: str) -> None:
    """Score FILE (JSON {"indicators": {...}}; - for stdin) and print the result as JSON."""
    try:
        rulebook = load_rulebook(rulebook_id)
    except UnknownRulebook as exc:
        _fail([str(exc)])
    document = _read_json(file)
    if not isinstance(document, dict) or not isinstance(document.get("indicators"), dict):
        _fail(
            [
                'the input must be a JSON object with an "indicators" object, '
                'e.g. {"indicators": {"tim_kerja": {"value": 1}}}'
            ]
        )
    try:
        result = score(rulebook, document["indicators"])
    except ScoringInputError as exc:
        _fail(exc.errors)
    click.echo(json.dumps(result.to_dict(), indent=2 if pretty else None))


@lke_cli.command("rulebooks", with_appcontext=False)
def rulebooks_command() -> None:
    """List the shipped rulebook ids and titles."""
    for rulebook_id in available_rulebooks():
        click.echo(f"{rulebook_id}\t{load_rulebook(rulebook_id).title}")


def _read_json(file: str) -> Any:
    try:
        with click.open_file(file, encoding="utf-8") as handle:  # "-" is stdin
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        _fail([f"cannot read {file}: {exc}"])
    try:
        return json.loads(
            text, parse_float=Decimal, parse_constant=_no_constant, object_pairs_hook=_unique_keys
        )
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        _fail([f"invalid JSON in {file}: {exc}"])


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not allowed")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _fail(errors: list[str]) -> NoReturn:
    for error in errors:
        click.echo(f"error: {error}", err=True)
    sys.exit(EXIT_INPUT_ERROR)


@lke_cli.command("template", with_appcontext=False)
@click.option("--rulebook", "rulebook_id", required=True, help="Rulebook id.")
def template_command(rulebook_id: str) -> None:
    """Print an input skeleton with every indicator of a rulebook, to fill in and score."""
    try:
        rulebook = load_rulebook(rulebook_id)
    except UnknownRulebook as exc:
        _fail([str(exc)])
    indicators = {
        indicator.id: {"index": 1.0} if indicator.input == "survey" else {"value": 0}
        for indicator in rulebook.indicators
    }
    click.echo(json.dumps({"indicators": indicators}, indent=2))
