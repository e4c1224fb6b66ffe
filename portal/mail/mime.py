"""Decode the pieces of a MIME message without trusting a single declaration in it.

Every charset, transfer encoding, boundary and parameter here comes from the sender and may be
wrong, unknown or hostile. Each helper returns its best reading and never raises; what had to
be repaired is reported as a defect name so the caller can keep the raw message for inspectors.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from html.parser import HTMLParser
from urllib.parse import unquote

from portal.services.sanitize import BIDI_CONTROLS, clean_text

# Names mail clients send that Python does not know, or knows under a narrower meaning.
_ALIASES = {
    "iso-8859-1": "cp1252",  # as browsers do: mail labelled latin-1 is nearly always cp1252
    "latin1": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-mac-roman": "mac_roman",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "x-sjis": "cp932",
    "unicode-1-1-utf-7": "utf-7",
}
# Codecs that are not a charset at all, or that let the sender compose arbitrary code points.
_NOT_CHARSETS = {"unicode-escape", "raw-unicode-escape", "undefined", "idna", "punycode"}
_FALLBACKS = ("utf-8", "cp1252")
_SURROGATES = re.compile("[\udc80-\udcff]+")
_STRAY_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([QqBb])\?([^?\s]*)\?=")
_PARAM = re.compile(
    r';\s*([!#$%&\'+\-.^_`|~0-9A-Za-z]+?)(?:\*(\d+))?(\*)?\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)', re.S
)
_BOUNDARY_LINE = re.compile(r"(?im)^--([0-9a-z'()+_,./:=?-]{1,70}?)(?:--)?[ \t]*\r?\n(?=content-)")
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/=]")


def codec_for(name: str | None) -> str | None:
    """Return the Python codec for a declared charset name, or None if unusable."""
    name = (name or "").strip().strip("\"'").lower().split("*", 1)[0]
    name = _ALIASES.get(name, name)
    if not name:
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, UnicodeError):  # unknown, or a name with 8-bit bytes in it
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode with the declared charset, then UTF-8, then cp1252, then latin-1; never raise."""
    tried: list[str] = []
    for name in (codec_for(declared), *_FALLBACKS):
        if name is None or name in tried:
            continue
        tried.append(name)
        try:
            return data.decode(name)
        except (UnicodeError, LookupError, ValueError):
            continue
    return data.decode("latin-1")


def fix_surrogates(text: str) -> str:
    """Turn raw 8-bit bytes the parser kept as surrogate escapes into real characters."""
    if not _SURROGATES.search(text):
        return _STRAY_SURROGATES.sub("", text)
    text = _SURROGATES.sub(lambda m: decode_bytes(bytes(ord(c) - 0xDC00 for c in m[0])), text)
    return _STRAY_SURROGATES.sub("", text)


def tidy_line(text: str) -> str:
    """Return one line of header text: NFC, no controls or bidi overrides, single spaces."""
    text = unicodedata.normalize("NFC", fix_surrogates(text)).translate(BIDI_CONTROLS)
    text = _CONTROLS.sub(" ", text.replace("\ufffd", ""))
    return " ".join(text.split())


def tidy_text(text: str) -> str:
    """Return body text: NFC, LF line ends, no NULs, controls or bidi overrides, trimmed."""
    text = fix_surrogates(text).replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text).translate(BIDI_CONTROLS)
    text = _CONTROLS.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def unfold(value: str) -> str:
    """Undo header folding."""
    return _FOLD.sub("", value).replace("\r", "").replace("\n", "")


def raw_headers(msg: Message, name: str) -> list[str]:
    """Return every raw value of a header (unfolded, undecoded), without the parser's reading."""
    name = name.lower()
    return [unfold(str(v)) for k, v in msg.raw_items() if k.lower() == name]


def raw_header(msg: Message, name: str) -> str | None:
    """Return the first raw value of a header, or None."""
    values = raw_headers(msg, name)
    return values[0] if values else None


def _b_decode(data: bytes) -> tuple[bytes, bool]:
    """Decode base64 as far as it goes: junk skipped, chunks after inner padding kept."""
    if b"=" not in data.rstrip(b"=\r\n\t "):  # the usual, well-formed case, in C
        try:
            return binascii.a2b_base64(data), False
        except binascii.Error:
            pass
    chunks = re.split(rb"=+", _B64_JUNK.sub(b"", data))
    out, damaged = bytearray(), len(chunks[-1]) % 4 != 0
    for chunk in chunks:
        if len(chunk) % 4 == 1:  # a lone trailing character carries no whole byte
            chunk, damaged = chunk[:-1], True
        try:
            out += base64.b64decode(chunk + b"=" * (-len(chunk) % 4))
        except (binascii.Error, ValueError):
            damaged = True
    return bytes(out), damaged


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words (any charset, split multibyte runs joined) and raw 8-bit."""
    out: list[str] = []
    pending, charset, pos = bytearray(), None, 0

    def flush() -> None:
        nonlocal pending, charset
        if charset is not None:
            out.append(decode_bytes(bytes(pending), charset))
        pending, charset = bytearray(), None

    for m in _ENCODED_WORD.finditer(value):
        between = value[pos : m.start()]
        if between and (charset is None or between.strip()):
            flush()
            out.append(fix_surrogates(between))
        word = m[3].encode("ascii", "surrogateescape")
        data = binascii.a2b_qp(word, header=True) if m[2] in "Qq" else _b_decode(word)[0]
        if charset is not None and m[1].lower() != charset:
            flush()
        pending += data
        charset = m[1].lower()
        pos = m.end()
    flush()
    out.append(fix_surrogates(value[pos:]))
    return "".join(out)


def params(value: str | None) -> dict[str, str]:
    """Return a header's parameters, RFC 2231 continuations and charsets decoded."""
    segments: dict[str, dict[int, tuple[bool, str]]] = {}
    for m in _PARAM.finditer(value or ""):
        name, index, extended, text = m[1].lower(), int(m[2] or 0), bool(m[3]), m[4].strip()
        if text.startswith('"'):
            text = re.sub(r"\\(.)", r"\1", text[1:].removesuffix('"'))
        known = segments.setdefault(name, {})
        if index not in known or (extended and not known[index][0]):
            known[index] = (extended, text)
    result = {}
    for name, parts in segments.items():
        ordered = [parts[i] for i in sorted(parts)]
        if not any(extended for extended, _ in ordered):
            result[name] = decode_words("".join(text for _, text in ordered))
            continue
        charset, data = None, bytearray()
        for i, (extended, text) in enumerate(ordered):
            if extended:
                if i == 0 and text.count("'") >= 2:
                    charset, _, text = text.split("'", 2)
                data += _percent_decode(text)
            else:
                data += text.encode("utf-8", "surrogateescape")
        result[name] = decode_bytes(bytes(data), charset)
    return result


def _percent_decode(text: str) -> bytes:
    raw = text.encode("ascii", "surrogateescape")
    return re.sub(rb"%([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), raw)


def payload_bytes(part: Message, cte: str | None = None) -> tuple[bytes, list[str]]:
    """Return a leaf part's transfer-decoded bytes and the repairs that took."""
    cte = cte or (raw_header(part, "content-transfer-encoding") or "").strip().lower()
    payload = part.get_payload()
    if not isinstance(payload, str):
        return b"", []
    if cte == "base64":
        data, repaired = _b_decode(payload.encode("ascii", "surrogateescape"))
        return data, ["truncated or damaged base64"] if repaired else []
    if cte == "quoted-printable":
        return binascii.a2b_qp(payload.encode("ascii", "surrogateescape")), []
    try:
        data = part.get_payload(decode=True)
    except Exception:  # the email package raises on some damaged encodings: keep the raw bytes
        return payload.encode("utf-8", "surrogateescape"), ["undecodable transfer encoding"]
    return (data if isinstance(data, bytes) else b""), []


def guess_boundary(body: str) -> str | None:
    """Return the boundary a multipart body actually uses when its header lost or misnamed it."""
    found = Counter(m[1] for m in _BOUNDARY_LINE.finditer(body))
    return found.most_common(1)[0][0] if found else None


def safe_content_type(part: Message) -> str:
    """Return the part's content type, lowercase; a damaged header reads as octet-stream."""
    try:
        return part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"


def safe_disposition(part: Message) -> str | None:
    """Return "inline", "attachment" or None."""
    raw = (raw_header(part, "content-disposition") or "").split(";", 1)[0].strip().lower()
    return raw or None


def is_email_message(part: object) -> bool:
    """Tell whether a payload item is a parsed message part."""
    return isinstance(part, EmailMessage | Message)


# --- HTML to text -------------------------------------------------------------------------------

_GAPS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "ul",
    "ol",
    "dl",
    "table",
    "pre",
    "hr",
}
_LINES = {
    "address", "article", "aside", "center", "dd", "div", "dt", "fieldset", "figcaption", "figure",
    "footer", "form", "header", "li", "main", "nav", "section", "tbody", "tfoot", "thead", "tr",
}  # fmt: skip
_HIDDEN = {"script", "style", "head", "title", "template", "noscript", "object", "iframe"}
_CID = re.compile(r"""cid:([^\s"'<>)]+)""", re.I)
_ANGLED_ADDRESS = re.compile(r"<([^<>\s]+@[^<>\s]+)>")


class _HTMLText(HTMLParser):
    """Collect the visible text of an HTML body: blocks become lines, blockquotes "> " lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.hidden: list[str] = []
        self.quote = self.line_quote = self.pre = 0
        self.links: list[str | None] = []

    def _line(self, *, force: bool = False) -> None:
        """End the current line; an empty one only counts for <br>."""
        text = "".join(self.current)
        text = text.rstrip() if self.pre else " ".join(text.split())
        # "Name <a@b>" would read as a tag to the sanitiser and vanish with the address in it.
        text = _ANGLED_ADDRESS.sub(r"(\1)", text)
        if text:
            self.lines.append("> " * self.line_quote + text)
        elif force:
            self.lines.append("")
        self.current, self.line_quote = [], self.quote

    def _gap(self) -> None:
        self._line()
        if self.lines and self.lines[-1]:
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.hidden = [t for t in self.hidden if t != "head"]
        if tag in _HIDDEN:
            self.hidden.append(tag)
        elif tag == "br":
            self._line(force=True)
        elif tag in _GAPS or tag in _LINES:
            self._gap() if tag in _GAPS else self._line()
            self.quote += tag == "blockquote"
            self.pre += tag == "pre"
            if tag == "li":
                self.current.append("- ")
        elif tag in ("td", "th"):
            self.current.append(" ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            keep = re.match(r"(?i)(https?|mailto):", href) and len(href) < 500
            self.links.append(href if keep else None)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            if tag in self.hidden:
                del self.hidden[len(self.hidden) - 1 - self.hidden[::-1].index(tag)]
        elif tag in _GAPS or tag in _LINES:
            self._gap() if tag in _GAPS else self._line()
            self.quote = max(0, self.quote - (tag == "blockquote"))
            self.pre = max(0, self.pre - (tag == "pre"))
            self.line_quote = self.quote
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href and href.split(":", 1)[-1] not in "".join(self.current):
                self.current.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if not "".join(self.current).strip():
            self.line_quote = self.quote
        self.current.append(data)

    def text(self) -> str:
        self._line()
        return "\n".join(self.lines)


def html_to_text(html: str) -> str:
    """Reduce an HTML body to safe plain text (blocks → lines) through ``clean_text``."""
    parser = _HTMLText()
    with contextlib.suppress(Exception):  # HTMLParser is lenient; a broken body keeps its start
        parser.feed(html)
        parser.close()
    return clean_text(parser.text())


# --- Walking the part tree ----------------------------------------------------------------------

FORWARD_MARK = "---------- Forwarded message ---------"
_REPORT_TYPES = {
    "message/delivery-status", "message/global-delivery-status", "message/disposition-notification",
    "message/global-disposition-notification", "text/rfc822-headers", "message/rfc822-headers",
    "message/global-headers",
}  # fmt: skip


class LimitExceeded(Exception):
    """The structure is too large or too deep to be read safely."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass
class Limits:
    """What a message may contain; the part count is shared by every repaired sub-tree."""

    max_parts: int
    max_depth: int
    max_header: int
    parts: int = 0

    def check(self, root: Message, depth: int = 0) -> None:
        """Count parts, depth and header lengths of a tree without recursing."""
        stack = [(root, depth)]
        while stack:
            part, level = stack.pop()
            self.parts += 1
            if self.parts > self.max_parts:
                raise LimitExceeded("too-many-parts", f"more than {self.max_parts} MIME parts")
            if level > self.max_depth:
                raise LimitExceeded("too-deep", f"nested deeper than {self.max_depth}")
            for name, value in part.raw_items():
                if len(name) + len(str(value)) > self.max_header:
                    raise LimitExceeded("header-too-long", f"a header over {self.max_header} bytes")
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend((p, level + 1) for p in payload if is_email_message(p))


@dataclass
class Leaf:
    """A non-body part as found; inline-ness is settled once every HTML part has been read."""

    filename: str
    content: bytes
    content_type: str
    disposition: str | None
    content_id: str | None


@dataclass
class Body:
    """What a walk over the part tree found."""

    texts: list[str] = field(default_factory=list)
    leaves: list[Leaf] = field(default_factory=list)
    cids: set[str] = field(default_factory=set)
    reports: list[tuple[str, Message]] = field(default_factory=list)
    forwarded: list[Message] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def clean_filename(name: str) -> str:
    """Return a decoded filename without directories, controls or bidi overrides."""
    name = tidy_line(name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "" if name in (".", "..") else name[-255:]


def _content_id(part: Message) -> str | None:
    value = tidy_line(raw_header(part, "content-id") or "").strip("<> ")
    return value if value and len(value) <= 250 and " " not in value else None


class Walker:
    """Turn a part tree into body texts, attachments and report parts; one bad part loses itself."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.body = Body()

    def walk(self, part: Message, depth: int = 0, *, text: bool = True, leaf: bool = False) -> None:
        """Read one part and everything below it (``leaf``: keep it whole as an attachment)."""
        try:
            if leaf:
                self._leaf(part, safe_content_type(part))
            else:
                self._walk(part, depth, text)
        except LimitExceeded:
            raise
        except Exception as exc:  # one broken part never loses the rest
            self.body.defects.append(f"unreadable part ({type(exc).__name__})")

    def _walk(self, part: Message, depth: int, text: bool) -> None:
        ctype = safe_content_type(part)
        maintype, _, subtype = ctype.partition("/")
        if maintype == "multipart":
            self._multipart(part, subtype, depth, text)
        elif ctype in ("message/rfc822", "message/global"):
            self._forwarded(part, depth, text)
        elif ctype in _REPORT_TYPES:
            self.body.reports.append((ctype, part))
        elif ctype in ("text/plain", "text/html") and self._is_body(part):
            if text:
                self._text(part, subtype)
            elif subtype == "html":
                self._text(part, subtype, keep=False)
        else:
            self._leaf(part, ctype)

    def _is_body(self, part: Message) -> bool:
        if safe_disposition(part) == "attachment":
            return False
        return not (params(raw_header(part, "content-disposition")).get("filename")
                    or params(raw_header(part, "content-type")).get("name"))  # fmt: skip

    def _multipart(self, part: Message, subtype: str, depth: int, text: bool) -> None:
        if not part.is_multipart():
            return self._repair(part, subtype, depth, text)
        children = [p for p in part.get_payload() if is_email_message(p)]
        if subtype == "alternative":
            chosen = self._alternative(part, children)
            for child in children:
                self.walk(child, depth + 1, text=text and child is chosen)
        elif subtype == "related":
            start = params(raw_header(part, "content-type")).get("start", "").strip("<> ")
            root = next((c for c in children if _content_id(c) == start), None) if start else None
            root = root or (children[0] if children else None)
            for child in children:
                if child is root:
                    self.walk(child, depth + 1, text=text)
                else:
                    self.walk(child, depth + 1, text=text, leaf=True)
        else:
            for child in children:
                self.walk(child, depth + 1, text=text)

    def _alternative(self, part: Message, children: list[Message]) -> Message | None:
        """Prefer text/plain; an empty plain alternative ("view this in HTML") yields to HTML."""
        try:
            chosen = part.get_body(preferencelist=("plain", "html"))
        except Exception:  # a damaged alternative: take the first readable child below
            chosen = None
        if chosen is not None and safe_content_type(chosen) == "text/plain":
            data, _ = payload_bytes(chosen)
            if not decode_bytes(data, self._charset(chosen)).strip():
                chosen = part.get_body(preferencelist=("html",)) or chosen
        if chosen is None:
            return next((c for c in children if safe_content_type(c).startswith("multipart/")),
                        children[-1] if children else None)  # fmt: skip
        return next((c for c in children if c is chosen or _contains(c, chosen)), None)

    def _repair(self, part: Message, subtype: str, depth: int, text: bool) -> None:
        """Read a multipart whose boundary is missing or never found as well as it can be."""
        body = part.get_payload()
        body = body if isinstance(body, str) else ""
        boundary = guess_boundary(body)
        if boundary:
            head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n'
            sub = message_from_bytes(
                head.encode() + body.encode("ascii", "surrogateescape"), policy=policy.default
            )
            if sub.is_multipart():
                self.body.defects.append("boundary guessed")
                self.limits.check(sub, depth)
                self.limits.parts -= 1  # the rebuilt container stands for the part already counted
                return self._multipart(sub, subtype, depth, text)
        self.body.defects.append("multipart body read as plain text")
        if text and body.strip():
            cleaned = tidy_text(decode_bytes(body.encode("ascii", "surrogateescape")))
            self.body.texts.append(cleaned)

    def _forwarded(self, part: Message, depth: int, text: bool) -> None:
        inner = next((p for p in part.get_payload() if is_email_message(p)), None)
        if inner is None:
            return self._leaf(part, "message/rfc822")
        cte = (raw_header(part, "content-transfer-encoding") or "").strip().lower()
        if cte in ("base64", "quoted-printable") and isinstance(inner.get_payload(), str):
            # Not allowed by RFC 2046, sent anyway: the parser read the encoded text as a message.
            data, _ = payload_bytes(inner, cte)
            inner = message_from_bytes(data, policy=policy.default)
            self.limits.check(inner, depth + 1)
            self.body.defects.append("encoded message/rfc822")
        self.body.forwarded.append(inner)
        if text:
            lines = [FORWARD_MARK]
            for name in ("From", "Date", "Subject", "To"):
                value = raw_header(inner, name)
                if value is not None:
                    lines.append(f"{name}: {tidy_line(decode_words(value))}")
            self.body.texts.append("\n".join(lines))
        self.walk(inner, depth + 1, text=text)

    def _charset(self, part: Message) -> str | None:
        return params(raw_header(part, "content-type")).get("charset")

    def _text(self, part: Message, subtype: str, *, keep: bool = True) -> None:
        data, repairs = payload_bytes(part)
        self.body.defects.extend(repairs)
        content = decode_bytes(data.replace(b"\x00", b""), self._charset(part))
        if subtype == "html":
            self.body.cids.update(unquote(c) for c in _CID.findall(content))
            content = html_to_text(content)
        else:
            ctype = params(raw_header(part, "content-type"))
            if ctype.get("format", "").lower() == "flowed":
                content = unflow(content, ctype.get("delsp", "").lower() == "yes")
        content = tidy_text(content)
        if keep and content.strip():
            self.body.texts.append(content)

    def _leaf(self, part: Message, ctype: str) -> None:
        if part.is_multipart() or not isinstance(part.get_payload(), str):
            try:
                content = part.as_bytes(policy=policy.default)
            except Exception:
                content = b""
        else:
            content, repairs = payload_bytes(part)
            self.body.defects.extend(repairs)
        filename = (params(raw_header(part, "content-disposition")).get("filename")
                    or params(raw_header(part, "content-type")).get("name") or "")  # fmt: skip
        self.body.leaves.append(
            Leaf(
                clean_filename(filename), content, ctype, safe_disposition(part), _content_id(part)
            )  # fmt: skip
        )


def _contains(tree: Message, target: Message) -> bool:
    stack = [tree]
    while stack:
        node = stack.pop()
        if node is target:
            return True
        payload = node.get_payload()
        if isinstance(payload, list):
            stack.extend(p for p in payload if is_email_message(p))
    return False


def unflow(text: str, delsp: bool) -> str:
    """Join the soft line breaks of RFC 3676 format=flowed text, keeping quote depth."""
    out: list[tuple[int, str]] = []
    joining = False
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:].removeprefix(" ")
        soft = content.endswith(" ") and content != "-- "
        if soft and delsp:
            content = content[:-1]
        if joining and out and out[-1][0] == depth:
            out[-1] = (depth, out[-1][1] + content)
        else:
            out.append((depth, content))
        joining = soft
    return "\n".join(("> " * d if d else "") + c for d, c in out)
