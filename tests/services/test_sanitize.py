"""Untrusted text becomes plain, inert text."""

from __future__ import annotations

import pytest

from portal.services.sanitize import clean_optional, clean_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<script>alert(1)</script>Halo", "alert(1)Halo"),
        ('<img src=x onerror="alert(1)">foto', "foto"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "alert(1)"),
        ("a < b dan c > d", "a < b dan c > d"),
        ("<!-- komentar -->teks", "teks"),
        ("Rp 5.000 & pungli", "Rp 5.000 & pungli"),
    ],
)
def test_no_markup_survives(raw, expected):
    assert clean_text(raw) == expected


def test_controls_nul_and_bidi_overrides_are_removed():
    text = "nama\x00 pejabat \u202eabc\u202c dan\x07 \u2066x\u2069"
    assert clean_text(text) == "nama pejabat abc dan x"


def test_emoji_and_indonesian_text_are_kept():
    text = "Petugas minta uang 🙁 di loket — \u00e9 ok 👨‍👩‍👧"
    assert clean_text(text) == text


def test_line_breaks_are_kept_for_long_text_and_folded_for_short():
    assert clean_text("satu\r\n\r\n\r\n\r\ndua  \n tiga") == "satu\n\ndua\n tiga"
    assert clean_text("satu\ndua", multiline=False) == "satu dua"


def test_nothing_left_is_none():
    assert clean_optional("<b></b>   ") is None
    assert clean_optional(None) is None
