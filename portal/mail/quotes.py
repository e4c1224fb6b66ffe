"""Trim the quoted previous message from a reply, never a forwarded one.

A reply that quotes our acknowledgement back at us would otherwise repeat it in the complaint
on every exchange. Trimming is conservative: a cut is made only at a recognised separator
(Gmail, Apple Mail, Thunderbird, Outlook; English and Indonesian), quotes answered inline stay,
and any forwarded message keeps the whole text, because there the "quote" is the evidence.
"""

from __future__ import annotations

import re

_FORWARD_LINE = re.compile(
    r"(?i)^[ \t]*(-{2,}[ \t]*(forwarded message|pesan terusan|pesan yang diteruskan"
    r"|diteruskan)[ \t]*-{2,}|begin forwarded message:|awal pesan yang diteruskan:)"
)
_FORWARD_SUBJECT = re.compile(r"(?i)^\s*(\[[^\]]*\]\s*)?(fwd?|fw|tr|wg|terusan|diteruskan)\s*:")
_ATTRIBUTION_START = re.compile(r"(?i)^\s*(on|pada)\b")
_ATTRIBUTION = re.compile(r"(?is)^\s*(on|pada)\b.{4,400}\b(wrote|menulis)\s*:\s*$")
_ORIGINAL = re.compile(r"(?i)^\s*-{3,}\s*(original message|pesan asli|pesan orisinal)\s*-{3,}\s*$")
_HEAD_FROM = re.compile(r"(?i)^\s*\*?(from|dari)\s*:\*?\s*\S")
_HEAD_SENT = re.compile(r"(?i)^\s*\*?(sent|dikirim|terkirim|date|tanggal)\s*:")
_HEAD_REST = re.compile(r"(?i)^\s*\*?(to|kepada|subject|subjek|perihal|cc)\s*:")
_RULE = re.compile(r"^\s*_{8,}\s*$")
_LOOSE_ATTRIBUTION = re.compile(r"(?i)(@|\bwrote|\bmenulis|\btulis).*:\s*$")


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def is_forward(text: str, subject: str = "") -> bool:
    """Tell whether the mail forwards another message (by subject prefix or an inline marker)."""
    if _FORWARD_SUBJECT.match(subject or ""):
        return True
    return any(_FORWARD_LINE.match(line) for line in text.split("\n"))


def _suffixes(lines: list[str]) -> tuple[list[str | None], list[bool]]:
    """For each index: the first non-blank line from there on, and whether all of them quote."""
    first: list[str | None] = [None] * (len(lines) + 1)
    pure = [True] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        blank = not lines[i].strip()
        first[i] = first[i + 1] if blank else lines[i]
        pure[i] = pure[i + 1] and (blank or _quoted(lines[i]))
    return first, pure


def _attribution_cut(lines: list[str]) -> int | None:
    """Find "On … wrote:" / "Pada … menulis:" (wrapped over up to 3 lines) above a pure quote."""
    suffixes = None  # computed once, at the first candidate, so many candidates stay linear
    for i, line in enumerate(lines):
        if not _ATTRIBUTION_START.match(line):
            continue
        for span in (1, 2, 3):
            chunk = lines[i : i + span]
            if not chunk[-1].rstrip().endswith(":") or not _ATTRIBUTION.match(" ".join(chunk)):
                continue
            first, pure = suffixes = suffixes or _suffixes(lines)
            after = min(i + span, len(lines))
            following = first[after]
            if following is not None and pure[after]:
                return i
            if following is not None and not _quoted(following) and "@" in " ".join(chunk):
                return i  # an unmarked quote of a whole message, as some clients send
            break
    return None


def _outlook_cut(lines: list[str]) -> int | None:
    """Find "-----Original Message-----" or an Outlook "From: / Sent: / To:" header block."""
    for i, line in enumerate(lines):
        if _ORIGINAL.match(line):
            return i
        if _HEAD_FROM.match(line) and not _quoted(line):
            near = lines[i + 1 : i + 4]
            if any(_HEAD_SENT.match(n) for n in near) and any(
                _HEAD_REST.match(n) for n in lines[i + 1 : i + 7]
            ):
                above = i - 1
                while above >= 0 and not lines[above].strip():
                    above -= 1
                return above if above >= 0 and _RULE.match(lines[above]) else i
    return None


def _trailing_quote_cut(lines: list[str]) -> int | None:
    """Find the block of ">" lines that ends the text, with the line that introduces it."""
    start = len(lines)
    while start > 0 and (not lines[start - 1].strip() or _quoted(lines[start - 1])):
        start -= 1
    if not any(_quoted(line) for line in lines[start:]):
        return None
    above = start - 1
    if above >= 0 and _LOOSE_ATTRIBUTION.search(lines[above]) and not _quoted(lines[above]):
        return above
    return start


def trim_reply(text: str, subject: str = "") -> str:
    """Return the new part of a reply; the whole text when nothing was trimmed or it forwards."""
    if not text or is_forward(text, subject):
        return text
    lines = text.split("\n")
    cuts = [c for c in (_attribution_cut(lines), _outlook_cut(lines)) if c is not None]
    if not cuts:
        trailing = _trailing_quote_cut(lines)
        cuts = [trailing] if trailing is not None else []
    if not cuts:
        return text
    reply = "\n".join(lines[: min(cuts)]).rstrip()
    return reply if reply.strip() else text
