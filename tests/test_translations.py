"""Every message in the code and templates has an English translation (Indonesian is the source)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
EN_CATALOG = ROOT / "portal/translations/en/LC_MESSAGES/messages.po"


def test_english_catalog_translates_every_message(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    wanted = {m.id for m in read_po(pot.open("rb")) if m.id}
    with EN_CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, f"untranslated (run `make extract-messages`, then translate): {missing}"


def test_translations_keep_their_placeholders():
    with EN_CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    import re

    placeholder = re.compile(r"%\(\w+\)[-.\d]*[sdf]")
    broken = [
        m.id
        for m in catalog
        if m.id
        and m.string
        and sorted(placeholder.findall(m.id)) != sorted(placeholder.findall(m.string))
    ]
    assert not broken
