"""Parse one RFC 822 message into a plain, frozen description the ingestion service acts on.

Threat model: anyone can send us mail, and a mail server will hand us whatever it accepted.
A message may be huge, split into thousands of parts or nested deep to exhaust memory and the
parser's recursion; its headers may be ambiguous so that we and the mail server see different
senders (two From headers, ``victim@a <attacker@b>``); its charsets and encodings may be wrong,
unknown or chosen to crash a decoder; its HTML may carry script; it may be an auto-reply or a
bounce that starts a loop if answered. So the size is checked before parsing and the structure
before reading; identity comes only from one unambiguous From (never Reply-To); every decode
falls back instead of raising; HTML becomes text; machine mail is flagged from its headers.
Nothing is stored here, and only reasons and counts are logged.
"""

from __future__ import annotations

import email
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import errors, policy
from email.message import Message
from email.policy import EmailPolicy
from email.utils import parsedate_to_datetime

from portal.services.tracking import CODE_IN_TEXT, normalise_code

from . import classify
from .mime import (
    Body,
    LimitExceeded,
    Limits,
    Walker,
    decode_words,
    fix_surrogates,
    is_email_message,
    raw_header,
    raw_headers,
    tidy_line,
)
from .quotes import trim_reply

logger = logging.getLogger(__name__)

MAX_PARTS = 200
MAX_DEPTH = 20
MAX_HEADER_BYTES = 64 * 1024
_HEADER_START = re.compile(rb"(From |[!-9;-~]+[ \t]*:)")
_MAIL_HEADERS = {
    "from", "sender", "to", "cc", "subject", "date", "message-id", "received", "return-path",
    "mime-version", "in-reply-to", "references", "delivered-to", "content-type",
}  # fmt: skip
_MSG_ID = re.compile(r"[!-;=?-~]+@[!-;=?-~]+")
_ADDR_SPEC = re.compile(r"[^\s<>()\[\],;:\"\\@]+@[^\s<>()\[\],;:\"\\@]+")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_CODE_ANY_CASE = re.compile(CODE_IN_TEXT.pattern, re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@dataclass(frozen=True)
class MailAttachment:
    """One non-body part: its bytes exactly as sent (transfer encoding undone)."""

    filename: str  # decoded (RFC 2047 / RFC 2231, any charset), no directories; "" when none
    content: bytes
    content_type: str  # as declared (lowercase), for information only
    inline: bool  # Content-Disposition inline, or referenced by cid: from the HTML
    content_id: str | None  # without angle brackets, as a cid: URL names it


@dataclass(frozen=True)
class ParsedMail:
    """Everything the ingestion needs from one message; see the module docstring for trust."""

    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    from_addr: str | None
    from_name: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None
    text: str
    reply_text: str
    attachments: tuple[MailAttachment, ...]
    automatic: str | None
    bounce_of: tuple[str, ...]
    bounce_recipients: tuple[str, ...]
    language: str
    codes: tuple[str, ...]
    size: int
    defects: tuple[str, ...]


class _OnceEach(EmailPolicy):
    """``policy.default`` that parses each distinct header of one message only once.

    The email package parses a header again at every access, and the parser itself asks a part
    for its Content-Type several times: that was half of the parse time. Parsed headers are
    immutable; one instance serves one message, so the memo goes with it.
    """

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)
        object.__setattr__(self, "_memo", {})  # policies refuse ordinary attribute setting

    def header_fetch_parse(self, name: str, value: str) -> str:
        """Return the parsed header, from the memo when this message asked before."""
        if hasattr(value, "name"):
            return value
        key = (name, value)
        parsed = self._memo.get(key)
        if parsed is None:
            parsed = self._memo[key] = super().header_fetch_parse(name, value)
        return parsed


class UnparseableMail(Exception):
    """A message that cannot become a complaint or is hostile; ``reason`` is one short word."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def message_ids(value: str | None) -> tuple[str, ...]:
    """Return the normalised ``<local@domain>`` ids in a header value, in order, once each."""
    if not value:
        return ()
    bracketed = re.findall(r"<([^<>]*)>", value)
    candidates = bracketed or value.replace(",", " ").split()
    found = (re.sub(r"\s+", "", c) for c in candidates)
    return tuple(dict.fromkeys(f"<{c}>" for c in found if len(c) <= 998 and _MSG_ID.fullmatch(c)))


def _addr_spec(value: str) -> str | None:
    value = value.strip().lower()
    return value if _ADDR_SPEC.fullmatch(value) and not value.endswith(".") else None


def _mailboxes(values: list[str]) -> tuple[list[tuple[str, str]], bool]:
    """Return (display name, addr-spec) of every mailbox, and whether the reading was clean."""
    found, clean = [], True
    for value in values:
        try:
            header = policy.default.header_factory("to", fix_surrogates(value))
            addresses = header.addresses
        except Exception:  # e.g. RecursionError on deeply nested comments
            clean = False
            continue
        clean &= not any(isinstance(d, errors.InvalidHeaderDefect) for d in header.defects)
        found += [(a.display_name, a.addr_spec) for a in addresses]
    return found, clean


def _sender(msg: Message) -> tuple[str | None, str | None, str]:
    """Return From's address and name, or None when the header is missing or ambiguous."""
    values = raw_headers(msg, "from")
    if len(values) != 1:
        return None, None, "ambiguous From" if values else ""
    mailboxes, clean = _mailboxes(values)
    if len(mailboxes) != 1 or not clean:
        return None, None, "ambiguous From"
    name, spec = mailboxes[0]
    addr = _addr_spec(spec)
    unquoted = _QUOTED.sub('""', values[0])
    angles = re.findall(r"<([^<>]*)>", unquoted)
    if addr is None or len(angles) > 1 or (angles and _addr_spec(angles[0]) != addr):
        return None, None, "ambiguous From"
    phrase = re.match(r"\s*(.*?)\s*<[^<>]*>\s*$", values[0])
    if phrase and phrase[1]:  # decode ourselves: the email package replaces what it cannot read
        raw_name = phrase[1]
        if raw_name.startswith('"'):
            raw_name = re.sub(r"\\(.)", r"\1", raw_name[1:].removesuffix('"'))
        name = decode_words(raw_name)
    elif not name and (comment := re.search(r"\(([^()]*)\)\s*$", values[0])):
        name = decode_words(comment[1])  # the old "addr (Name)" form
    return addr, tidy_line(name).strip("\"' ") or None, ""


def _addresses(msg: Message, name: str) -> tuple[str, ...]:
    mailboxes, _ = _mailboxes(raw_headers(msg, name))
    return tuple(dict.fromkeys(a for _, s in mailboxes if (a := _addr_spec(s))))


def _date(msg: Message) -> datetime | None:
    value = raw_header(msg, "date")
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(tidy_line(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # "-0000" reads as naive


def _codes(subject: str) -> tuple[str, ...]:
    found = (normalise_code(m) for m in _CODE_ANY_CASE.findall(subject))
    return tuple(dict.fromkeys(c for c in found if c))


def _defect_names(msg: Message, body: Body, extra: str) -> tuple[str, ...]:
    names: list[str] = []
    stack = [msg]
    while stack:
        part = stack.pop(0)
        for defect in getattr(part, "defects", ()):
            name = type(defect).__name__.removesuffix("Defect")
            names.append(_CAMEL.sub(" ", name).lower())
        payload = part.get_payload()
        if isinstance(payload, list):
            stack += [p for p in payload if is_email_message(p)]
    names += body.defects + ([extra] if extra else [])
    return tuple(dict.fromkeys(names))


def _read(raw: bytes, max_bytes: int) -> Message:
    """Refuse what is too large or not a mail, then parse and check the structure."""
    if len(raw) > max_bytes:
        raise UnparseableMail("too-large", f"{len(raw)} bytes, limit {max_bytes}")
    head = raw.lstrip(b"\r\n\t ")[:4096]
    if not head:
        raise UnparseableMail("no-headers", "empty input")
    block = re.split(rb"\r?\n\r?\n", head, maxsplit=1)[0]  # a body may hold anything
    controls = sum(b < 9 or 13 < b < 32 or b == 127 for b in block)
    if b"\x00" in block or controls > len(block) // 100:
        raise UnparseableMail("not-a-mail", "binary data")
    if not _HEADER_START.match(head):
        raise UnparseableMail("no-headers", "the input does not start with a header")
    if len(re.findall(rb"(?im)^content-type[ \t]*:", raw)) > 2 * MAX_PARTS:
        raise UnparseableMail("too-many-parts", f"more than {MAX_PARTS} MIME parts")
    try:
        msg = email.message_from_bytes(raw.lstrip(b"\r\n\t "), policy=_OnceEach())
    except RecursionError:
        raise UnparseableMail("too-deep", f"nested deeper than {MAX_DEPTH}") from None
    except Exception as exc:
        raise UnparseableMail("not-a-mail", type(exc).__name__) from None
    names = {k.lower() for k in msg}
    if not names:
        raise UnparseableMail("no-headers", "no header block")
    if not names & _MAIL_HEADERS:
        raise UnparseableMail("not-a-mail", "none of the headers of a mail")
    return msg


def parse_mail(raw: bytes, *, max_bytes: int) -> ParsedMail:
    """Parse one RFC 822 message, or raise UnparseableMail with a short reason."""
    try:
        return _parse(raw, max_bytes)
    except UnparseableMail as exc:
        logger.info("mail refused: %s (%d bytes)", exc.reason, len(raw))
        raise


def _parse(raw: bytes, max_bytes: int) -> ParsedMail:
    msg = _read(raw, max_bytes)
    limits = Limits(MAX_PARTS, MAX_DEPTH, MAX_HEADER_BYTES)
    walker = Walker(limits)
    try:
        limits.check(msg)
        walker.walk(msg)
    except LimitExceeded as exc:
        raise UnparseableMail(exc.reason, exc.detail) from None
    body = walker.body
    from_addr, from_name, from_defect = _sender(msg)
    subject = tidy_line(decode_words(raw_header(msg, "subject") or ""))
    text = "\n\n".join(body.texts)
    reply_text = trim_reply(text, subject)
    automatic, recipients = classify.automatic_reason(
        msg, raw_header(msg, "from") or "", subject, body.reports
    )
    in_reply_to = message_ids(raw_header(msg, "in-reply-to"))
    references = message_ids(" ".join(raw_headers(msg, "references")))
    bounce_of: tuple[str, ...] = ()
    if automatic in ("bounce", "mailer-daemon"):
        found = classify.reported_ids(body.reports, body.forwarded, text)
        found_ids = [i for value in found for i in message_ids(value)]
        bounce_of = tuple(dict.fromkeys([*found_ids, *in_reply_to, *references]))
        recipients = recipients or classify.loose_bounce_recipients(text)
    attachments = tuple(
        MailAttachment(
            filename=leaf.filename,
            content=leaf.content,
            content_type=leaf.content_type,
            inline=leaf.disposition == "inline" or (leaf.content_id or "") in body.cids,
            content_id=leaf.content_id,
        )
        for leaf in body.leaves
    )
    if not (text or attachments or subject or automatic):
        raise UnparseableMail("no-content", "neither text nor attachments")
    mail = ParsedMail(
        message_id=next(iter(message_ids(raw_header(msg, "message-id"))), None),
        in_reply_to=in_reply_to,
        references=references,
        subject=subject,
        from_addr=from_addr,
        from_name=from_name,
        to=_addresses(msg, "to"),
        cc=_addresses(msg, "cc"),
        date=_date(msg),
        text=text,
        reply_text=reply_text,
        attachments=attachments,
        automatic=automatic,
        bounce_of=bounce_of,
        bounce_recipients=tuple(dict.fromkeys(recipients)),
        language=classify.language(f"{subject}\n{reply_text}"),
        codes=_codes(subject),
        size=len(raw),
        defects=_defect_names(msg, body, from_defect),
    )
    logger.debug("mail parsed: %d parts, %d attachments", limits.parts, len(attachments))
    return mail
