"""The Telegram outbox sender: replies reach the chat; 403, 429 and network errors are handled."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
import sqlalchemy as sa
from flask import current_app

from bot.delivery import TelegramDelivery, split_text
from models import BlockedChat, BotMessageLink, ComplaintMessage, OutboundMessage
from models.enums import MessageKind, OutboundStatus, Role
from portal.services.delivery import RetryPolicy
from portal.services.outbox import queue_telegram
from portal.services.replies import reply_to_reporter
from tests.bot.telegram_fake import Person
from tests.factories import gen_user

pytestmark = [
    pytest.mark.asyncio,
    # python-telegram-bot 22 warns about its own int → timedelta migration inside RetryAfter.
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]

BLOCKED = "Forbidden: bot was blocked by the user"


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sender(bot, clock) -> TelegramDelivery:
    return TelegramDelivery(
        bot.application,
        bot.runtime,
        worker_id="test-bot:1",
        policy=RetryPolicy(max_attempts=3),
        clock=clock,
    )


def queue(session, person: Person, *bodies: str) -> list[int]:
    ids = []
    for body in bodies:
        message = queue_telegram(session, chat_id=person.chat_id, body=body)
        session.flush()
        ids.append(message.id)
    session.commit()
    return ids


def row(session, message_id: int) -> OutboundMessage:
    session.rollback()
    return session.get(OutboundMessage, message_id)


async def test_an_inspector_reply_is_delivered_and_a_reply_to_it_reaches_the_complaint(
    bot, person, session, sender
):
    from tests.bot.test_status_and_followups import filed_for

    complaint = filed_for(session, person.chat_id)
    inspector = gen_user(session, Role.INSPEKTUR)
    reply_to_reporter(
        session,
        complaint,
        body="Mohon kirim foto kuitansinya.",
        author=inspector,
        config=current_app.config,
    )
    session.commit()

    report = await sender.run_once()

    assert report.sent == 2  # the acknowledgement and the reply
    acknowledgement, answer = bot.telegram.sent
    assert acknowledgement.params["chat_id"] == person.chat_id
    assert complaint.code in acknowledgement.text
    assert "Mohon kirim foto kuitansinya." in answer.text
    session.rollback()
    statuses = set(session.scalars(sa.select(OutboundMessage.status)))
    assert statuses == {OutboundStatus.DIKIRIM}
    links = session.scalars(sa.select(BotMessageLink.message_id)).all()
    assert set(links) == {acknowledgement.message_id, answer.message_id}

    text = await bot.say(person.reply_to(answer.message_id, "Baik, ini kuitansinya."))
    assert text == f"Ditambahkan ke {complaint.code}. Terima kasih."
    session.rollback()
    last = session.scalars(
        sa.select(ComplaintMessage)
        .where(ComplaintMessage.kind == MessageKind.MASUK)
        .order_by(ComplaintMessage.id.desc())
    ).first()
    assert last.body == "Baik, ini kuitansinya."


async def test_a_chat_that_blocked_the_bot_is_marked_and_never_retried(
    bot, person, session, sender
):
    [first] = queue(session, person, "Balasan pertama")
    bot.telegram.fail_next("sendMessage", 403, BLOCKED)

    report = await sender.run_once()

    assert report.failed == 1
    message = row(session, first)
    assert message.status == OutboundStatus.GAGAL
    assert message.attempts == 1
    assert "403" not in (message.last_error or "") or "blocked" in message.last_error
    assert session.get(BlockedChat, person.chat_id) is not None

    [second] = queue(session, person, "Balasan kedua")
    bot.telegram.clear()
    await sender.run_once()
    assert bot.telegram.sent == []  # not even tried
    assert row(session, second).status == OutboundStatus.GAGAL


async def test_a_blocked_chat_that_writes_again_receives_messages_again(
    bot, person, session, sender
):
    queue(session, person, "Balasan pertama")
    bot.telegram.fail_next("sendMessage", 403, BLOCKED)
    await sender.run_once()

    await bot.send(person.command("/start"))

    session.rollback()
    assert session.get(BlockedChat, person.chat_id) is None
    [later] = queue(session, person, "Balasan berikutnya")
    await sender.run_once()
    assert row(session, later).status == OutboundStatus.DIKIRIM


async def test_blocking_and_unblocking_in_telegram_is_noticed(bot, person, session):
    def member_update(status: str) -> dict:
        change = {
            "chat": person.chat,
            "from": person.user,
            "date": 0,
            "old_chat_member": {"user": {"id": 123456, "is_bot": True, "first_name": "ZI"},
                                "status": "member"},
            "new_chat_member": {"user": {"id": 123456, "is_bot": True, "first_name": "ZI"},
                                "status": status, "until_date": 0},
        }  # fmt: skip
        return person.update(my_chat_member=change)

    calls = await bot.send(member_update("kicked"))
    assert calls == []
    session.rollback()
    assert session.get(BlockedChat, person.chat_id) is not None
    await bot.send(member_update("member"))
    session.rollback()
    assert session.get(BlockedChat, person.chat_id) is None


async def test_a_rate_limit_is_retried_later_and_pauses_the_sender(
    bot, person, session, sender, clock
):
    first, second = queue(session, person, "Balasan satu", "Balasan dua")
    bot.telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 30", retry_after=30)

    report = await sender.run_once()

    assert (report.retried, report.released, report.sent) == (1, 1, 0)
    message = row(session, first)
    assert message.status == OutboundStatus.MENUNGGU
    assert message.attempts == 1
    assert "retry after 30" in message.last_error
    untouched = row(session, second)
    assert (untouched.attempts, untouched.claimed_by) == (0, None)  # handed back, not counted
    assert sender.paused_for == 30

    bot.telegram.clear()
    clock.now += 29
    await sender.run_once()
    assert bot.telegram.sent == []  # nothing before retry_after has passed

    clock.now += 2
    await sender.run_once()
    assert [c.text for c in bot.telegram.sent] == ["Balasan dua"]
    assert row(session, second).status == OutboundStatus.DIKIRIM
    assert row(session, first).status == OutboundStatus.MENUNGGU  # its own back-off: 60 s


async def test_a_network_error_is_temporary(bot, person, session, sender):
    [message_id] = queue(session, person, "Balasan")
    bot.telegram.break_next("sendMessage", httpx.ConnectError("connection refused"))

    report = await sender.run_once()

    assert report.retried == 1
    message = row(session, message_id)
    assert message.status == OutboundStatus.MENUNGGU
    assert message.last_error.startswith("network error")
    assert sender.paused_for > 0


async def test_a_chat_telegram_does_not_know_fails_permanently_without_blocking(
    bot, person, session, sender
):
    [message_id] = queue(session, person, "Balasan")
    bot.telegram.fail_next("sendMessage", 400, "Bad Request: chat not found")

    await sender.run_once()

    message = row(session, message_id)
    assert message.status == OutboundStatus.GAGAL
    assert message.last_error == "refused by Telegram: Chat not found"
    assert session.get(BlockedChat, person.chat_id) is None


async def test_a_long_reply_is_sent_in_parts_each_linked_to_the_complaint(
    bot, person, session, sender
):
    from tests.bot.test_status_and_followups import filed_for

    complaint = filed_for(session, person.chat_id)
    session.execute(sa.delete(OutboundMessage))  # keep only the long one
    paragraphs = [f"Paragraf {i}: " + "isi " * 400 for i in range(6)]
    queue_telegram(
        session, chat_id=person.chat_id, body="\n\n".join(paragraphs), complaint=complaint
    )
    session.commit()

    await sender.run_once()

    parts = bot.telegram.sent
    assert len(parts) == 3
    assert all(len(p.text) <= 4096 for p in parts)
    assert parts[0].text.startswith("Paragraf 0:")
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(BotMessageLink.id))) == 3


async def test_split_text_counts_utf16_units_and_keeps_short_text_whole():
    assert split_text("halo") == ["halo"]
    emoji = "😀" * 3000  # 6000 UTF-16 units
    parts = split_text(emoji)
    assert "".join(parts) == emoji
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)


async def test_failures_are_logged_and_stored_without_the_chat_id(
    bot, person, session, sender, caplog
):
    # Our own logs (python-telegram-bot's DEBUG lines, which do carry parameters, are kept at
    # INFO by `python -m bot`).
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.DEBUG, logger="portal")
    [message_id] = queue(session, person, "Balasan")
    bot.telegram.fail_next("sendMessage", 403, BLOCKED)
    await sender.run_once()
    assert str(person.chat_id) not in caplog.text
    assert str(person.chat_id) not in row(session, message_id).last_error


async def test_run_forever_delivers_and_stops_when_told(bot, person, session, sender):
    sender.interval = 0.05
    [message_id] = queue(session, person, "Balasan")
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run_forever(stop))
    for _ in range(100):
        await asyncio.sleep(0.02)
        if bot.telegram.sent:
            break
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert row(session, message_id).status == OutboundStatus.DIKIRIM
