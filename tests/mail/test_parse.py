"""parse_mail over the .eml corpus in tests/fixtures/mail and over hostile input built here."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from portal.mail import parse as parse_module
from portal.mail.parse import MailAttachment, ParsedMail, UnparseableMail, message_ids, parse_mail

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
ALL = sorted(p.name for p in FIXTURES.glob("*.eml"))
MANIFEST = json.loads((FIXTURES / "attachments.json").read_text())
MAX = 30 * 1024 * 1024
OUR_ACK = "<3f0c9a1e5b7d4c2a8e6f1b0d9c8a7e6f@zi-portal.invalid>"
REFUSED = {"39-binary-garbage.eml": "not-a-mail"}
NOISE = {
    "22-auto-submitted.eml": "auto-submitted",
    "23-out-of-office-x-autoreply.eml": "autoreply-header",
    "24-auto-response-suppress.eml": "auto-response-suppress",
    "25-precedence-bulk.eml": "precedence",
    "26-list-newsletter.eml": "list",
    "27-dsn-bounce.eml": "bounce",
    "28-mailer-daemon-plain.eml": "mailer-daemon",
    "29-read-receipt.eml": "read-receipt",
    "30-dsn-delayed.eml": "delivery-status",
    "46-null-sender-notification.eml": "null-sender",
}
PERSONS = [n for n in ALL if n not in NOISE and n not in REFUSED]
ENGLISH = {
    "02-en-complaint.eml",
    "10-pdf-attachment.eml",
    "17-reply-apple-mail.eml",
    "20-forward-apple.eml",
    "23-out-of-office-x-autoreply.eml",
    "27-dsn-bounce.eml",
    "28-mailer-daemon-plain.eml",
    "30-dsn-delayed.eml",
}


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(name: str) -> ParsedMail:
    return parse_mail(raw(name), max_bytes=MAX)


def test_the_corpus_has_at_least_32_fixtures_and_the_readme_lists_each() -> None:
    readme = (FIXTURES / "README.md").read_text()
    assert len(ALL) >= 32
    assert [n for n in ALL if f"`{n}`" not in readme] == []


@pytest.mark.parametrize("name", ALL)
def test_every_fixture_parses_or_is_refused_for_its_reason(name: str) -> None:
    if name in REFUSED:
        with pytest.raises(UnparseableMail) as caught:
            parse(name)
        assert caught.value.reason == REFUSED[name]
        return
    mail = parse(name)
    assert mail.size == len(raw(name))
    assert mail.language in ("id", "en")
    assert "\x00" not in mail.text and "\r" not in mail.text
    assert mail.message_id is None or message_ids(mail.message_id) == (mail.message_id,)
    assert mail.date is None or mail.date.tzinfo is not None
    assert mail.reply_text == mail.text or mail.text.startswith(mail.reply_text)
    assert all(isinstance(a, MailAttachment) for a in mail.attachments)


@pytest.mark.parametrize(
    ("name", "subject", "from_addr", "from_name"),
    [
        ("01-id-complaint-plain.eml",
         "Pungutan liar di loket pelayanan KTP Kecamatan Cibeunying",
         "budi.santoso@example.co.id", "Budi Santoso"),
        ("02-en-complaint.eml",
         'Visa extension office asked me for an unofficial "fast track" fee',
         "sarah.walker@example.com", "Sarah Walker"),
        ("03-encoded-words.eml", "Pengaduan: layanan paspor – antrean 5 jam “tanpa kejelasan”",
         "dewi@example.net", "Dewi Renée Kusuma"),
        ("08-unknown-charset.eml", "Pelayanan pajak lambat – Bandung", "teguh@example.co.id",
         "Teguh"),
        ("37-no-message-id.eml", "Tidak ada kuitansi untuk retribusi pasar",
         "sri.lestari@example.co.id", "Sri Lestari"),
        ("47-raw-8bit-headers.eml", "Pungutan di bandara – café déjà vu", "rene@example.fr",
         "René Dupré"),
        ("35-own-address.eml", "[ZI-7K3F-9QPM] Pengaduan Anda telah diterima",
         "pengaduan@zi-portal.invalid", "ZI Portal"),
        ("33-headers-only.eml", "Minta dihubungi soal pungli di terminal bus",
         "fajar@example.co.id", "Fajar Nugroho"),
    ],
)  # fmt: skip
def test_headers_are_decoded(name: str, subject: str, from_addr: str, from_name: str) -> None:
    mail = parse(name)
    assert (mail.subject, mail.from_addr, mail.from_name) == (subject, from_addr, from_name)


def test_to_and_cc_are_lowercased_addr_specs() -> None:
    mail = parse("02-en-complaint.eml")
    assert mail.to == ("pengaduan@zi-portal.invalid",)
    assert mail.cc == ("tom.baker@example.com",)


@pytest.mark.parametrize(
    "name",
    ["40-spoofed-from.eml", "41-two-from-headers.eml"],
)
def test_an_ambiguous_from_gives_no_identity(name: str) -> None:
    mail = parse(name)
    assert mail.from_addr is None and mail.from_name is None
    assert "ambiguous From" in mail.defects
    assert mail.codes == ("ZI-7K3F-9QPM",)


def test_reply_to_never_becomes_the_identity() -> None:
    assert parse("42-reply-to-not-identity.eml").from_addr == "nur.hidayah@example.co.id"


def test_threading_headers_are_normalised_in_order() -> None:
    mail = parse("12-reply-gmail.eml")
    assert mail.message_id == "<CAHx7Qm0Rr2kPz1uX4b@mail.example.co.id>"
    assert mail.in_reply_to == (OUR_ACK,)
    assert mail.references == ("<CAHx7Qm3e0Lq9v-8x2Z@mail.example.co.id>", OUR_ACK)
    assert mail.codes == ("ZI-7K3F-9QPM",)


def test_a_missing_message_id_is_none_and_a_minus_zero_date_is_utc() -> None:
    mail = parse("37-no-message-id.eml")
    assert mail.message_id is None
    assert mail.date == datetime(2024, 6, 17, 15, 45, 40, tzinfo=UTC)


def test_dates_keep_their_offset() -> None:
    date = parse("01-id-complaint-plain.eml").date
    assert date is not None and date.utcoffset() == timedelta(hours=7)


def test_duplicate_twins_share_their_message_id() -> None:
    a, b = parse("38-twin-a.eml"), parse("38-twin-b.eml")
    assert a.message_id == b.message_id == "<CAN7Lp2xK9vW0q@mail.example.co.id>"
    assert a.text == b.text


def test_codes_come_from_the_subject_normalised_valid_and_once() -> None:
    mail = parse("36-stranger-code.eml")
    assert mail.codes == ("ZI-7K3F-9QPM", "ZI-4MRT-X8HW")  # ZI-0000-1111 is not a code
    assert mail.from_addr == "orang.lain@example.net"


def test_codes_in_the_body_are_not_codes() -> None:
    assert parse("19-forward-rfc822.eml").codes == ()
    assert "ZI-" not in parse("01-id-complaint-plain.eml").subject


# --- bodies and charsets --------------------------------------------------------------------


def test_wrong_declared_charset_falls_back_to_cp1252() -> None:
    text = parse("07-wrong-charset.eml").text
    assert "Petugas berkata “kalau mau cepat, bayar €50” – saya menolak." in text
    assert "(café sebelah)" in text and "\ufffd" not in text


def test_unknown_charset_is_read_as_utf8() -> None:
    assert parse("08-unknown-charset.eml").text == (
        "Pelayanan di kantor pajak sangat lambat – antre 4 jam, tidak ada kursi."
    )


def test_quoted_printable_and_format_flowed_are_undone() -> None:
    assert "Nomor antrean saya sudah dipanggil" in parse("03-encoded-words.eml").text
    assert (
        "told me that my visa extension would take three weeks" in parse("02-en-complaint.eml").text
    )


def test_alternative_prefers_the_plain_text() -> None:
    text = parse("05-alternative.eml").text
    assert "HTML-ONLY-MARKER" not in text and "<p>" not in text
    assert 'Staf menyarankan saya "menghubungi orang dalam".' in text


@pytest.mark.parametrize(
    "forbidden",
    ["<", "script", "alert", "document.cookie", "onerror", "PAGE-TITLE", "IFRAME-TEXT",
     "font-family", "javascript"],
)  # fmt: skip
def test_html_only_becomes_inert_text(forbidden: str) -> None:
    assert forbidden not in parse("06-html-only-hostile.eml").text


def test_html_only_keeps_its_text_and_structure() -> None:
    text = parse("06-html-only-hostile.eml").text
    assert text.startswith("Laporan parkir liar\n\nDi depan kantor Samsat ada juru parkir liar")
    assert "memungut Rp10.000 & mengancam warga." in text
    assert "peta lokasi (https://maps.example.org/samsat)" in text
    assert "- Setiap hari kerja\n- Pukul 08.00–12.00" in text


def test_nested_multiparts_keep_every_text_part_in_order() -> None:
    mail = parse("43-nested-multiparts.eml")
    assert mail.text == (
        "Pemenang pengadaan laptop kecamatan sudah ditentukan sebelum lelang dibuka.\n\nSalam, Eko"
    )
    assert [a.filename for a in mail.attachments] == ["daftar-peserta.csv"]


def test_a_mail_with_only_headers_is_returned_empty() -> None:
    mail = parse("33-headers-only.eml")
    assert (mail.text, mail.reply_text, mail.attachments) == ("", "", ())


# --- broken MIME ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "defect", "recovered"),
    [
        ("31-missing-boundary.eml", "no boundary in multipart",
         "ada calo yang menjual nomor antrean seharga\nRp50.000."),
        ("32-boundary-never-used.eml", "start boundary not found",
         'membayar Rp300.000 di luar PNBP untuk "uji praktik ulang".'),
        ("34-truncated-base64.eml", "truncated or damaged base64",
         "Foto bukti pungutan di pos retribusi terlampir."),
    ],
)  # fmt: skip
def test_broken_mime_records_defects_and_still_yields_the_text(
    name: str, defect: str, recovered: str
) -> None:
    mail = parse(name)
    assert defect in mail.defects
    assert recovered in mail.text
    assert "Content-Type" not in mail.text and "--=_" not in mail.text


def test_a_guessed_boundary_recovers_the_attachment_too() -> None:
    mail = parse("31-missing-boundary.eml")
    assert "boundary guessed" in mail.defects
    assert [(a.filename, a.content) for a in mail.attachments] == [
        ("catatan.txt", b"Senin 10 Juni: 3 calo. Selasa 11 Juni: 2 calo.\n")
    ]


def test_clean_mail_has_no_defects() -> None:
    assert [n for n in PERSONS if n.startswith(("0", "1")) and parse(n).defects] == []


# --- attachments ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(set(MANIFEST) - set(REFUSED)))
def test_attachments_arrive_byte_for_byte(name: str) -> None:
    got = [
        {"filename": a.filename, "sha256": hashlib.sha256(a.content).hexdigest(),
         "size": len(a.content)}
        for a in parse(name).attachments
    ]  # fmt: skip
    assert got == MANIFEST[name]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("09-jpeg-exif-gps.eml", [("image/jpeg", False, "f_lx1a2b3c0")]),
        ("11-inline-cid-image.eml",
         [("image/jpeg", True, "F00D-1@example.co.id"),
          ("image/png", True, "logo+sig@example.co.id")]),
        ("10-pdf-attachment.eml", [("application/pdf", False, None)]),
        ("19-forward-rfc822.eml", [("application/pdf", False, None)]),
    ],
)  # fmt: skip
def test_attachment_types_inline_flags_and_content_ids(name: str, expected: list) -> None:
    got = [(a.content_type, a.inline, a.content_id) for a in parse(name).attachments]
    assert got == expected


def test_exif_survives_parsing_for_the_evidence_pipeline_to_strip() -> None:
    photo = parse("09-jpeg-exif-gps.eml").attachments[0].content
    assert photo.startswith(b"\xff\xd8") and b"KameraRahasia X1" in photo


def test_a_truncated_attachment_keeps_what_arrived() -> None:
    (photo,) = parse("34-truncated-base64.eml").attachments
    whole = parse("09-jpeg-exif-gps.eml").attachments[0].content
    assert 0 < len(photo.content) < len(whole) and whole.startswith(photo.content)


PLACEHOLDER = base64.b64encode(b"ZI big attachment placeholder")


def _with_20_mb() -> tuple[bytes, bytes]:
    payload = random.Random(20).randbytes(20 * 1024 * 1024)
    template = raw("48-big-attachment-template.eml")
    assert template.count(PLACEHOLDER) == 1
    return template.replace(PLACEHOLDER, base64.encodebytes(payload)), payload


def test_a_20_mb_attachment_arrives_intact() -> None:
    message, payload = _with_20_mb()
    mail = parse_mail(message, max_bytes=MAX)
    (video,) = mail.attachments
    assert (video.filename, video.content_type) == ("rekaman.mp4", "video/mp4")
    assert hashlib.sha256(video.content).digest() == hashlib.sha256(payload).digest()
    assert mail.text == "Rekaman video kejadian terlampir."


def test_a_20_mb_attachment_over_the_limit_is_too_large() -> None:
    message, _ = _with_20_mb()
    with pytest.raises(UnparseableMail) as caught:
        parse_mail(message, max_bytes=25 * 1024 * 1024)
    assert caught.value.reason == "too-large"


# --- replies and forwards -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reply"),
    [
        ("12-reply-gmail.eml",
         'Terima kasih. Saya tambahkan: petugas tersebut memakai seragam dengan nama\n"Agus" di '
         "dadanya. Kejadian ini sudah dialami juga oleh tetangga saya.\n\nBudi"),
        ("13-reply-outlook.eml",
         "Dengan hormat,\n\nBersama ini saya sampaikan bahwa kejadian serupa juga terjadi pada "
         "tanggal\n7 Juni 2024. Mohon agar pengaduan saya segera diproses.\n\nSalam,\n"
         "Hendra Gunawan"),
        ("14-reply-outlook-id-header-block.eml",
         "Baik, terima kasih atas tanggapannya. Bukti kuitansi akan saya kirim besok.\n\n"
         "Salam,\nSiti"),
        ("15-reply-id-client.eml",
         "Baik Pak, foto bukti sudah saya simpan. Kapan saya bisa datang untuk\n"
         "memberi keterangan?"),
        ("17-reply-apple-mail.eml",
         "Thank you. I can also send the receipt the officer gave me, it shows the amount but "
         "not the name of the office.\n\nJames"),
        ("45-reply-gmail-html-only.eml", "Terima kasih, saya tunggu kabar selanjutnya.\n\nAndi"),
    ],
)  # fmt: skip
def test_the_quoted_previous_message_is_trimmed(name: str, reply: str) -> None:
    mail = parse(name)
    assert mail.reply_text == reply
    assert mail.text.startswith(reply) and len(mail.text) > len(reply)  # the full text is kept


def test_quotes_answered_in_the_middle_stay() -> None:
    reply = parse("16-reply-inline-quotes.eml").reply_text
    assert "> Kapan kejadian tersebut berlangsung?\n\nHari Selasa, 4 Juni 2024" in reply
    assert "> Apakah ada saksi lain?\n\nAda, dua orang pemohon lain" in reply
    assert reply.endswith("Terima kasih.")
    assert "Mohon jawab pertanyaan berikut" not in reply


def test_an_interleaved_reply_keeps_its_answers_and_drops_the_trailing_quote() -> None:
    reply = parse("44-interleaved-reply.eml").reply_text
    assert "Loket 5, lantai dua." in reply and reply.endswith("Rp200.000 untuk satu berkas.")
    assert "Mohon lampirkan bukti" not in reply


@pytest.mark.parametrize(
    ("name", "evidence"),
    [
        ("18-forward-inline.eml", "silakan transfer Rp3.500.000 ke rekening\npribadi saya."),
        ("18-forward-inline.eml", "> Selamat pagi, bagaimana status sertifikat saya?"),
        ("19-forward-rfc822.eml", "wajib membayar kontribusi Rp500.000 ke rekening saya."),
        ("19-forward-rfc822.eml", "From: Bendahara Dinas <bendahara@dinas.example.go.id>"),
        ("19-forward-rfc822.eml", "> Apakah bantuan ini gratis?"),
        ("20-forward-apple.eml", 'extra "handling"\npayment of IDR 1,500,000.'),
        ("21-forward-pesan-terusan.eml", "asal ada uang pelicin Rp5 juta."),
        ("21-forward-pesan-terusan.eml", "> Kapan IMB saya selesai?"),
    ],
)
def test_forwarded_messages_are_never_trimmed(name: str, evidence: str) -> None:
    mail = parse(name)
    assert mail.reply_text == mail.text
    assert evidence in mail.text


def test_a_forwarded_attachment_is_rendered_with_its_headers() -> None:
    text = parse("19-forward-rfc822.eml").text
    assert text.startswith(
        "Saya lampirkan email aslinya.\n\n---------- Forwarded message ---------\n"
        "From: Bendahara Dinas <bendahara@dinas.example.go.id>\n"
        "Date: Wed, 29 May 2024 16:00:00 +0700\nSubject: Tagihan kontribusi kegiatan\n"
    )


@pytest.mark.parametrize("name", [n for n in ALL if n not in REFUSED])
def test_the_language_is_english_only_for_english_writers(name: str) -> None:
    assert parse(name).language == ("en" if name in ENGLISH else "id")


# --- machine mail ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "reason"), sorted(NOISE.items()))
def test_machine_mail_is_recognised_from_its_headers(name: str, reason: str) -> None:
    assert parse(name).automatic == reason


@pytest.mark.parametrize("name", PERSONS)
def test_a_persons_mail_is_not_automatic(name: str) -> None:
    mail = parse(name)
    assert (mail.automatic, mail.bounce_of, mail.bounce_recipients) == (None, (), ())


def test_an_out_of_office_subject_alone_is_not_automatic() -> None:
    message = raw("02-en-complaint.eml").replace(
        b"Subject: Visa extension", b"Subject: Out of office: visa extension"
    )
    assert parse_mail(message, max_bytes=MAX).automatic is None


@pytest.mark.parametrize(
    ("name", "bounce_of", "recipients"),
    [
        ("27-dsn-bounce.eml", ("<c0ffee0011223344556677889900aabb@zi-portal.invalid>",),
         ("tidak.ada@example.co.id",)),
        ("28-mailer-daemon-plain.eml", ("<d15ea5e0011223344556677889900aab@zi-portal.invalid>",),
         ("penuh@example.net",)),
        ("29-read-receipt.eml", (), ()),
        ("30-dsn-delayed.eml", (), ()),
        ("22-auto-submitted.eml", (), ()),
    ],
)  # fmt: skip
def test_bounces_name_our_message_and_the_failed_recipient(
    name: str, bounce_of: tuple[str, ...], recipients: tuple[str, ...]
) -> None:
    mail = parse(name)
    assert (mail.bounce_of, mail.bounce_recipients) == (bounce_of, recipients)


def test_a_bounce_also_names_what_its_own_threading_headers_point_at() -> None:
    message = raw("27-dsn-bounce.eml").replace(
        b"Auto-Submitted: auto-replied\n", b"Auto-Submitted: auto-replied\nIn-Reply-To: <x@y>\n", 1
    )
    assert parse_mail(message, max_bytes=MAX).bounce_of == (
        "<c0ffee0011223344556677889900aabb@zi-portal.invalid>",
        "<x@y>",
    )


# --- refusals -------------------------------------------------------------------------------


def _nested(levels: int) -> bytes:
    head = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i) for i in range(levels)
    )
    tail = b"".join(b"\n--b%d--\n" % i for i in reversed(range(levels)))
    return HEAD + head + b"Content-Type: text/plain\n\nhalo dari dalam\n" + tail


def _parts(count: int) -> bytes:
    body = b"".join(b"--x\nContent-Type: text/plain\n\nbagian %d\n" % i for i in range(count))
    return HEAD + b"Content-Type: multipart/mixed; boundary=x\n\n" + body + b"--x--\n"


HEAD = b"From: Budi <budi@example.co.id>\nTo: pengaduan@zi-portal.invalid\nSubject: Tes\n"


def test_too_large_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(parse_module.email, "message_from_bytes", never)
    message = HEAD + b"\n" + b"x" * (25 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(UnparseableMail) as caught:
        parse_mail(message, max_bytes=10 * 1024 * 1024)
    assert time.perf_counter() - started < 0.1
    assert caught.value.reason == "too-large"


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (_parts(300), "too-many-parts"),
        (_parts(100_000), "too-many-parts"),
        (_nested(21), "too-deep"),
        (_nested(25), "too-deep"),
        (_nested(2000), "too-many-parts"),
        (random.Random(1).randbytes(50_000), "not-a-mail"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(500), "not-a-mail"),
        (b"", "no-headers"),
        (b"\r\n\r\n", "no-headers"),
        (b"Halo, saya mau melapor pungli.\nTerima kasih\n", "no-headers"),
        (b"nama: Budi\numur: 40\n\nbukan surat", "not-a-mail"),
        (b"Subject: " + b"a" * 70_000 + b"\nFrom: a@b.id\n\nisi", "header-too-long"),
        (b"From: a@b.id\nSubject: " + b"a\n " * 30_000 + b"\n\nisi", "header-too-long"),
        (b"From: a@b.id\nTo: c@d.id\n\n\n", "no-content"),
    ],
    ids=["300-parts", "100k-parts", "21-deep", "25-deep", "2000-deep", "garbage", "jpeg",
         "empty", "blank-lines", "no-header", "not-mail-headers", "70kb-header",
         "70kb-folded-header", "no-content"],
)  # fmt: skip
def test_hostile_or_empty_input_is_refused_with_its_reason(message: bytes, reason: str) -> None:
    with pytest.raises(UnparseableMail) as caught:
        parse_mail(message, max_bytes=MAX)
    assert caught.value.reason == reason
    assert caught.value.detail


@pytest.mark.parametrize("levels", [1, 5, 20])
def test_nesting_up_to_the_limit_is_read(levels: int) -> None:
    assert parse_mail(_nested(levels), max_bytes=MAX).text == "halo dari dalam"


def test_two_hundred_parts_are_read() -> None:
    assert parse_mail(_parts(199), max_bytes=MAX).text.endswith("bagian 198")


def test_deeply_nested_comments_in_from_do_not_crash() -> None:
    mail = parse_mail(b"From: " + b"(" * 30_000 + b"a@b.id\nSubject: x\n\nisi", max_bytes=MAX)
    assert (mail.from_addr, mail.text) == (None, "isi")


def test_nul_bytes_in_a_body_are_dropped_not_refused() -> None:
    assert parse_mail(HEAD + b"\nisi\x00teks\n", max_bytes=MAX).text == "isiteks"


def test_a_mbox_from_line_is_accepted() -> None:
    message = b"From budi@example.co.id Mon Jun  3 09:12:40 2024\n" + HEAD + b"\nisi\n"
    assert parse_mail(message, max_bytes=MAX).from_addr == "budi@example.co.id"


def test_one_broken_part_never_loses_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    from portal.mail import mime

    real = mime.Walker._leaf

    def explode(self, part, ctype):  # noqa: ANN001 - the signature of the real method
        if ctype == "application/pdf":
            raise ValueError("boom")
        return real(self, part, ctype)

    monkeypatch.setattr(mime.Walker, "_leaf", explode)
    mail = parse("04-rfc2231-filename.eml")
    assert mail.text.startswith("Terlampir kuitansi pungutan")
    assert "unreadable part (ValueError)" in mail.defects


def test_a_base64_encoded_forwarded_message_is_decoded_and_rendered() -> None:
    inner = b"From: Bendahara <b@dinas.example.go.id>\nSubject: Tagihan\n\nBayar Rp500.000.\n"
    message = HEAD + (
        b"Content-Type: multipart/mixed; boundary=z\n\n--z\nContent-Type: text/plain\n\n"
        b"Lihat lampiran.\n--z\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(inner)
        + b"--z--\n"
    )
    mail = parse_mail(message, max_bytes=MAX)
    assert mail.text == (
        "Lihat lampiran.\n\n---------- Forwarded message ---------\n"
        "From: Bendahara <b@dinas.example.go.id>\nSubject: Tagihan\n\nBayar Rp500.000."
    )
    assert "encoded message/rfc822" in mail.defects
