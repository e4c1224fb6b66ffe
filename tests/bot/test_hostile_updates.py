"""Hostile and odd updates: each gets a clear answer or is ignored on purpose; none raises."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot import FloodGuard
from models import BotChatData, BotConversation, Complaint
from tests.bot.telegram_fake import Person

pytestmark = pytest.mark.asyncio

LONG = "Sepuluh ribu karakter. " * 435  # 10,005 characters


def sticker(person: Person) -> dict:
    data = {"file_id": "st-1", "file_unique_id": "st-1-u", "type": "regular", "width": 512,
            "height": 512, "is_animated": False, "is_video": False}  # fmt: skip
    return person.update(message=person._message(sticker=data))


def location(person: Person) -> dict:
    return person.update(message=person._message(location={"latitude": -6.2, "longitude": 106.8}))


def contact(person: Person, user_id: int | None = None) -> dict:
    card = {"phone_number": "+6281234567890", "first_name": "Tetangga"}
    if user_id is not None:
        card["user_id"] = user_id
    return person.update(message=person._message(contact=card))


def edited(person: Person, text: str) -> dict:
    return person.update(edited_message=person._message(text=text, edit_date=1))


def dice(person: Person) -> dict:
    return person.update(message=person._message(dice={"emoji": "🎲", "value": 3}))


OUTSIDE = {
    "a sticker": (sticker, "Stiker tidak dapat saya baca"),
    "a location": (location, "Lokasi hanya saya tanyakan"),
    "a contact": (lambda p: contact(p), "Kontak ini tidak saya simpan"),
    "an edited message": (lambda p: edited(p, "koreksi"), "Pesan yang diubah tidak ikut terbaca"),
    "a voice note": (lambda p: p.voice(), "pesan suara belum dapat dilampirkan"),
    "10,000 characters": (lambda p: p.text(LONG), "Untuk membuat pengaduan, kirim /lapor"),
    "a code in free text": (lambda p: p.text("cek zi-7k3f-9qpm"), "/status ZI-7K3F-9QPM"),
    "an unknown command": (lambda p: p.command("/hapus_semua"), "Perintah itu tidak saya kenal"),
    "a command for another bot": (
        lambda p: p.command("/status@OtherBot"),
        "Perintah itu tidak saya kenal",
    ),
    "a photo": (lambda p: p.photo("ph", 1000), "Untuk melampirkan bukti"),
    "a dice": (dice, "tidak dapat saya proses"),
    "/batal with nothing to cancel": (lambda p: p.command("/batal"), "Tidak ada yang sedang"),
}


@pytest.mark.parametrize("kind", OUTSIDE)
async def test_outside_a_conversation_each_odd_message_gets_a_clear_answer(bot, person, kind):
    build, expected = OUTSIDE[kind]
    text = await bot.say(build(person))
    assert expected in text
    assert len(text) < 1000
    assert bot.runtime.errors == []
    assert bot.telegram.of("getFile") == []


async def test_a_command_with_this_bots_username_works(bot, person):
    text = await bot.say(person.command("/status@ZiPortalBot"))
    assert "Belum ada pengaduan" in text


async def start_description_step(bot, person) -> None:
    await bot.send(person.command("/lapor"))
    await bot.send(person.text("dukcapil"))
    await bot.send(person.press(bot.telegram.last().button("Kependudukan")))
    await bot.send(person.press(bot.telegram.last().button("Lainnya")))
    await bot.send(person.press(bot.telegram.of("editMessageText")[-1].button("Aspirasi")))


INSIDE = {
    "a sticker": (sticker, "Stiker tidak dapat saya baca"),
    "a location": (location, "Lokasi hanya saya tanyakan"),
    "someone's contact": (lambda p: contact(p, 99), "Kontak ini tidak saya simpan"),
    "an edited message": (lambda p: edited(p, "koreksi"), "Pesan yang diubah tidak ikut terbaca"),
    "an unknown command": (lambda p: p.command("/hapus"), "Perintah itu tidak saya kenal"),
}


@pytest.mark.parametrize("kind", INSIDE)
async def test_inside_the_conversation_odd_messages_are_answered_and_the_step_kept(
    bot, person, kind
):
    await start_description_step(bot, person)
    build, expected = INSIDE[kind]
    calls = await bot.send(build(person))
    texts = [c.text for c in calls if c.method == "sendMessage"]
    assert expected in texts[0]
    draft = bot.application.chat_data[person.chat_id]["draft"]
    assert draft["state"] == "description"
    assert draft["parts"] == [] and draft["contact"] == {}
    text = await bot.say(person.text("Mohon jam layanan diperpanjang sampai sore hari."))
    assert text.startswith("Tersimpan")
    assert bot.runtime.errors == []


async def test_ten_thousand_characters_in_the_unit_step_are_not_echoed(bot, person):
    await bot.send(person.command("/lapor"))
    text = await bot.say(person.text(LONG))
    assert "Tidak ada unit yang cocok" in text
    assert len(text) < 400


async def test_ten_thousand_characters_of_description_are_kept(bot, person):
    await start_description_step(bot, person)
    text = await bot.say(person.text(LONG))
    assert f"Tersimpan ({len(LONG)} karakter)" in text


async def test_a_file_over_the_size_limit_is_refused_before_downloading(bot, person):
    await start_description_step(bot, person)
    await bot.send(person.text("Mohon jam layanan diperpanjang sampai sore hari."))
    await bot.send(person.press(bot.telegram.last().button("Lanjut")))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    huge = 30 * 1024 * 1024
    text = await bot.say(person.document("big", huge, "rekaman.mp4", "video/mp4"))
    assert text == (
        "Berkas rekaman.mp4 berukuran 30 MB, melebihi batas 20 MB per berkas. Berkas ini tidak"
        " saya unduh."
    )
    assert bot.telegram.of("getFile") == []
    assert bot.telegram.downloads == []
    text = await bot.say(person.photo("big-photo", huge))
    assert "melebihi batas 20 MB" in text
    assert bot.telegram.of("getFile") == []


async def test_a_button_from_an_old_keyboard_is_refused_and_removed(bot, person):
    await bot.send(person.command("/lapor"))
    old_unknown = bot.telegram.last().button("Tidak tahu")
    await bot.send(person.command("/batal"))
    await bot.send(person.command("/lapor"))  # a new draft, a new nonce

    calls = await bot.send(person.press(old_unknown))

    methods = [c.method for c in calls]
    assert "answerCallbackQuery" in methods and "editMessageReplyMarkup" in methods
    answered = next(c for c in calls if c.method == "answerCallbackQuery")
    assert answered.params["text"] == "Tombol ini sudah tidak berlaku."
    assert bot.application.chat_data[person.chat_id]["draft"]["state"] == "unit"
    assert bot.runtime.errors == []


async def test_a_button_after_the_conversation_ended_is_refused(bot, person):
    await bot.send(person.command("/lapor"))
    old_unknown = bot.telegram.last().button("Tidak tahu")
    await bot.send(person.command("/batal"))
    calls = await bot.send(person.press(old_unknown))
    answered = next(c for c in calls if c.method == "answerCallbackQuery")
    assert answered.params["text"] == "Tombol ini sudah tidak berlaku."


@pytest.mark.parametrize("data", ["xyz", "d:zz:u:1", "lang:fr", "d:abcdef:u:" + "9" * 40])
async def test_forged_callback_data_is_refused(bot, person, data):
    calls = await bot.send(person.press(data))
    assert [c.method for c in calls][0] == "answerCallbackQuery"
    assert bot.runtime.errors == []


async def test_a_flood_of_thirty_messages_in_a_second_is_throttled(make_bot, person):
    frozen = FloodGuard(clock=lambda: 100.0)  # every message in the same instant
    bot = await make_bot(flood=frozen)
    answers = []
    for i in range(30):
        answers.append(await bot.send(person.text(f"halo {i}")))
    replied = [calls for calls in answers if calls]
    assert len(replied) == 13  # the first twelve answered, then one notice
    assert replied[-1][0].text.startswith("Pesan Anda datang terlalu cepat")
    assert bot.runtime.errors == []


GROUP_UPDATES = {
    "a message": lambda g: g.text("halo bot"),
    "a command": lambda g: g.command("/lapor"),
    "a command with the username": lambda g: g.command("/lapor@ZiPortalBot"),
}


@pytest.mark.parametrize("kind", GROUP_UPDATES)
async def test_a_group_gets_one_polite_refusal_and_nothing_is_stored(bot, session, kind):
    group = Person(555, chat_id=-100777, chat_type="supergroup")
    calls = await bot.send(GROUP_UPDATES[kind](group))

    assert [c.method for c in calls] == ["sendMessage", "leaveChat"]
    assert calls[0].text.startswith("Maaf, pengaduan bersifat pribadi")
    await bot.application.update_persistence()
    await bot.application.persistence.flush()
    session.rollback()
    assert session.scalars(sa.select(BotChatData)).all() == []
    assert session.scalars(sa.select(BotConversation)).all() == []
    assert session.scalars(sa.select(Complaint)).all() == []
    assert -100777 not in bot.application.chat_data


async def test_being_added_to_a_group_is_refused_and_the_group_left(bot):
    group = Person(555, chat_id=-100778, chat_type="group")
    bot_user = {"id": 123456, "is_bot": True, "first_name": "ZI Portal"}
    change = {
        "chat": group.chat,
        "from": group.user,
        "date": 0,
        "old_chat_member": {"user": bot_user, "status": "left"},
        "new_chat_member": {"user": bot_user, "status": "member"},
    }
    calls = await bot.send(group.update(my_chat_member=change))
    assert [c.method for c in calls] == ["sendMessage", "leaveChat"]


async def test_a_channel_post_is_refused(bot):
    channel = {"id": -100999, "type": "channel", "title": "Kanal"}
    post = {"message_id": 1, "date": 0, "chat": channel, "text": "/lapor"}
    calls = await bot.send({"update_id": 99001, "channel_post": post})
    assert [c.method for c in calls] == ["sendMessage", "leaveChat"]


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 99101},
        {"update_id": 99102, "inline_query": {"id": "iq", "from": {"id": 1, "is_bot": False,
         "first_name": "A"}, "query": "lapor", "offset": ""}},
        {"update_id": 99104, "callback_query": {"id": "c", "from": {"id": 1, "is_bot": False,
         "first_name": "A"}, "chat_instance": "x", "inline_message_id": "im", "data": "d:1:u:1"}},
    ],
    ids=["empty", "inline query", "inline button"],
)  # fmt: skip
async def test_an_update_without_a_message_is_ignored_on_purpose(bot, update):
    calls = await bot.send(update)
    assert [c.method for c in calls] in ([], ["answerCallbackQuery"])
    assert bot.runtime.errors == []


async def test_markup_in_a_report_is_stored_as_inert_text(bot, person, session):
    from tests.bot.telegram_fake import file_report

    await file_report(
        bot,
        person,
        description="<script>alert(1)</script>Petugas minta uang <b>lima puluh</b> ribu.",
    )
    session.rollback()
    complaint = session.scalars(sa.select(Complaint)).one()
    assert "<" not in complaint.body
    assert "lima puluh" in complaint.body
