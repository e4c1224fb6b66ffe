"""/lapor from the first question to the tracking code, through the intake service."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import Attachment, BotMessageLink, Category, Complaint, OutboundMessage
from models.enums import Channel, OutboundChannel, Privacy
from tests.bot.telegram_fake import Person, file_report
from tests.factories import photo_with_gps

pytestmark = pytest.mark.asyncio


def complaints(session) -> list[Complaint]:
    session.rollback()  # see what the bot committed in its own sessions
    return list(session.scalars(sa.select(Complaint)))


async def test_a_full_report_with_a_photo_is_filed_through_intake(bot, person, session):
    photo = photo_with_gps()
    answer = await file_report(bot, person, photo=photo)

    [complaint] = complaints(session)
    assert complaint.code in answer
    assert "Kunci akses" in answer
    assert complaint.channel == Channel.TELEGRAM
    assert complaint.reporter_telegram_chat_id == person.chat_id
    assert complaint.reporter_name is None
    assert complaint.privacy == Privacy.RAHASIA
    assert complaint.category.slug == "permintaan-imbalan"
    assert complaint.unit.name.startswith("Direktorat Jenderal Kependudukan")
    assert complaint.incident_place == "Loket 3, kantor kecamatan"
    assert complaint.incident_date is not None
    assert complaint.title.startswith("Petugas loket meminta uang")
    assert "Rp50.000" in complaint.body
    [attachment] = session.scalars(sa.select(Attachment)).all()
    assert attachment.media_type == "image/jpeg"
    assert attachment.cleaned_path  # metadata stripped from the copy inspectors see
    assert bot.runtime.errors == []


async def test_the_largest_photo_size_is_downloaded_at_receipt_and_again_when_filing(
    bot, person, session
):
    await file_report(bot, person, photo=photo_with_gps())
    assert bot.telegram.downloads == ["files/photo-1", "files/photo-1"]
    assert {c.params["file_id"] for c in bot.telegram.of("getFile")} == {"photo-1"}


async def test_filing_queues_the_telegram_acknowledgement_and_links_the_answer(
    bot, person, session
):
    await file_report(bot, person)

    [complaint] = complaints(session)
    [ack] = session.scalars(sa.select(OutboundMessage)).all()
    assert ack.channel == OutboundChannel.TELEGRAM
    assert ack.recipient == str(person.chat_id)
    assert ack.complaint_id == complaint.id
    link = session.scalars(sa.select(BotMessageLink)).one()
    assert link.complaint_id == complaint.id
    assert link.message_id == bot.telegram.last().message_id


async def test_the_deep_link_start_lapor_opens_the_report(bot, person):
    text = await bot.say(person.command("/start lapor"))
    assert text.startswith("Langkah 1 dari 8")


async def test_the_unit_search_offers_matching_units_as_buttons(bot, person):
    await bot.send(person.command("/lapor"))
    await bot.send(person.text("keuangan"))
    labels = [label for label, _ in bot.telegram.last().buttons]
    assert labels[0].startswith("Biro Keuangan")
    assert labels[-1] == "Tidak tahu"


async def test_an_unknown_unit_keeps_what_was_typed_as_a_hint(bot, person, session):
    await bot.send(person.command("/lapor"))
    text = await bot.say(person.text("Puskesmas Sukamaju"))
    assert "Tidak ada unit yang cocok" in text
    await bot.send(person.press(bot.telegram.last().button("Tidak tahu")))
    await bot.send(person.press(bot.telegram.last().button("Lainnya")))
    edit = bot.telegram.of("editMessageText")[-1]
    await bot.send(person.press(edit.button("Kualitas pelayanan")))
    await bot.send(person.text("Antrean tidak diatur dan petugas tidak datang sampai siang."))
    await bot.send(person.text("selesai"))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    await bot.send(person.press(bot.telegram.last().button("Selesai")))
    await bot.send(person.press(bot.telegram.last().button("Terbuka")))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    summary = bot.telegram.last().text
    assert "tidak tahu (Puskesmas Sukamaju)" in summary
    await bot.send(person.press(bot.telegram.last().button("Kirim")))

    [complaint] = complaints(session)
    assert complaint.unit is None
    assert complaint.unit_hint == "Puskesmas Sukamaju"
    assert complaint.privacy == Privacy.TERBUKA
    assert complaint.incident_date is None


async def test_a_long_description_in_several_messages_is_joined(bot, person, session):
    parts = ["Bagian pertama: " + "a" * 3000, "Bagian kedua: " + "b" * 3000, "Bagian ketiga."]
    await bot.send(person.command("/lapor"))
    await bot.send(person.text("dukcapil"))
    await bot.send(person.press(bot.telegram.last().button("Kependudukan")))
    await bot.send(person.press(bot.telegram.last().button("Lainnya")))
    await bot.send(person.press(bot.telegram.of("editMessageText")[-1].button("Aspirasi")))
    for part in parts:
        text = await bot.say(person.text(part))
    assert f"Tersimpan ({len(chr(10).join(parts))} karakter)" in text
    await bot.send(person.press(bot.telegram.last().button("Lanjut")))
    for _ in range(4):  # date, place, evidence, privacy
        last = bot.telegram.last()
        label = "Lewati" if any("Lewati" in b for b, _ in last.buttons) else "Selesai"
        if any("Anonim" in b for b, _ in last.buttons):
            label = "Anonim"
        await bot.send(person.press(last.button(label)))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    await bot.send(person.press(bot.telegram.last().button("Kirim")))

    [complaint] = complaints(session)
    assert complaint.body == "\n".join(parts)
    assert complaint.privacy == Privacy.ANONIM


async def test_a_too_short_description_is_asked_for_again(bot, person):
    await bot.send(person.command("/lapor"))
    await bot.send(person.text("dukcapil"))
    await bot.send(person.press(bot.telegram.last().button("Kependudukan")))
    await bot.send(person.press(bot.telegram.last().button("Lainnya")))
    await bot.send(person.press(bot.telegram.of("editMessageText")[-1].button("Aspirasi")))
    await bot.send(person.text("Pungli."))
    text = await bot.say(person.press(bot.telegram.last().button("Lanjut")))
    assert "terlalu pendek" in text


@pytest.mark.parametrize("steps_before_cancel", [1, 2, 4, 6])
async def test_batal_cancels_at_every_step_and_drops_the_draft(
    bot, person, session, steps_before_cancel
):
    script = [
        person.command("/lapor"),
        person.text("dukcapil"),
        None,  # press the unit
        None,  # press the group
        None,  # press the category
        person.text("Petugas meminta uang tambahan di loket pelayanan."),
    ]
    for step in script[:steps_before_cancel]:
        if step is None:
            last = bot.telegram.calls[-1]
            step = person.press(last.buttons[0][1])
        await bot.send(step)
    text = await bot.say(person.command("/batal"))
    assert text.startswith("Dibatalkan")
    assert "draft" not in bot.application.chat_data[person.chat_id]
    text = await bot.say(person.text("halo"))
    assert "/lapor" in text  # outside the conversation again
    assert complaints(session) == []


async def test_the_summary_can_be_edited_before_sending(bot, person, session):
    await bot.send(person.command("/lapor"))
    await bot.send(person.text("dukcapil"))
    await bot.send(person.press(bot.telegram.last().button("Kependudukan")))
    await bot.send(person.press(bot.telegram.last().button("Korupsi")))
    await bot.send(person.press(bot.telegram.of("editMessageText")[-1].button("Suap")))
    await bot.send(person.text("Ada pembayaran di bawah meja untuk izin usaha di kantor ini."))
    await bot.send(person.press(bot.telegram.last().button("Lanjut")))
    await bot.send(person.text("17-08-2025"))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    await bot.send(person.press(bot.telegram.last().button("Selesai")))
    privacy_prompt = bot.telegram.last().text
    assert "kami sarankan: Rahasia" in privacy_prompt
    await bot.send(person.press(bot.telegram.last().button("Rahasia")))
    await bot.send(person.text("Budi Santoso\n0812 3456 7890\nbudi@contoh.id"))
    assert "Budi Santoso, 0812 3456 7890, budi@contoh.id" in bot.telegram.last().text

    await bot.send(person.press(bot.telegram.last().button("Ubah")))
    await bot.send(person.press(bot.telegram.last().button("Tanggal")))
    summary = await bot.say(person.text("16/08/2025"))
    assert "Tanggal kejadian: 2025-08-16" in summary
    await bot.send(person.press(bot.telegram.last().button("Kirim")))

    [complaint] = complaints(session)
    assert str(complaint.incident_date) == "2025-08-16"
    assert complaint.reporter_name == "Budi Santoso"
    assert complaint.reporter_phone == "0812 3456 7890"
    assert complaint.reporter_email == "budi@contoh.id"


async def test_an_anonymous_report_refuses_a_name(bot, person):
    await bot.send(person.command("/lapor"))
    await bot.send(person.text("dukcapil"))
    await bot.send(person.press(bot.telegram.last().button("Kependudukan")))
    await bot.send(person.press(bot.telegram.last().button("Lainnya")))
    await bot.send(person.press(bot.telegram.of("editMessageText")[-1].button("Aspirasi")))
    await bot.send(person.text("Mohon jam layanan diperpanjang sampai sore hari."))
    await bot.send(person.press(bot.telegram.last().button("Lanjut")))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    await bot.send(person.press(bot.telegram.last().button("Selesai")))
    await bot.send(person.press(bot.telegram.last().button("Anonim")))
    text = await bot.say(person.text("Siti Aminah"))
    assert "anonim tidak menyimpan nama" in text


async def test_an_intake_refusal_sends_the_reporter_back_to_the_step(bot, person, session):
    await bot.send(person.command("/lapor"))
    await bot.send(person.text("dukcapil"))
    await bot.send(person.press(bot.telegram.last().button("Kependudukan")))
    await bot.send(person.press(bot.telegram.last().button("Lainnya")))
    await bot.send(person.press(bot.telegram.of("editMessageText")[-1].button("Aspirasi")))
    await bot.send(person.text("Mohon jam layanan diperpanjang sampai sore hari."))
    await bot.send(person.press(bot.telegram.last().button("Lanjut")))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    await bot.send(person.press(bot.telegram.last().button("Selesai")))
    await bot.send(person.press(bot.telegram.last().button("Terbuka")))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    # Meanwhile an administrator retires the category.
    session.execute(sa.update(Category).where(Category.slug == "aspirasi").values(active=False))
    session.commit()

    calls = await bot.send(person.press(bot.telegram.last().button("Kirim")))
    texts = [c.text for c in calls if c.method == "sendMessage"]
    assert "Pilih kategori pengaduan dari daftar." in texts[0]
    assert texts[-1].startswith("Langkah 2 dari 8")
    assert complaints(session) == []


async def test_a_second_press_of_send_files_nothing_twice(bot, person, session):
    await file_report(bot, person)
    send_button = next(
        c for c in reversed(bot.telegram.sent) if any(d.endswith(":send:0") for _, d in c.buttons)
    ).button("Kirim")
    calls = await bot.send(person.press(send_button))
    [answered] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answered.params["text"] == "Tombol ini sudah tidak berlaku."
    assert len(complaints(session)) == 1


async def test_a_document_is_accepted_and_a_program_is_refused_at_receipt(bot, person, session):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    exe = b"MZ" + b"\x00" * 200
    await bot.send(person.command("/lapor"))
    await bot.send(person.text("dukcapil"))
    await bot.send(person.press(bot.telegram.last().button("Kependudukan")))
    await bot.send(person.press(bot.telegram.last().button("Lainnya")))
    await bot.send(person.press(bot.telegram.of("editMessageText")[-1].button("Aspirasi")))
    await bot.send(person.text("Mohon jam layanan diperpanjang sampai sore hari."))
    await bot.send(person.press(bot.telegram.last().button("Lanjut")))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    bot.telegram.add_file("doc-exe", exe)
    refused = await bot.say(person.document("doc-exe", len(exe), "foto.jpg", "image/jpeg"))
    assert "tidak dapat diterima" in refused
    assert "program komputer Windows" in refused
    bot.telegram.add_file("doc-pdf", pdf)
    accepted = await bot.say(person.document("doc-pdf", len(pdf), "kuitansi.pdf"))
    assert "Bukti diterima: kuitansi.pdf (1 berkas)" in accepted


async def test_a_voice_note_is_refused_politely_and_never_downloaded(bot, person):
    await bot.send(person.command("/lapor"))
    await bot.send(person.text("dukcapil"))
    await bot.send(person.press(bot.telegram.last().button("Kependudukan")))
    await bot.send(person.press(bot.telegram.last().button("Lainnya")))
    await bot.send(person.press(bot.telegram.of("editMessageText")[-1].button("Aspirasi")))
    await bot.send(person.text("Mohon jam layanan diperpanjang sampai sore hari."))
    await bot.send(person.press(bot.telegram.last().button("Lanjut")))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    calls = await bot.send(person.voice())
    texts = [c.text for c in calls if c.method == "sendMessage"]
    assert texts[0].startswith("Maaf, pesan suara belum dapat dilampirkan")
    assert texts[-1].startswith("Langkah 6 dari 8")  # the question again
    assert bot.telegram.of("getFile") == []


async def test_an_english_speaker_is_answered_in_english_and_can_switch(bot):
    english = Person(777, language_code="en-GB")
    text = await bot.say(english.command("/lapor"))
    assert text.startswith("Step 1 of 8")
    await bot.send(english.command("/batal"))
    await bot.send(english.command("/bahasa"))
    text = await bot.say(english.press("lang:id"))
    assert text == "Bahasa diganti ke Bahasa Indonesia."
    text = await bot.say(english.command("/lapor"))
    assert text.startswith("Langkah 1 dari 8")


async def walk_to_contact(bot, person, privacy: str = "Rahasia") -> None:
    await bot.send(person.command("/lapor"))
    await bot.send(person.text("dukcapil"))
    await bot.send(person.press(bot.telegram.last().button("Kependudukan")))
    await bot.send(person.press(bot.telegram.last().button("Lainnya")))
    await bot.send(person.press(bot.telegram.of("editMessageText")[-1].button("Aspirasi")))
    await bot.send(person.text("Mohon jam layanan diperpanjang sampai sore hari."))
    await bot.send(person.press(bot.telegram.last().button("Lanjut")))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    await bot.send(person.press(bot.telegram.last().button("Selesai")))
    await bot.send(person.press(bot.telegram.last().button(privacy)))


async def test_the_reporters_own_contact_card_gives_the_phone(bot, person, session):
    await walk_to_contact(bot, person)
    card = {"phone_number": "6281234567890", "first_name": "Warga", "user_id": person.user["id"]}
    summary = await bot.say(person.update(message=person._message(contact=card)))
    assert "Kontak: +6281234567890" in summary
    await bot.send(person.press(bot.telegram.last().button("Kirim")))
    [complaint] = complaints(session)
    assert complaint.reporter_phone == "+6281234567890"


async def test_someone_elses_contact_card_is_refused(bot, person):
    await walk_to_contact(bot, person)
    card = {"phone_number": "6289999999999", "first_name": "Tetangga", "user_id": 99}
    text = await bot.say(person.update(message=person._message(contact=card)))
    assert text == "Hanya kontak Anda sendiri yang dapat dipakai."
    assert bot.application.chat_data[person.chat_id]["draft"]["contact"] == {}


async def test_status_and_help_during_a_report_keep_the_draft(bot, person):
    await walk_to_contact(bot, person)
    status = await bot.say(person.command("/status"))
    assert "Belum ada pengaduan" in status
    help_text = await bot.say(person.command("/bantuan"))
    assert help_text.startswith("Cara memakai bot ini")
    again = await bot.send(person.command("/lapor"))
    texts = [c.text for c in again if c.method == "sendMessage"]
    assert texts[0].startswith("Anda sedang membuat laporan")
    assert texts[1].startswith("Langkah 8 dari 8")
    summary = await bot.say(person.press(bot.telegram.last().button("Lewati")))
    assert summary.startswith("Ringkasan laporan Anda")


async def test_a_failure_while_filing_keeps_the_draft_for_another_try(
    bot, person, session, monkeypatch
):
    from bot import store

    real = store.file_complaint
    calls = []

    def broken_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "file_complaint", broken_once)
    await walk_to_contact(bot, person)
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    send = bot.telegram.last().button("Kirim")

    text = await bot.say(person.press(send))
    assert text.startswith("Maaf, terjadi gangguan")
    assert bot.runtime.errors == ["RuntimeError"]
    assert complaints(session) == []

    text = await bot.say(person.press(send))
    assert "Nomor pelacakan" in text
    assert len(complaints(session)) == 1
