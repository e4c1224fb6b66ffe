"""Property-based tests: no input makes the sanitiser, the mail parser or intake validation
raise an unexpected exception or let markup through."""

from __future__ import annotations

import html
import string
import unicodedata
from pathlib import Path

import bleach
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from models.enums import Channel
from portal.mail.parse import ParsedMail, UnparseableMail, parse_mail
from portal.services.intake import (
    ComplaintSubmission,
    Contact,
    IntakeSettings,
    ValidationFailed,
    submit_complaint,
)
from portal.services.reference_data import ensure_categories
from portal.services.sanitize import clean_text
from tests.factories import gen_agency, gen_unit

FIXTURES = sorted((Path(__file__).parent.parent / "fixtures" / "mail").glob("*.eml"))
MAX_MAIL_BYTES = 1024 * 1024
SETTINGS = settings(max_examples=60, deadline=None, database=None)

# Pieces of markup, entities and controls, so that hostile combinations come up often.
FRAGMENTS = [
    "<", ">", "&", "/", "!", "--", "<b>", "</b>", "<script>", "</script>", "<!--", "-->",
    "<img src=x onerror=alert(1)>", "<a href='javascript:x'>", "<svg/onload=x>", "<!DOCTYPE",
    "&lt;", "&gt;", "&amp;", "&#60;", "&#x3c;", "&quot;", "lt;", "gt;", "amp;", "<<", ">>",
    "\x00", "\r", "\n", "\t", "\u202e", "\u2066", "\u00a0", "\ufeff", "e\u0301", "<![CDATA[",
]  # fmt: skip
hostile_text = st.lists(
    st.one_of(st.text(max_size=12), st.sampled_from(FRAGMENTS)), max_size=25
).map("".join)


def assert_no_markup(out: str) -> None:
    """Nothing in ``out`` is a tag or a comment: stripping them changes nothing."""
    stripped = bleach.clean(out, tags=set(), strip=True, strip_comments=True)
    escaped = bleach.clean(out, tags=set(), strip=False, strip_comments=False)
    assert stripped == escaped, f"markup survived in {out!r}"


# --- the sanitiser ---------------------------------------------------------------------------


@SETTINGS
@given(value=st.one_of(hostile_text, st.text()), multiline=st.booleans())
@example(value="<<b>script>alert(1)<</b>/script>", multiline=True)
@example(value="&lt;script&gt;alert(1)&lt;/script&gt;", multiline=False)
@example(value="&amp;lt;img src=x onerror=alert(1)&amp;gt;", multiline=True)
def test_clean_text_never_raises_and_lets_no_markup_through(value, multiline):
    out = clean_text(value, multiline=multiline)
    assert isinstance(out, str)
    assert_no_markup(out)
    assert "\x00" not in out and "\r" not in out
    assert out == out.strip()
    if not multiline:
        assert "\n" not in out
    # Idempotent: cleaning clean text changes nothing.
    assert clean_text(out, multiline=multiline) == out


@SETTINGS
@given(value=hostile_text)
@example(value="<b>tebal</b> &amp; <i>miring</i>")
def test_clean_text_output_round_trips_through_bleach(value):
    """The brief's form: bleach finds nothing to strip, and unescaping gives the text back."""
    out = clean_text(value)
    # Limit to at most three levels of entity encoding, which the sanitiser decodes by design.
    if "&amp;amp;" in value:
        return
    assert html.unescape(bleach.clean(out, tags=set(), strip=True, strip_comments=True)) == out


@SETTINGS
@given(value=st.one_of(st.none(), st.integers(), st.floats(), st.binary(max_size=40)))
def test_clean_text_accepts_any_object(value):
    assert isinstance(clean_text(value), str)


@pytest.mark.parametrize("value", ["a&#x202E;b", "a&#8238;b", "x&#x2066;y", "e&#x301;"])
def test_entity_encoded_controls_do_not_survive(value):
    out = clean_text(value)
    assert not set(out) & {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2069"}
    assert unicodedata.is_normalized("NFC", out)


# --- the mail parser -------------------------------------------------------------------------


# Found by these tests (now fixed): an 8-bit byte in a charset name made codec_for raise.
CHARSET_8BIT = b"From: a@example.org\r\nSubject: =?\x80utf-8?q?x?=\r\n\r\nhalo\r\n"


def parse_or_refuse(raw: bytes) -> None:
    try:
        result = parse_mail(raw, max_bytes=MAX_MAIL_BYTES)
    except UnparseableMail:
        return
    assert isinstance(result, ParsedMail)


def test_charset_with_8bit_byte_is_refused_or_decoded():
    parse_or_refuse(CHARSET_8BIT)


@SETTINGS
@given(raw=st.binary(max_size=2048))
@example(raw=b"")
@example(raw=b"\x00" * 64)
@example(raw=b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x--")
def test_parse_mail_on_arbitrary_bytes_parses_or_refuses(raw):
    parse_or_refuse(raw)


@st.composite
def mutated_fixture(draw) -> bytes:
    """A real message with bytes flipped, inserted and deleted."""
    data = bytearray(FIXTURES[draw(st.integers(0, len(FIXTURES) - 1))].read_bytes())
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "splice"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(
                st.one_of(
                    st.binary(min_size=1, max_size=16),
                    st.sampled_from(
                        [b"\r\n", b"\r\n\r\n", b"--", b"=?utf-8?B?", b"?=", b"; charset=", b"\x00"]
                    ),
                )
            )
        elif kind == "delete" and data:
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "splice" and data:
            end = min(len(data), at + draw(st.integers(1, 256)))
            data[at:at] = data[at:end]
    return bytes(data)


@settings(max_examples=120, deadline=None, database=None)
@given(raw=mutated_fixture())
def test_parse_mail_on_mutated_fixtures_parses_or_refuses(raw):
    parse_or_refuse(raw)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_every_fixture_truncated_parses_or_refuses(fixture):
    data = fixture.read_bytes()
    for cut in range(0, len(data), max(1, len(data) // 40)):
        parse_or_refuse(data[:cut])


# --- intake validation -----------------------------------------------------------------------


@pytest.fixture
def seeded(session):
    ensure_categories(session)
    agency = gen_agency(session, name="Kementerian Properti")
    gen_unit(session, agency, name="Direktorat Pendaftaran Penduduk")
    session.commit()
    return session


field_text = st.one_of(
    st.none(),
    hostile_text,
    st.text(max_size=300),
    st.sampled_from(["pungli", "direktorat-pendaftaran-penduduk", "anonim", "rahasia", ""]),
    st.text(alphabet=string.digits + "-", min_size=8, max_size=12),  # date-like
    st.just("x" * 5000),
)
email_text = st.one_of(field_text, st.emails())


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    channel=st.sampled_from(list(Channel)),
    fields=st.fixed_dictionaries(
        {
            "category": field_text,
            "title": field_text,
            "description": field_text,
            "privacy": field_text,
            "unit": field_text,
            "unit_hint": field_text,
            "incident_date": field_text,
            "incident_place": field_text,
            "reported_party": field_text,
            "submission_token": field_text,
        }
    ),
    contact=st.builds(Contact, name=field_text, email=email_text, phone=field_text),
)
def test_submit_complaint_validates_or_files(app, seeded, channel, fields, contact):
    session = seeded
    intake = IntakeSettings.from_config(app.config)
    submission = ComplaintSubmission(channel=channel, contact=contact, **fields)
    try:
        filed = submit_complaint(session, submission, intake)
    except ValidationFailed as exc:
        assert exc.errors and all(exc.errors.values())
    else:
        complaint = filed.complaint
        for text in (complaint.title, complaint.body, complaint.incident_place):
            if text:
                assert_no_markup(text)
    finally:
        session.rollback()


@settings(max_examples=400, deadline=None, database=None)
@given(value=st.text().filter(lambda t: "<" not in t and "&" not in t))
def test_text_without_markup_characters_is_what_bleach_would_give_back(value):
    """The sanitiser skips bleach when there is no '<' and no '&': nothing is lost by that."""
    from portal.services.sanitize import _CONTROLS, BIDI_CONTROLS

    # clean_text removes controls and bidi overrides before stripping markup; so do we here.
    text = _CONTROLS.sub("", unicodedata.normalize("NFC", value).translate(BIDI_CONTROLS))
    bleached = html.unescape(bleach.clean(text, tags=set(), strip=True, strip_comments=True))
    assert bleached == text
