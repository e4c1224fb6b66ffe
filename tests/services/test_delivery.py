"""Claiming and bookkeeping of the outbox, shared by every channel (no network here)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import OutboundMessage, db
from models.base import utcnow
from models.enums import OutboundChannel, OutboundStatus
from portal.services.delivery import (
    ChannelUnavailable,
    PermanentFailure,
    RetryPolicy,
    TemporaryFailure,
    claim_due,
    deliver_batch,
    mark_bounced,
    mark_failed,
    mark_sent,
    release_claim,
    renew_claim,
)
from portal.services.outbox import queue_email, queue_telegram

MAIL_FROM = "ZI Portal <pengaduan@zi-portal.test>"
EMAIL = OutboundChannel.EMAIL


def queue(session, count: int = 1) -> list[OutboundMessage]:
    messages = [
        queue_email(
            session,
            to=f"warga{i}@contoh.test",
            subject=f"[ZI-TEST-{i:04d}] Pengaduan diterima",
            body="Terima kasih, pengaduan Anda sudah kami terima.",
            mail_from=MAIL_FROM,
            automatic=True,
        )
        for i in range(count)
    ]
    session.commit()
    return messages


def committed(column, message_id: int):
    """Read a column through another connection: only what is committed is visible there."""
    with db.engine.connect() as conn:
        return conn.execute(sa.select(column).where(OutboundMessage.id == message_id)).scalar_one()


def test_retry_policy_waits_longer_after_each_failure_and_repeats_the_last_delay():
    policy = RetryPolicy()
    waits = [policy.delay_after(n).total_seconds() for n in range(1, 10)]
    assert waits == [60, 300, 900, 3600, 10800, 21600, 43200, 43200, 43200]
    assert policy.max_attempts == 8


def test_retry_policy_reads_max_attempts_from_config():
    assert RetryPolicy.from_config({"OUTBOX_MAX_ATTEMPTS": 3}).max_attempts == 3


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"delays": ()}, {"delays": (60, 0)}])
def test_retry_policy_refuses_nonsense(kwargs):
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)


def test_claim_due_claims_queued_email_and_commits_the_claim(session):
    [message] = queue(session)
    now = utcnow()
    claimed = claim_due(session, channel=EMAIL, worker_id="host-a:1", now=now)
    assert [m.id for m in claimed] == [message.id]
    assert committed(OutboundMessage.claimed_by, message.id) == "host-a:1"
    assert committed(OutboundMessage.claimed_at, message.id) is not None


def test_claim_due_leaves_future_sent_failed_and_telegram_messages(session):
    future, sent, failed = queue(session, 3)
    future.next_try_at = utcnow() + timedelta(minutes=5)
    sent.status = OutboundStatus.DIKIRIM
    failed.status = OutboundStatus.GAGAL
    queue_telegram(session, chat_id=12345, body="Halo")
    session.commit()
    assert claim_due(session, channel=EMAIL, worker_id="host-a:1", now=utcnow()) == []


def test_claim_due_takes_at_most_limit_oldest_first(session):
    messages = queue(session, 5)
    for minutes, message in zip([5, 4, 3, 2, 1], messages, strict=True):
        message.next_try_at = utcnow() - timedelta(minutes=minutes)
    session.commit()
    claimed = claim_due(session, channel=EMAIL, worker_id="host-a:1", now=utcnow(), limit=2)
    assert [m.id for m in claimed] == [messages[0].id, messages[1].id]


def test_a_fresh_claim_is_not_claimed_again_by_another_worker(session):
    [message] = queue(session)
    now = utcnow()
    claim_due(session, channel=EMAIL, worker_id="host-a:1", now=now)
    later = now + timedelta(minutes=9)
    assert claim_due(session, channel=EMAIL, worker_id="host-b:2", now=later) == []
    assert committed(OutboundMessage.claimed_by, message.id) == "host-a:1"


def test_a_stale_claim_of_a_dead_worker_is_taken_over(session):
    [message] = queue(session)
    now = utcnow()
    claim_due(session, channel=EMAIL, worker_id="host-a:1", now=now)
    later = now + timedelta(minutes=10, seconds=1)
    claimed = claim_due(session, channel=EMAIL, worker_id="host-b:2", now=later)
    assert [m.id for m in claimed] == [message.id]
    assert committed(OutboundMessage.claimed_by, message.id) == "host-b:2"


def test_stale_after_is_configurable(session):
    queue(session)
    now = utcnow()
    claim_due(session, channel=EMAIL, worker_id="host-a:1", now=now)
    later = now + timedelta(seconds=31)
    assert claim_due(
        session, channel=EMAIL, worker_id="host-b:2", now=later, stale_after=timedelta(seconds=30)
    )


def test_two_workers_claiming_at_once_never_share_a_message(app, session):
    ids = {m.id for m in queue(session, 50)}
    now = utcnow()
    engine = db.engine
    start = threading.Barrier(2)
    claims: dict[str, list[int]] = {"host-a:1": [], "host-b:2": []}
    errors: list[BaseException] = []

    def work(worker_id: str) -> None:
        try:
            with Session(engine) as own:
                start.wait()
                while batch := claim_due(own, channel=EMAIL, worker_id=worker_id, now=now, limit=5):
                    claims[worker_id].extend(m.id for m in batch)
        except BaseException as exc:  # surfaced below, with the thread's traceback
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    a, b = claims["host-a:1"], claims["host-b:2"]
    assert not set(a) & set(b)
    assert len(a) + len(b) == 50 and set(a) | set(b) == ids
    print(f"claims: a={len(a)} b={len(b)}")
    owners = dict(session.execute(sa.select(OutboundMessage.id, OutboundMessage.claimed_by)).all())
    assert all(owners[i] == "host-a:1" for i in a) and all(owners[i] == "host-b:2" for i in b)


def test_renew_claim_fails_once_another_worker_took_over(session):
    [message] = queue(session)
    now = utcnow()
    [mine] = claim_due(session, channel=EMAIL, worker_id="host-a:1", now=now)
    assert renew_claim(session, mine, worker_id="host-a:1", now=now + timedelta(minutes=1))
    claim_due(session, channel=EMAIL, worker_id="host-b:2", now=now + timedelta(minutes=12))
    assert not renew_claim(session, mine, worker_id="host-a:1", now=now + timedelta(minutes=12))
    assert committed(OutboundMessage.claimed_by, message.id) == "host-b:2"


def test_release_claim_hands_a_message_back_at_once(session):
    [message] = queue(session)
    now = utcnow()
    [mine] = claim_due(session, channel=EMAIL, worker_id="host-a:1", now=now)
    release_claim(session, mine, worker_id="host-a:1")
    assert [m.id for m in claim_due(session, channel=EMAIL, worker_id="host-b:2", now=now)] == [
        message.id
    ]
    assert committed(OutboundMessage.attempts, message.id) == 0


def test_mark_sent_records_delivery_and_clears_the_claim(session):
    [message] = queue(session)
    now = utcnow()
    [mine] = claim_due(session, channel=EMAIL, worker_id="host-a:1", now=now)
    mark_sent(session, mine, now=now)
    assert committed(OutboundMessage.status, message.id) == OutboundStatus.DIKIRIM.value
    assert committed(OutboundMessage.sent_at, message.id) is not None
    assert committed(OutboundMessage.claimed_by, message.id) is None
    assert committed(OutboundMessage.claimed_at, message.id) is None


def test_mark_failed_schedules_the_next_try_per_policy_and_releases_the_claim(session):
    [message] = queue(session)
    now = utcnow()
    [mine] = claim_due(session, channel=EMAIL, worker_id="host-a:1", now=now)
    mark_failed(session, mine, error="451 4.3.0 coba lagi", now=now, policy=RetryPolicy())
    session.refresh(message)
    assert message.status == OutboundStatus.MENUNGGU
    assert message.attempts == 1
    assert message.next_try_at == now + timedelta(seconds=60)
    assert message.claimed_at is None and message.claimed_by is None
    assert message.last_error == "451 4.3.0 coba lagi"
    mine = claim_due(session, channel=EMAIL, worker_id="host-a:1", now=now + timedelta(seconds=61))
    mark_failed(session, mine[0], error="451", now=now, policy=RetryPolicy())
    session.refresh(message)
    assert message.attempts == 2
    assert message.next_try_at == now + timedelta(seconds=300)


def test_mark_failed_gives_up_after_the_last_attempt(session):
    [message] = queue(session)
    policy = RetryPolicy(max_attempts=3)
    now = utcnow()
    for _ in range(3):
        [mine] = claim_due(session, channel=EMAIL, worker_id="host-a:1", now=now)
        mark_failed(session, mine, error="timeout", now=now, policy=policy)
        now += timedelta(days=1)
    session.refresh(message)
    assert message.status == OutboundStatus.GAGAL
    assert message.attempts == 3
    assert claim_due(session, channel=EMAIL, worker_id="host-a:1", now=now) == []


def test_mark_failed_permanent_gives_up_at_once(session):
    [message] = queue(session)
    now = utcnow()
    [mine] = claim_due(session, channel=EMAIL, worker_id="host-a:1", now=now)
    mark_failed(
        session, mine, error="550 5.1.1 no such user", now=now, policy=RetryPolicy(), permanent=True
    )
    session.refresh(message)
    assert (message.status, message.attempts) == (OutboundStatus.GAGAL, 1)


def test_mark_failed_stores_one_truncated_line(session):
    [message] = queue(session)
    now = utcnow()
    [mine] = claim_due(session, channel=EMAIL, worker_id="host-a:1", now=now)
    mark_failed(
        session,
        mine,
        error="baris satu\r\nbaris dua\x00" + "x" * 2000,
        now=now,
        policy=RetryPolicy(),
    )
    session.refresh(message)
    assert message.last_error.startswith("baris satu baris dua x")
    assert len(message.last_error) == 500
    assert "\n" not in message.last_error and "\x00" not in message.last_error


def test_mark_bounced_marks_only_the_referenced_messages(session):
    bounced, other, third = queue(session, 3)
    for message in (bounced, other, third):
        message.status = OutboundStatus.DIKIRIM
    session.commit()
    bare_id = third.message_id.strip("<>")  # some bounces quote the id without brackets
    matched = mark_bounced(
        session,
        [bounced.message_id, bare_id, "<unknown@elsewhere.test>"],
        reason="550 5.1.1 mailbox unavailable",
        now=utcnow(),
    )
    session.commit()
    assert matched == 2
    for message in (bounced, third):
        session.refresh(message)
        assert message.status == OutboundStatus.GAGAL
        assert message.last_error == "bounce: 550 5.1.1 mailbox unavailable"
    session.refresh(other)
    assert other.status == OutboundStatus.DIKIRIM


def test_mark_bounced_with_no_known_id_matches_nothing(session):
    queue(session)
    assert mark_bounced(session, [], reason="x", now=utcnow()) == 0
    assert mark_bounced(session, ["<nope@x.test>"], reason="x", now=utcnow()) == 0


def test_deliver_batch_sends_each_claimed_message_and_records_it(session):
    messages = queue(session, 3)
    sent: list[int] = []
    report = deliver_batch(
        session,
        channel=EMAIL,
        send=lambda m: sent.append(m.id),
        worker_id="host-a:1",
        policy=RetryPolicy(),
    )
    assert (report.sent, report.retried, report.failed) == (3, 0, 0)
    assert sent == [m.id for m in messages]
    statuses = session.scalars(sa.select(OutboundMessage.status)).all()
    assert statuses == [OutboundStatus.DIKIRIM] * 3


def test_deliver_batch_counts_a_sender_bug_as_a_temporary_failure(session):
    [message] = queue(session)

    def broken(_message):
        raise KeyError("bug")

    report = deliver_batch(
        session, channel=EMAIL, send=broken, worker_id="host-a:1", policy=RetryPolicy()
    )
    assert report.retried == 1
    session.refresh(message)
    assert (message.status, message.attempts) == (OutboundStatus.MENUNGGU, 1)
    assert message.last_error == "internal error: KeyError"


def test_deliver_batch_stops_trying_once_the_channel_is_unavailable(session):
    queue(session, 3)
    calls: list[int] = []

    def down(message):
        calls.append(message.id)
        raise ChannelUnavailable("connection refused")

    report = deliver_batch(
        session, channel=EMAIL, send=down, worker_id="host-a:1", policy=RetryPolicy()
    )
    assert len(calls) == 1  # one timeout, not one per message
    assert report.retried == 3 and report.unavailable
    assert session.scalars(sa.select(OutboundMessage.attempts)).all() == [1, 1, 1]


def test_deliver_batch_separates_temporary_and_permanent_failures(session):
    first, second = queue(session, 2)

    def send(message):
        if message.id == first.id:
            raise TemporaryFailure("451 later", code=451)
        raise PermanentFailure("550 no such user", code=550)

    report = deliver_batch(
        session, channel=EMAIL, send=send, worker_id="host-a:1", policy=RetryPolicy()
    )
    assert (report.sent, report.retried, report.failed) == (0, 1, 1)
    session.refresh(first)
    session.refresh(second)
    assert first.status == OutboundStatus.MENUNGGU and second.status == OutboundStatus.GAGAL


def test_deliver_batch_releases_the_unsent_rest_when_asked_to_stop(session):
    first, second, third = queue(session, 3)
    sent: list[int] = []
    report = deliver_batch(
        session,
        channel=EMAIL,
        send=lambda m: sent.append(m.id),
        worker_id="host-a:1",
        policy=RetryPolicy(),
        should_stop=lambda: bool(sent),
    )
    assert sent == [first.id]
    assert (report.sent, report.released) == (1, 2)
    for message in (second, third):
        session.refresh(message)
        assert message.claimed_at is None and message.attempts == 0
        assert message.status == OutboundStatus.MENUNGGU


def test_a_message_taken_over_mid_batch_is_not_sent_twice(app, session):
    first, second = queue(session, 2)
    now = utcnow()
    sent: list[int] = []

    def slow_send(message):
        sent.append(message.id)
        if message.id == first.id:
            # Meanwhile another worker found host-a's claim on the 2nd message stale and took it.
            with db.engine.begin() as conn:
                conn.execute(
                    sa.update(OutboundMessage)
                    .where(OutboundMessage.id == second.id)
                    .values(claimed_by="host-b:2", claimed_at=now + timedelta(minutes=11))
                )

    report = deliver_batch(
        session, channel=EMAIL, send=slow_send, worker_id="host-a:1", policy=RetryPolicy(), now=now
    )
    assert (report.sent, report.lost) == (1, 1)
    assert sent == [first.id]
    assert committed(OutboundMessage.claimed_by, second.id) == "host-b:2"
