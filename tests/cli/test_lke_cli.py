"""`flask lke score` and `flask lke rulebooks`: JSON out on success, `error:` lines and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from models.rulebook import load_rulebook
from portal.cli.lke import lke_cli
from portal.services.demo import STRONG, lke_inputs

RB90 = "permenpanrb-90-2021"
RB52 = "permenpanrb-52-2014"
KEYS = [
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


def document(rulebook_id: str, value: Any = 1, **overrides: Any) -> dict[str, Any]:
    indicators = {i.id: {"value": value} for i in load_rulebook(rulebook_id).indicators}
    indicators.update(overrides)
    return {"indicators": indicators}


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(lke_cli, list(args), input=stdin)


def write(tmp_path: Path, content: str | dict[str, Any]) -> str:
    path = tmp_path / "lke.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def assert_failed(result: Result, *messages: str) -> list[str]:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), lines
    for message in messages:
        assert any(message in line for line in lines), (message, lines)
    return lines


def test_score_a_file(tmp_path: Path) -> None:
    result = run("score", "--rulebook", RB90, write(tmp_path, document(RB90)))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert list(data) == KEYS
    assert data["rulebook"] == RB90
    assert (data["total"], data["pengungkit"], data["hasil"]) == (100.0, 60.0, 40.0)
    assert data["sections"] == {"pemenuhan": 30.0, "reform": 30.0}
    assert data["areas"]["penguatan_pengawasan"] == 15.0
    assert data["indicators"]["survei_persepsi_korupsi"] == 17.5
    assert data["predicate"] == "WBBM"
    assert data["unmet"] == []
    assert result.stdout.count("\n") == 1  # one compact line


def test_score_stdin_with_answers_and_index() -> None:
    doc = document(
        RB90,
        0.75,
        survei_persepsi_korupsi={"index": 3.6},
        capaian_kinerja_lebih_baik={"answers": [50]},
        survei_persepsi_kualitas_pelayanan={"index": 3.2},
        rencana_pembangunan_zi={"answers": ["Ya", "C", "Ya"]},
    )
    result = run("score", "--rulebook", RB90, "-", stdin=json.dumps(doc))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["indicators"]["rencana_pembangunan_zi"] == 0.67
    assert data["predicate"] == "WBK"
    assert data["unmet"][0] == {
        "predicate": "WBBM",
        "threshold": "total_min",
        "required": 85.0,
        "actual": 77.17,
    }


def test_decimals_in_the_file_are_read_exactly(tmp_path: Path) -> None:
    # 0.85 on every 52/2014 indicator sums to 84.99999999999997 in floats
    result = run("score", "--rulebook", RB52, write(tmp_path, document(RB52, 0.85)))
    data = json.loads(result.stdout)
    assert data["total"] == 85.0
    assert "total_min" not in [u["threshold"] for u in data["unmet"]]


def test_pretty_output_is_indented(tmp_path: Path) -> None:
    path = write(tmp_path, document(RB52))
    pretty = run("score", "--pretty", "--rulebook", RB52, path)
    assert pretty.exit_code == 0
    assert pretty.stdout.startswith('{\n  "rulebook": "permenpanrb-52-2014"')
    assert json.loads(pretty.stdout) == json.loads(run("score", "--rulebook", RB52, path).stdout)


def test_rulebooks_lists_ids_and_titles() -> None:
    result = run("rulebooks")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{RB52}\tPedoman Pembangunan ZI menuju WBK dan WBBM di Lingkungan Instansi Pemerintah",
        f"{RB90}\tPembangunan dan Evaluasi ZI menuju WBK dan WBBM di Instansi Pemerintah",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON in "),
        ("", "invalid JSON in "),
        ('{"indicators": {"tim_kerja": {"value": NaN}}}', "NaN is not allowed"),
        ('{"indicators": {"a": {"value": 1}, "a": {"value": 0}}}', "duplicate key 'a'"),
        ("[1, 2]", 'the input must be a JSON object with an "indicators" object'),
        ('"text"', 'the input must be a JSON object with an "indicators" object'),
        ('{"indikator": {}}', 'the input must be a JSON object with an "indicators" object'),
        ('{"indicators": [1]}', 'the input must be a JSON object with an "indicators" object'),
    ],
)
def test_unreadable_input_fails(tmp_path: Path, content: str, message: str) -> None:
    assert_failed(run("score", "--rulebook", RB52, write(tmp_path, content)), message)


def test_invalid_json_on_stdin_fails() -> None:
    assert_failed(run("score", "--rulebook", RB52, "-", stdin="{"), "invalid JSON in -")


def test_a_huge_exponent_is_refused_not_computed(tmp_path: Path) -> None:
    doc = json.dumps(document(RB52)).replace('{"value": 1}', '{"value": 1e999999999}', 1)
    lines = assert_failed(run("score", "--rulebook", RB52, write(tmp_path, doc)))
    assert lines == ['error: tim_kerja: "value" must be a number from 0 to 1, got 1E+999999999']


def test_missing_file_fails(tmp_path: Path) -> None:
    assert_failed(run("score", "--rulebook", RB52, str(tmp_path / "none.json")), "cannot read ")


def test_non_utf8_file_fails(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"indicators": "\xe9"}')
    assert_failed(run("score", "--rulebook", RB52, str(path)), "cannot read ")


def test_unknown_rulebook_lists_the_available_ids(tmp_path: Path) -> None:
    result = run("score", "--rulebook", "permenpanrb-10-2019", write(tmp_path, document(RB52)))
    lines = assert_failed(result)
    assert lines == [
        "error: unknown rulebook 'permenpanrb-10-2019'; available: "
        "permenpanrb-52-2014, permenpanrb-90-2021"
    ]


def test_scoring_errors_are_printed_one_per_line(tmp_path: Path) -> None:
    doc = document(
        RB90,
        tim_kerja={"value": 1},
        spbe={"answers": ["A", "D"]},
        survei_persepsi_korupsi={"index": 5},
    )
    del doc["indicators"]["sop_kegiatan_utama"]
    lines = assert_failed(run("score", "--rulebook", RB90, write(tmp_path, doc)))
    assert [line.split(":")[1].strip() for line in lines] == [
        "tim_kerja",
        "sop_kegiatan_utama",
        "spbe",
        "survei_persepsi_korupsi",
    ]


def test_rulebook_option_is_required(tmp_path: Path) -> None:
    result = run("score", write(tmp_path, document(RB90)))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--rulebook" in result.stderr


def test_template_lists_every_indicator_and_scores_as_is():
    runner = CliRunner()
    made = runner.invoke(lke_cli, ["template", "--rulebook", "permenpanrb-90-2021"])
    assert made.exit_code == 0
    document = json.loads(made.output)
    rulebook = load_rulebook("permenpanrb-90-2021")
    assert set(document["indicators"]) == {i.id for i in rulebook.indicators}
    scored = runner.invoke(
        lke_cli, ["score", "--rulebook", "permenpanrb-90-2021", "-"], input=made.output
    )
    assert scored.exit_code == 0 and json.loads(scored.output)["predicate"] is None


def test_flask_command_runs_in_a_real_process(tmp_path):
    """`flask --app portal lke score` end to end, as an operator runs it."""
    source = tmp_path / "lke.json"
    source.write_text(json.dumps({"indicators": lke_inputs("permenpanrb-52-2014", STRONG)}))
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run(
        [
            str(flask),
            "--app",
            "portal",
            "lke",
            "score",
            "--rulebook",
            "permenpanrb-52-2014",
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["predicate"] == "WBBM" and result["unmet"] == []
    assert set(result) >= {
        "rulebook",
        "total",
        "pengungkit",
        "hasil",
        "areas",
        "predicate",
        "unmet",
    }

    broken = subprocess.run(
        [str(flask), "--app", "portal", "lke", "score", "--rulebook", "permenpanrb-52-2014", "-"],
        input='{"indicators": {"nope": {"value": 2}}}',
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert broken.returncode == 2 and broken.stdout == ""
    assert "error: nope" in broken.stderr
