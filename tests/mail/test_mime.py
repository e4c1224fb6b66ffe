"""Decoding helpers: charsets, encoded words, parameters, transfer encodings, HTML, flowed text."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from portal.mail.mime import (
    clean_filename,
    codec_for,
    decode_bytes,
    decode_words,
    guess_boundary,
    html_to_text,
    params,
    payload_bytes,
    unflow,
)


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        (b"caf\xc3\xa9", "utf-8", "café"),
        (b"caf\xe9", "utf-8", "café"),  # says UTF-8, is cp1252
        (b"caf\xc3\xa9", "us-ascii", "café"),  # says ASCII, is UTF-8
        (b"\x93kutip\x94 \x80", "x-no-such-charset", "“kutip” €"),
        (b"\x80", "iso-8859-1", "€"),  # latin-1 labels mean cp1252 in practice
        (b"\x81\x8d", None, "\x81\x8d"),  # undefined in cp1252: latin-1 never fails
        (b"\xa1", "windows-874", "ก"),  # Thai, under a name Python lacks
        (b"\\u0041", "unicode_escape", "\\u0041"),  # not a charset: never interpreted
        (b"eJwLyQjOzEn", "zlib", "eJwLyQjOzEn"),
        (b"caf\xc3\xa9", '"UTF-8"', "café"),
        (b"", "utf-8", ""),
    ],
)
def test_decode_bytes_falls_back_and_never_raises(
    data: bytes, declared: str | None, expected: str
) -> None:
    assert decode_bytes(data, declared) == expected


@pytest.mark.parametrize(
    ("name", "codec"),
    [("UTF-8", "utf-8"), ("utf-8*id", "utf-8"), ("iso-8859-8-i", "iso8859-8"), ("rot13", None),
     ("undefined", None), ("idna", None), ("", None), (None, None), ("ks_c_5601-1987", "cp949")],
)  # fmt: skip
def test_codec_for_accepts_only_real_charsets(name: str | None, codec: str | None) -> None:
    assert codec_for(name) == codec


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=?utf-8?q?Pungli_di_loket?=", "Pungli di loket"),
        ("=?UTF-8?B?UHVuZ2xp?= =?UTF-8?B?IGRpIGxva2V0?=", "Pungli di loket"),
        ("=?utf-8?b?4oCT?=", "–"),
        ("=?utf-8?b?4g==?= =?utf-8?b?gA==?= =?utf-8?b?kw==?=", "–"),  # one character, three words
        ("=?utf-8?q?=E2=80?= =?utf-8?q?=93?=", "–"),
        ("=?utf-8?q?caf=E9?=", "café"),  # the label lies
        ("=?x-unknown?q?caf=E9?=", "café"),
        ("=?iso-8859-1?q?caf=E9?= au lait", "café au lait"),
        ("Re: =?utf-8?q?Pungli?= di loket", "Re: Pungli di loket"),
        ("=?utf-8*id?q?Halo?=", "Halo"),
        ("=?utf-8?b?SGFsbw?=", "Halo"),  # missing padding
        ("no words at all", "no words at all"),
        ("caf\udce9 \udcc3\udca9", "café é"),  # raw 8-bit header bytes
    ],
)
def test_decode_words(value: str, expected: str) -> None:
    assert decode_words(value) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("attachment; filename=laporan.pdf", "laporan.pdf"),
        ('attachment; filename="laporan; final.pdf"', "laporan; final.pdf"),
        ('attachment; filename="kata \\"kunci\\".pdf"', 'kata "kunci".pdf'),
        ("attachment; filename*=utf-8''Foto%20kantor%20%C3%A9.jpg", "Foto kantor é.jpg"),
        ("attachment; filename*=UTF-8'id'%E2%80%93.pdf", "–.pdf"),
        ("attachment; filename*0*=utf-8''Lap%C3; filename*1*=%A9.pdf", "Lapé.pdf"),
        ("attachment; filename*1=b.pdf; filename*0=a", "ab.pdf"),
        ("attachment; filename*=x-unknown''caf%E9.pdf", "café.pdf"),
        ("attachment; filename*=iso-8859-1''caf%E9.pdf", "café.pdf"),
        ('attachment; filename="=?UTF-8?B?Rm90byBrw6l0b3IuanBn?="', "Foto kétor.jpg"),
        ("attachment; filename=\"old.pdf\"; filename*=utf-8''n%C3%A9w.pdf", "néw.pdf"),
        ('attachment; filename="caf\udce9.pdf"', "café.pdf"),
        ('attachment; filename="unterminated.pdf', "unterminated.pdf"),
    ],
)
def test_params_decode_every_filename_form(header: str, expected: str) -> None:
    assert params(header)["filename"] == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\win.ini", "win.ini"),
        ("foto\u202egpj.exe", "fotogpj.exe"),
        ("a\x00b\x07c.txt", "a b c.txt"),
        ("..", ""),
        ("  spasi.pdf  ", "spasi.pdf"),
        ("Cafe\u0301.jpg", "Café.jpg"),
    ],
)
def test_filenames_lose_directories_controls_and_bidi_overrides(name: str, expected: str) -> None:
    assert clean_filename(name) == expected


def part(cte: str, payload: bytes) -> object:
    raw = b"Content-Type: application/octet-stream\nContent-Transfer-Encoding: " + cte.encode()
    return message_from_bytes(raw + b"\n\n" + payload, policy=policy.default)


@pytest.mark.parametrize(
    ("cte", "payload", "data", "damaged"),
    [
        ("base64", b"SGVsbG8gd29ybGQh\n", b"Hello world!", False),
        ("base64", b"SGVsbG8g\nd29ybGQh\n", b"Hello world!", False),
        ("base64", b"SGVsbG8gd29ybGQ\n", b"Hello world", True),  # padding lost
        ("base64", b"SGVsbG8gd29ybGQhI\n", b"Hello world!", True),  # cut at 4n+1
        ("base64", b"SGVsbG8=\nIHdvcmxk\n", b"Hello world", False),  # two encoded chunks
        ("base64", b"SGVs*bG8=\n", b"Hello", False),
        ("quoted-printable", b"caf=C3=A9 =\nlanjut\n", b"caf\xc3\xa9 lanjut\n", False),
        ("8bit", b"caf\xe9\n", b"caf\xe9\n", False),
        ("binary", b"\x00\x01\xff\n", b"\x00\x01\xff\n", False),
        ("x-unknown", b"as is\n", b"as is\n", False),
    ],
)
def test_transfer_encodings_are_undone_as_far_as_they_go(
    cte: str, payload: bytes, data: bytes, damaged: bool
) -> None:
    assert payload_bytes(part(cte, payload)) == (data, ["truncated or damaged base64"] * damaged)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Satu</p><p>Dua</p>", "Satu\n\nDua"),
        ("<div>Satu</div><div><br></div><div>Dua</div>", "Satu\n\nDua"),
        ("Satu<br>Dua<br/>Tiga", "Satu\nDua\nTiga"),
        ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
        ("<script>alert(1)</script>Aman", "Aman"),
        ("<SCRIPT>alert(1)</SCRIPT>Aman", "Aman"),
        ("<style>p{}</style><p>Aman</p>", "Aman"),
        ("<head><title>Judul</title></head><body>Isi</body>", "Isi"),
        ("<head><title>x</title><body>Isi tanpa penutup head", "Isi tanpa penutup head"),
        ('<img src=x onerror="alert(1)">Teks', "Teks"),
        ("a &lt; b &amp;&amp; c &gt; d", "a < b && c > d"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "alert(1)"),
        ("<p>Halo <b>dunia</b></p>", "Halo dunia"),
        ("<blockquote><p>kutipan</p><blockquote>dalam</blockquote></blockquote>jawab",
         "> kutipan\n\n> > dalam\n\njawab"),
        ('<a href="https://x.example/a">peta</a>', "peta (https://x.example/a)"),
        ('<a href="https://x.example/a">https://x.example/a</a>', "https://x.example/a"),
        ('<a href="javascript:alert(1)">klik</a>', "klik"),
        ('<a href="mailto:a@b.id">a@b.id</a>', "a@b.id"),
        ("Budi &lt;budi@example.co.id&gt; menulis:", "Budi (budi@example.co.id) menulis:"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
        ("<pre>  baris\n    menjorok</pre>", "baris\n menjorok"),  # clean_text folds spaces
        ("<p>tidak ditutup <div>sama sekali", "tidak ditutup\nsama sekali"),
        ("Teks\u202edibalik\x00", "Teksdibalik"),
        ("<!-- komentar -->Isi<!--[if mso]>x<![endif]-->", "Isi"),
        ("", ""),
    ],
)  # fmt: skip
def test_html_becomes_plain_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


@pytest.mark.parametrize(
    ("text", "delsp", "expected"),
    [
        ("satu \ndua\n", False, "satu dua\n"),
        ("satu\ndua", False, "satu\ndua"),
        ("> kutip \n> lanjut\nbukan", False, "> kutip lanjut\nbukan"),
        ("kata- \nsambung", True, "kata-sambung"),
        ("-- \ntanda tangan", False, "-- \ntanda tangan"),
        (" >bukan kutipan", False, ">bukan kutipan"),
    ],
)
def test_format_flowed_is_joined(text: str, delsp: bool, expected: str) -> None:
    assert unflow(text, delsp) == expected


@pytest.mark.parametrize(
    ("body", "boundary"),
    [
        ("--abc\nContent-Type: text/plain\n\nx\n--abc--\n", "abc"),
        ("pre\n--=_Part_1\ncontent-type: text/plain\n\nx\n--=_Part_1\nContent-Type: a/b\n\n",
         "=_Part_1"),
        ("just text\n-- \nsignature\n", None),
        ("--not-followed-by-headers\nhello\n", None),
    ],
)  # fmt: skip
def test_guess_boundary(body: str, boundary: str | None) -> None:
    assert guess_boundary(body) == boundary
