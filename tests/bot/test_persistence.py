"""Conversation state and drafts survive a restart; nothing is kept that need not be."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.persistence import DRAFT_MAX_AGE, decode_key, encode_key
from models import Attachment, BotChatData, BotConversation, Complaint
from models.base import utcnow
from tests.factories import photo_with_gps

pytestmark = pytest.mark.asyncio


def rows(session, model) -> list:
    session.rollback()
    return list(session.scalars(sa.select(model)))


async def walk_to_evidence(bot, person, photo: bytes) -> None:
    await bot.send(person.command("/lapor"))
    await bot.send(person.text("dukcapil"))
    await bot.send(person.press(bot.telegram.last().button("Kependudukan")))
    await bot.send(person.press(bot.telegram.last().button("Korupsi")))
    await bot.send(person.press(bot.telegram.of("editMessageText")[-1].button("Pemerasan")))
    await bot.send(person.text("Petugas meminta uang Rp100.000 agar berkas segera diproses."))
    await bot.send(person.press(bot.telegram.last().button("Lanjut")))
    await bot.send(person.text("hari ini"))
    await bot.send(person.text("Kantor kecamatan"))
    bot.telegram.add_file("photo-r", photo)
    await bot.send(person.photo("photo-r", len(photo)))


async def test_a_crash_in_the_middle_of_a_report_loses_nothing(bot, make_bot, person, session):
    photo = photo_with_gps()
    await walk_to_evidence(bot, person, photo)
    done = bot.telegram.last().button("Selesai")
    # The process dies here: no shutdown, nothing flushed at exit.

    restarted = await make_bot()
    await restarted.send(person.press(done))
    await restarted.send(person.press(restarted.telegram.last().button("Rahasia")))
    await restarted.send(person.press(restarted.telegram.last().button("Lewati")))
    summary = restarted.telegram.last().text
    assert "Petugas meminta uang Rp100.000" in summary
    assert "Bukti: 1 berkas" in summary
    answer = await restarted.say(person.press(restarted.telegram.last().button("Kirim")))

    [complaint] = rows(session, Complaint)
    assert complaint.code in answer
    assert complaint.category.slug == "pungli"
    assert len(rows(session, Attachment)) == 1
    assert restarted.runtime.errors == []


async def test_state_and_draft_are_in_the_database_after_every_update(bot, person, session):
    await walk_to_evidence(bot, person, photo_with_gps())

    [conversation] = rows(session, BotConversation)
    assert conversation.name == "report"
    assert decode_key(conversation.key) == (person.chat_id, person.user["id"])
    assert conversation.state == "evidence"
    [chat] = rows(session, BotChatData)
    assert chat.chat_id == person.chat_id
    draft = chat.data["draft"]
    assert draft["files"][0]["id"] == "photo-r"  # a reference: no file bytes wait in the database
    assert draft["incident_place"] == "Kantor kecamatan"


async def test_cancelling_or_filing_removes_the_stored_state(bot, person, session):
    await walk_to_evidence(bot, person, photo_with_gps())
    await bot.send(person.command("/batal"))
    assert rows(session, BotConversation) == []
    assert rows(session, BotChatData) == []


async def test_a_chat_that_only_asked_questions_leaves_no_row(bot, person, session):
    await bot.send(person.command("/start"))
    await bot.send(person.command("/bantuan"))
    await bot.send(person.command("/status"))
    await bot.send(person.text("halo"))
    await bot.application.shutdown()
    assert rows(session, BotChatData) == []
    assert rows(session, BotConversation) == []
    await bot.application.initialize()  # the fixture shuts it down again


async def test_the_language_choice_survives_a_restart(bot, make_bot, person):
    await bot.send(person.command("/bahasa"))
    await bot.send(person.press("lang:en"))
    restarted = await make_bot()
    text = await restarted.say(person.command("/lapor"))
    assert text.startswith("Step 1 of 8")


async def test_drafts_left_too_long_are_dropped_at_start(bot, make_bot, person, session):
    await bot.send(person.command("/lapor"))
    await bot.send(person.command("/bahasa"))
    await bot.send(person.press("lang:en"))
    old = utcnow() - DRAFT_MAX_AGE - timedelta(days=1)
    session.rollback()
    session.execute(sa.update(BotChatData).values(updated_at=old))
    session.execute(sa.update(BotConversation).values(updated_at=old))
    session.commit()

    restarted = await make_bot()

    assert rows(session, BotConversation) == []
    [chat] = rows(session, BotChatData)
    assert chat.data == {"lang": "en"}  # the draft is gone, the language choice stays
    text = await restarted.say(person.text("hello"))
    assert text.startswith("To file a complaint")


async def test_conversation_keys_round_trip_as_json():
    assert decode_key(encode_key((42, 7))) == (42, 7)
    assert encode_key((42, 7)) == "[42,7]"
