"""/status, and follow-ups by reply or /tambah, each limited to the chat's own complaints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from models import Attachment, BotMessageLink, Complaint, ComplaintMessage, User
from models.enums import Channel, ComplaintStatus, MessageKind, Role
from portal.services.intake import (
    ComplaintSubmission,
    Contact,
    IntakeSettings,
    submit_complaint,
)
from portal.services.replies import reply_to_reporter
from tests.bot.telegram_fake import Person, file_report
from tests.factories import gen_user, photo_with_gps

pytestmark = pytest.mark.asyncio


def filed_for(session, chat_id: int, title: str = "Jam layanan terlalu pendek") -> Complaint:
    """A complaint filed from a Telegram chat, committed."""
    filed = submit_complaint(
        session,
        ComplaintSubmission(
            channel=Channel.TELEGRAM,
            category="aspirasi",
            title=title,
            description="Mohon jam layanan diperpanjang sampai sore hari.",
            contact=Contact(telegram_chat_id=chat_id),
        ),
        IntakeSettings.from_config(current_app.config),
    )
    session.commit()
    return filed.complaint


def inbound(session, complaint_id: int) -> list[ComplaintMessage]:
    session.rollback()
    return list(
        session.scalars(
            sa.select(ComplaintMessage)
            .where(
                ComplaintMessage.complaint_id == complaint_id,
                ComplaintMessage.kind == MessageKind.MASUK,
            )
            .order_by(ComplaintMessage.id)
        )
    )


async def test_status_lists_only_this_chats_complaints(bot, person, session):
    mine = filed_for(session, person.chat_id, "Antrean loket tidak teratur")
    theirs = filed_for(session, 999001, "Laporan orang lain")
    text = await bot.say(person.command("/status"))
    assert mine.code in text
    assert "Antrean loket tidak teratur" in text
    assert "diterima" in text
    assert theirs.code not in text


async def test_status_without_complaints_points_to_lapor(bot, person):
    text = await bot.say(person.command("/status"))
    assert "Belum ada pengaduan" in text


async def test_status_with_a_code_shows_that_complaint_and_its_latest_reply(bot, person, session):
    complaint = filed_for(session, person.chat_id)
    inspector = gen_user(session, Role.INSPEKTUR)
    reply_to_reporter(
        session,
        complaint,
        body="Terima kasih, laporan sedang kami periksa.",
        author=inspector,
        config=current_app.config,
    )
    session.commit()
    text = await bot.say(person.command(f"/status {complaint.code.lower()}"))
    assert f"Pengaduan {complaint.code}" in text
    assert "Terima kasih, laporan sedang kami periksa." in text
    assert "Batas verifikasi" in text
    link = session.scalars(sa.select(BotMessageLink)).one()
    assert link.message_id == bot.telegram.last().message_id


async def test_another_chats_code_gets_the_same_answer_as_an_unknown_code(bot, person, session):
    theirs = filed_for(session, 999001)
    other = await bot.say(person.command(f"/status {theirs.code}"))
    unknown = await bot.say(person.command("/status ZI-2222-3333"))
    nonsense = await bot.say(person.command("/status bukan-kode"))
    assert other == unknown == nonsense
    assert theirs.code not in other


async def test_the_deep_link_start_status_shows_the_complaint(bot, person, session):
    complaint = filed_for(session, person.chat_id)
    text = await bot.say(person.command(f"/start status_{complaint.code}"))
    assert f"Pengaduan {complaint.code}" in text


async def test_a_reply_to_the_filed_message_is_added_to_the_complaint(bot, person, session):
    await file_report(bot, person)
    filed_message = bot.telegram.last().message_id
    text = await bot.say(person.reply_to(filed_message, "Tambahan: petugasnya bernama Pak X."))
    [complaint] = session.scalars(sa.select(Complaint)).all()
    assert text == f"Ditambahkan ke {complaint.code}. Terima kasih."
    messages = inbound(session, complaint.id)
    assert messages[-1].body == "Tambahan: petugasnya bernama Pak X."
    assert messages[-1].channel == Channel.TELEGRAM


async def test_a_photo_replying_to_a_status_message_is_added_as_evidence(bot, person, session):
    complaint = filed_for(session, person.chat_id)
    await bot.send(person.command(f"/status {complaint.code}"))
    status_message = bot.telegram.last().message_id
    photo = photo_with_gps()
    bot.telegram.add_file("reply-photo", photo)
    update = person.photo("reply-photo", len(photo), caption="Foto kuitansinya")
    update["message"]["reply_to_message"] = {
        "message_id": status_message,
        "date": 0,
        "chat": person.chat,
        "from": {"id": 123456, "is_bot": True, "first_name": "ZI Portal"},
        "text": "…",
    }
    text = await bot.say(update)
    assert text.startswith("Ditambahkan ke")
    session.rollback()
    [attachment] = session.scalars(sa.select(Attachment)).all()
    assert attachment.complaint_id == complaint.id
    assert inbound(session, complaint.id)[-1].body == "Foto kuitansinya"


async def test_a_reply_to_a_question_of_the_conversation_stays_in_the_conversation(
    bot, person, session
):
    await bot.send(person.command("/lapor"))
    question = bot.telegram.last().message_id
    text = await bot.say(person.reply_to(question, "keuangan"))
    assert text.startswith("Pilih unitnya")


async def test_someone_elses_reply_link_does_not_reach_their_complaint(bot, person, session):
    theirs = filed_for(session, 999001)
    stranger = Person(999001)
    await bot.send(stranger.command(f"/status {theirs.code}"))
    their_message = bot.telegram.last().message_id
    await bot.say(person.reply_to(their_message, "Saya menyusup."))
    assert len(inbound(session, theirs.id)) == 1  # only the original report


async def test_tambah_with_a_code_and_text_adds_at_once(bot, person, session):
    complaint = filed_for(session, person.chat_id)
    text = await bot.say(person.command(f"/tambah {complaint.code} Loketnya tutup jam 11."))
    assert text == f"Ditambahkan ke {complaint.code}. Terima kasih."
    assert inbound(session, complaint.id)[-1].body.endswith("Loketnya tutup jam 11.")


async def test_tambah_collects_messages_until_done(bot, person, session):
    complaint = filed_for(session, person.chat_id)
    text = await bot.say(person.command(f"/tambah {complaint.code}"))
    assert text.startswith(f"Kirim keterangan atau bukti untuk {complaint.code}")
    done = bot.telegram.last().button("Selesai")
    await bot.send(person.text("Kejadiannya berulang setiap Senin."))
    await bot.send(person.text("Saksi ada dua orang."))
    text = await bot.say(person.press(done))
    assert text.startswith("Selesai.")
    bodies = [m.body for m in inbound(session, complaint.id)]
    assert bodies[-2:] == ["Kejadiannya berulang setiap Senin.", "Saksi ada dua orang."]
    text = await bot.say(person.text("halo"))
    assert "/lapor" in text  # the follow-up is over


async def test_tambah_refuses_another_chats_complaint(bot, person, session):
    theirs = filed_for(session, 999001)
    text = await bot.say(person.command(f"/tambah {theirs.code} halo"))
    assert text.startswith("Pengaduan dengan nomor itu tidak ditemukan")
    assert len(inbound(session, theirs.id)) == 1


async def test_a_reply_to_a_complaint_closed_long_ago_is_refused_with_the_reason(
    bot, person, session
):
    await file_report(bot, person)
    filed_message = bot.telegram.last().message_id
    session.rollback()
    complaint = session.scalars(sa.select(Complaint)).one()
    long_ago = datetime.now(UTC) - timedelta(days=90)
    complaint.status = ComplaintStatus.SELESAI
    complaint.closed_at = long_ago
    session.commit()
    text = await bot.say(person.reply_to(filed_message, "Kenapa ditutup?"))
    assert text.startswith(f"Tidak dapat ditambahkan ke {complaint.code}")
    assert "lebih dari 30 hari" in text


async def test_tambah_without_a_code_suggests_the_latest_complaint(bot, person, session):
    complaint = filed_for(session, person.chat_id)
    text = await bot.say(person.command("/tambah"))
    assert f"/tambah {complaint.code}" in text
    assert session.scalar(sa.select(sa.func.count(User.id))) == 0
