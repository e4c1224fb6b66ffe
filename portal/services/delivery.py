"""Deliver the outbox: claim due messages, send them through a channel, record the result.

Channel-independent: email (``portal.mail.smtp``) and Telegram (the bot) plug a ``send``
function into the same claiming and bookkeeping.

Threat model and failure model: several workers may run at once, on one host or many, and any
of them may be killed at any instant (SIGKILL, power loss). So a worker *claims* a message and
commits the claim before it sends, and commits the result after; the only window for a second
delivery is a worker that dies between its send and the commit of the result, and then the
same message goes out again with the same Message-ID (fixed at queue time), which receivers
can recognise. Two live workers never hold one message: on PostgreSQL rows are claimed with
``SELECT … FOR UPDATE SKIP LOCKED``; elsewhere (SQLite) with a conditional UPDATE that only one
writer can win. A claim older than ``stale_after`` belongs to a worker that died and is taken
over; a live worker renews its claim just before each send so a slow batch is never taken over.
Errors stored in ``last_error`` are one line, truncated, and never carry credentials.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import OutboundMessage
from models.base import utcnow
from models.enums import OutboundChannel, OutboundStatus

logger = logging.getLogger(__name__)

DEFAULT_STALE_AFTER = timedelta(minutes=10)
ERROR_MAX_CHARS = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class DeliveryFailure(Exception):
    """A message could not be delivered; ``code`` is the channel's status code, if any."""

    permanent = False

    def __init__(self, reason: str, *, code: int | None = None):
        super().__init__(reason)
        self.code = code


class TemporaryFailure(DeliveryFailure):
    """Worth trying again later (server down, timeout, a 4xx answer)."""


class ChannelUnavailable(TemporaryFailure):
    """The whole channel is unreachable: the rest of the batch would fail the same way."""


class PermanentFailure(DeliveryFailure):
    """Trying again cannot help (the recipient was refused, the message is unsafe)."""

    permanent = True


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how long apart, a message is tried before it is given up (GAGAL)."""

    max_attempts: int = 8
    # Seconds to wait after the 1st, 2nd, … failed attempt; the last one repeats.
    delays: tuple[int, ...] = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not self.delays or any(d <= 0 for d in self.delays):
            raise ValueError("delays must be positive seconds, at least one")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RetryPolicy:
        """Read ``OUTBOX_MAX_ATTEMPTS`` from the app's configuration."""
        return cls(max_attempts=int(config.get("OUTBOX_MAX_ATTEMPTS", cls.max_attempts)))

    def delay_after(self, attempts: int) -> timedelta:
        """Return the wait after ``attempts`` failed attempts (1 = the first failure)."""
        index = min(max(attempts, 1), len(self.delays)) - 1
        return timedelta(seconds=self.delays[index])


@dataclass
class DeliveryReport:
    """Counts of one batch; never addresses or bodies, so it is safe to log."""

    sent: int = 0
    retried: int = 0  # failed this time, will be tried again
    failed: int = 0  # given up: permanent failure or the last attempt
    released: int = 0  # claimed, then handed back unsent because the worker is stopping
    lost: int = 0  # another worker took the claim over (ours had gone stale)
    unavailable: bool = False  # the channel was down: the rest of the queue can wait

    @property
    def handled(self) -> int:
        """Return how many messages this batch claimed."""
        return self.sent + self.retried + self.failed + self.released + self.lost

    def merge(self, other: DeliveryReport) -> None:
        """Add another batch's counts to these."""
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.released += other.released
        self.lost += other.lost
        self.unavailable = self.unavailable or other.unavailable

    def line(self) -> str:
        """Return a one-line summary for logs."""
        text = f"sent={self.sent} retried={self.retried} failed={self.failed}"
        if self.released or self.lost:
            text += f" released={self.released} lost={self.lost}"
        return text + (" (channel unavailable)" if self.unavailable else "")


def _due(channel: OutboundChannel, now: datetime, stale_after: timedelta) -> list[Any]:
    return [
        OutboundMessage.channel == channel,
        OutboundMessage.status == OutboundStatus.MENUNGGU,
        OutboundMessage.next_try_at <= now,
        sa.or_(
            OutboundMessage.claimed_at.is_(None),
            OutboundMessage.claimed_at < now - stale_after,
        ),
    ]


def claim_due(
    session: Session,
    *,
    channel: OutboundChannel,
    worker_id: str,
    now: datetime,
    limit: int = 20,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
) -> list[OutboundMessage]:
    """Claim up to ``limit`` due messages for ``worker_id`` and commit the claim.

    Due: queued (MENUNGGU), ``next_try_at`` reached, and unclaimed or claimed longer than
    ``stale_after`` ago (by a worker that died). The session is committed, so the claim is
    durable before anything is sent; commit or roll back unrelated work before calling.
    """
    worker_id = worker_id[:120]
    due = _due(channel, now, stale_after)
    order = (OutboundMessage.next_try_at, OutboundMessage.id)
    if session.get_bind().dialect.name == "postgresql":
        # Rows another worker holds are skipped, not waited for; PostgreSQL re-checks the WHERE
        # clause on the newest row version before locking, so a row claimed and committed
        # meanwhile is not taken twice.
        messages = list(
            session.scalars(
                sa.select(OutboundMessage)
                .where(*due)
                .order_by(*order)
                .limit(limit)
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            )
        )
        for message in messages:
            message.claimed_at = now
            message.claimed_by = worker_id
        session.commit()
        return messages

    # SQLite serialises writers: each conditional UPDATE runs under the database write lock and
    # re-checks that the row is still free, so exactly one of two racing workers sees rowcount 1.
    candidates = list(
        session.scalars(sa.select(OutboundMessage.id).where(*due).order_by(*order).limit(limit))
    )
    claimed: list[int] = []
    for message_id in candidates:
        result = session.execute(
            sa.update(OutboundMessage)
            .where(OutboundMessage.id == message_id, *due)
            .values(claimed_at=now, claimed_by=worker_id)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    session.commit()
    if not claimed:
        return []
    return list(
        session.scalars(
            sa.select(OutboundMessage)
            .where(OutboundMessage.id.in_(claimed))
            .order_by(*order)
            .execution_options(populate_existing=True)
        )
    )


def renew_claim(
    session: Session, message: OutboundMessage, *, worker_id: str, now: datetime
) -> bool:
    """Refresh this worker's claim just before a send; False if another worker took it over."""
    result = session.execute(
        sa.update(OutboundMessage)
        .where(
            OutboundMessage.id == message.id,
            OutboundMessage.claimed_by == worker_id[:120],
            OutboundMessage.status == OutboundStatus.MENUNGGU,
        )
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def release_claim(session: Session, message: OutboundMessage, *, worker_id: str) -> None:
    """Hand an unsent message back at once (a stopping worker), without counting an attempt."""
    session.execute(
        sa.update(OutboundMessage)
        .where(OutboundMessage.id == message.id, OutboundMessage.claimed_by == worker_id[:120])
        .values(claimed_at=None, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def mark_sent(session: Session, message: OutboundMessage, *, now: datetime) -> None:
    """Record a delivered message (DIKIRIM) and clear its claim; commits."""
    message.status = OutboundStatus.DIKIRIM
    message.sent_at = now
    message.claimed_at = None
    message.claimed_by = None
    session.commit()


def clean_error(error: str) -> str:
    """Return an error as one line of at most ``ERROR_MAX_CHARS`` characters."""
    text = " ".join(_CONTROL.sub(" ", str(error)).split())
    if len(text) > ERROR_MAX_CHARS:
        text = text[: ERROR_MAX_CHARS - 1] + "…"
    return text or "unknown error"


def mark_failed(
    session: Session,
    message: OutboundMessage,
    *,
    error: str,
    now: datetime,
    policy: RetryPolicy,
    permanent: bool = False,
) -> None:
    """Count a failed attempt: retry after the policy's delay, or give up (GAGAL); commits.

    ``error`` must not contain credentials; it is stored as one truncated line.
    """
    message.attempts = (message.attempts or 0) + 1
    message.last_error = clean_error(error)
    if permanent or message.attempts >= policy.max_attempts:
        message.status = OutboundStatus.GAGAL
    else:
        message.next_try_at = now + policy.delay_after(message.attempts)
    message.claimed_at = None
    message.claimed_by = None
    session.commit()


def _normalise_message_id(value: str) -> str:
    value = value.strip()
    if value and not value.startswith("<"):
        value = f"<{value}>"
    return value


def mark_bounced(
    session: Session, message_ids: Sequence[str], *, reason: str, now: datetime
) -> int:
    """Mark the outbound mails a bounce refers to as failed; return how many matched.

    ``now`` is when the bounce was read. Flushes without committing: the caller stores the
    bounce itself in the same transaction.
    """
    ids = {_normalise_message_id(m) for m in message_ids if m and m.strip()}
    if not ids:
        return 0
    messages = session.scalars(
        sa.select(OutboundMessage).where(
            OutboundMessage.channel == OutboundChannel.EMAIL,
            OutboundMessage.message_id.in_(sorted(ids)),
        )
    ).all()
    for message in messages:
        message.status = OutboundStatus.GAGAL
        message.last_error = clean_error(f"bounce: {reason}")
        message.claimed_at = None
        message.claimed_by = None
    session.flush()
    if messages:
        logger.info(
            "bounce marked %d outbound message(s) failed at %s",
            len(messages),
            now.isoformat(timespec="seconds"),
        )
    return len(messages)


def deliver_batch(
    session: Session,
    *,
    channel: OutboundChannel,
    send: Callable[[OutboundMessage], None],
    worker_id: str,
    policy: RetryPolicy,
    now: datetime | None = None,
    limit: int = 20,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
    should_stop: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Claim due messages of ``channel`` and pass each to ``send``, recording every result.

    ``send`` raises ``TemporaryFailure`` or ``PermanentFailure``; any other exception is a bug
    and counts as a temporary failure, so one poisonous message cannot stall the queue.
    ``now`` fixes the clock (tests); by default the current time is read at each step.
    ``should_stop`` is checked between messages: when it says so, the unsent rest is released.
    """
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    report = DeliveryReport()
    claimed = claim_due(
        session,
        channel=channel,
        worker_id=worker_id,
        now=clock(),
        limit=limit,
        stale_after=stale_after,
    )
    down: DeliveryFailure | None = None
    for index, message in enumerate(claimed):
        if should_stop is not None and should_stop():
            for rest in claimed[index:]:
                release_claim(session, rest, worker_id=worker_id)
            report.released += len(claimed) - index
            break
        if down is not None:  # the channel is down: count the attempt without a wasted timeout
            _record_failure(session, message, down, clock(), policy, report)
            continue
        if not renew_claim(session, message, worker_id=worker_id, now=clock()):
            logger.warning("outbound %s: claim taken over by another worker, skipped", message.id)
            report.lost += 1
            continue
        try:
            send(message)
        except DeliveryFailure as exc:
            _record_failure(session, message, exc, clock(), policy, report)
            if isinstance(exc, ChannelUnavailable):
                down = exc
                report.unavailable = True
        except Exception as exc:  # a bug in a sender must not wedge the queue
            logger.error("outbound %s: unexpected %s while sending", message.id, type(exc).__name__)
            failure = TemporaryFailure(f"internal error: {type(exc).__name__}")
            _record_failure(session, message, failure, clock(), policy, report)
        else:
            mark_sent(session, message, now=clock())
            report.sent += 1
    return report


def _record_failure(
    session: Session,
    message: OutboundMessage,
    exc: DeliveryFailure,
    now: datetime,
    policy: RetryPolicy,
    report: DeliveryReport,
) -> None:
    mark_failed(session, message, error=str(exc), now=now, policy=policy, permanent=exc.permanent)
    given_up = message.status == OutboundStatus.GAGAL
    if given_up:
        report.failed += 1
    else:
        report.retried += 1
    # The reason may echo the address (SMTP answers often do): log the code only.
    logger.warning(
        "outbound %s: %s%s, attempt %d, %s",
        message.id,
        type(exc).__name__,
        f" {exc.code}" if exc.code else "",
        message.attempts,
        "given up" if given_up else "will retry",
    )
