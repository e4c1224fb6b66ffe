"""Turn untrusted text from any channel into plain, inert text; the only user of bleach.

Threat model: a reporter (or someone posing as one) sends HTML, script, control characters,
bidirectional overrides that make text read differently than it is stored (Trojan-Source style),
or NUL bytes that break other systems. We store plain text only: tags and comments removed,
entities decoded, controls and bidi overrides dropped, Unicode normalised (NFC). Jinja escapes
everything again on output, so even text that *looks* like markup stays inert.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Bidirectional embeddings, overrides and isolates: they can reorder what a reader sees.
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
# C0/C1 controls except tab and newline (carriage returns are normalised first).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def _strip_markup(text: str) -> str:
    if "<" not in text and "&" not in text:
        # Nothing to strip or decode: bleach would hand the same text back, at a cost that
        # dominates cleaning (a property test checks the two agree).
        return text
    import bleach  # here, not at the top: most text has no markup (start-up of the mail pipe)

    for _ in range(3):  # "&lt;b&gt;" decodes into markup once; strip until nothing changes
        stripped = html.unescape(bleach.clean(text, tags=set(), strip=True, strip_comments=True))
        if stripped == text:
            break
        text = stripped
    return text


def clean_text(value: object, *, multiline: bool = True) -> str:
    """Return ``value`` as plain text: no markup, no controls, NFC, trimmed."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text).translate(BIDI_CONTROLS)
    text = _CONTROLS.sub("", text)
    text = _strip_markup(text)
    # Decoded entities (&#x202E;, e&#x301;) may bring back what was removed above.
    text = unicodedata.normalize("NFC", text).translate(BIDI_CONTROLS)
    text = _CONTROLS.sub("", text)
    if not multiline:
        return _SPACES.sub(" ", text.replace("\n", " ")).strip()
    lines = [_SPACES.sub(" ", line).rstrip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_optional(value: object, *, multiline: bool = False) -> str | None:
    """Return the cleaned text, or None when nothing is left."""
    return clean_text(value, multiline=multiline) or None
