"""Trimming the quoted previous message from replies, per client, and leaving forwards whole."""

from __future__ import annotations

import pytest

from portal.mail.quotes import is_forward, trim_reply

NEW = "Sudah saya lampirkan buktinya."


@pytest.mark.parametrize(
    "quote",
    [
        "On Mon, 3 Jun 2024 at 09:13, ZI Portal <pengaduan@zi-portal.invalid> wrote:\n\n> lama",
        "On Mon, 3 Jun 2024 at 09:13, ZI Portal <\npengaduan@zi-portal.invalid> wrote:\n> lama",
        "On Monday, June 3, 2024, 09:13:00 AM GMT+7, ZI\nPortal <pengaduan@zi-portal.invalid>\n"
        "wrote:\n\n> lama",
        "On 03/06/2024 09.13, ZI Portal wrote:\n> lama\n>\n> lagi",
        "> On 3 Jun 2024, at 09:13, ZI Portal <pengaduan@zi-portal.invalid> wrote:\n>\n> lama",
        "Pada tanggal Sen, 3 Jun 2024 09.13, ZI Portal <pengaduan@zi-portal.invalid> menulis:\n"
        "> lama",
        "Pada Sen, 3 Jun 2024 pukul 09.13 ZI Portal <pengaduan@zi-portal.invalid> menulis:\n\n"
        "> lama",
        "Pada 03/06/24 09.13, ZI Portal menulis:\n> lama",
        "-----Original Message-----\nFrom: ZI Portal\nSent: Monday\n\nlama",
        "-----Pesan Asli-----\nDari: ZI Portal\nDikirim: Senin\n\nlama",
        "________________________________\nFrom: ZI Portal <pengaduan@zi-portal.invalid>\n"
        "Sent: Monday, June 3, 2024 9:13 AM\nTo: Budi\nSubject: [ZI-7K3F-9QPM] x\n\nlama",
        "*From:* ZI Portal <pengaduan@zi-portal.invalid>\n*Sent:* Monday, June 3, 2024\n"
        "*To:* Budi\n*Subject:* x\n\nlama",
        "Dari: ZI Portal <pengaduan@zi-portal.invalid>\nTerkirim: Senin, 3 Juni 2024\n"
        "Kepada: Budi\nPerihal: x\n\nlama",
        "From: ZI Portal <pengaduan@zi-portal.invalid>\nDate: Mon, 3 Jun 2024\n"
        "To: Budi\nSubject: x\n\nlama",
        "ZI Portal <pengaduan@zi-portal.invalid> wrote:\n> lama",
        "2024-06-03 9:13 GMT+07:00 ZI Portal <pengaduan@zi-portal.invalid>:\n> lama",
        "> lama\n> lagi\n\n",
    ],
    ids=["gmail", "gmail-wrapped", "yahoo-3-lines", "thunderbird", "apple", "gmail-id",
         "gmail-id-pukul", "thunderbird-id", "outlook-original", "outlook-pesan-asli",
         "outlook-rule-block", "outlook-bold-block", "outlook-id-block", "outlook-date-block",
         "bare-attribution", "old-gmail", "trailing-quote"],
)  # fmt: skip
def test_each_clients_quote_is_trimmed(quote: str) -> None:
    assert trim_reply(f"{NEW}\n\n{quote}", "Re: x") == NEW


@pytest.mark.parametrize(
    "text",
    [
        f"{NEW}\n\n---------- Forwarded message ---------\nFrom: A\n\nOn Mon, A <a@b> wrote:\n> x",
        f"{NEW}\n\n---------- Pesan terusan ---------\nDari: A\n\n> x",
        f"{NEW}\n\n-------- Pesan Terusan --------\nPada 1/6, A menulis:\n> x",
        f"{NEW}\n\nBegin forwarded message:\n\nFrom: A\n\n> x",
        f"{NEW}\n\nAwal pesan yang diteruskan:\n\nDari: A\n\n> x",
        f"{NEW}\n\n-------- Forwarded Message --------\nSubject: x\n\n> x",
    ],
)
def test_a_forward_marker_keeps_everything(text: str) -> None:
    assert is_forward(text)
    assert trim_reply(text, "Re: x") == text


@pytest.mark.parametrize("subject", ["Fwd: x", "FW: x", "Fw:x", "TR: x", "WG: x", "[EXT] Fwd: x"])
def test_a_forward_subject_keeps_everything(subject: str) -> None:
    text = f"{NEW}\n\n________________________________\nFrom: A\nSent: Monday\nTo: B\n\nbukti"
    assert trim_reply(text, subject) == text


@pytest.mark.parametrize(
    "text",
    [
        "Pada hari Senin itu petugas menulis:\nbayar dulu baru dilayani.\nSaya menolak.",
        "Saya kutip aturannya:\n> Layanan ini gratis.\nTetapi saya diminta membayar.",
        "> Kapan?\nKemarin.\n> Di mana?\nDi loket 2.",
        "On the counter the officer wrote:\nfee 50.000\nwithout a receipt.",
        "Hanya teks biasa tanpa kutipan.",
        "",
    ],
)
def test_a_persons_own_text_is_never_trimmed(text: str) -> None:
    assert trim_reply(text, "Pungli") == text


def test_a_mail_that_is_only_a_quote_keeps_its_text() -> None:
    text = "On Mon, 3 Jun 2024, ZI Portal <p@zi-portal.invalid> wrote:\n> lama"
    assert trim_reply(text, "Re: x") == text


def test_bottom_posting_keeps_the_answer() -> None:
    text = "On Mon, 3 Jun 2024, ZI Portal <p@zi-portal.invalid> wrote:\n> pertanyaan\n\njawaban"
    assert trim_reply(text, "Re: x") == text


def test_the_earliest_separator_wins() -> None:
    text = f"{NEW}\n\n-----Original Message-----\nFrom: A\n\nlama\n\nOn Mon, A <a@b> wrote:\n> x"
    assert trim_reply(text, "RE: x") == NEW
