"""The Telegram outbox sender: inspector replies, acknowledgements and status news to reporters.

It runs inside the bot process as an asyncio task (``run_forever``) and plugs a ``send``
function into ``portal.services.delivery.deliver_batch``, which claims messages, records each
result and retries with back-off. The claiming is synchronous database work, so a batch runs
in a worker thread; each send is scheduled back onto the bot's event loop.

Failure model: 403 Forbidden (the user blocked the bot, or the account is gone) marks the chat
blocked and fails the message permanently; later messages to that chat fail at once without
calling Telegram, until the user writes to the bot again. 429 RetryAfter is a temporary
failure, and the whole sender pauses for ``retry_after`` seconds: the rest of the batch is
handed back unsent (no attempt counted) and nothing is sent before the pause ends. Network
errors and time-outs are temporary failures and pause the sender briefly. 400 Bad Request
(chat not found, text refused) cannot get better by retrying: permanent. Bodies longer than a
Telegram message are sent in several parts. Every message sent about a complaint is
remembered, so that a reply to it is routed to that complaint. Logs and stored errors never
carry the chat id or the text.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import socket
import threading
import time
import warnings
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application

from models import OutboundMessage, db
from models.enums import OutboundChannel
from portal.services.delivery import (
    DeliveryReport,
    PermanentFailure,
    RetryPolicy,
    TemporaryFailure,
    deliver_batch,
)

from . import store
from .runtime import BotRuntime

logger = logging.getLogger(__name__)

MAX_MESSAGE_UNITS = 4096  # Telegram's limit, in UTF-16 code units
NETWORK_PAUSE = 30.0
TOKEN_PAUSE = 300.0


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE_UNITS) -> list[str]:
    """Split a body into Telegram-sized parts, at paragraph, line or word ends when possible."""
    text = text.strip() or "-"
    parts: list[str] = []
    while _units(text) > limit:
        # The longest prefix within the limit, then back to the last break inside it.
        low, high = 1, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if _units(text[:middle]) <= limit:
                low = middle
            else:
                high = middle - 1
        head = text[:low]
        for sep in ("\n\n", "\n", " "):
            cut = head.rfind(sep)
            if cut > low // 2:
                head = head[:cut]
                break
        parts.append(head.rstrip())
        text = text[len(head) :].lstrip()
    if text:
        parts.append(text)
    return parts


def default_worker_id() -> str:
    """Return ``telegram:host:pid``, naming this process in the outbox claims it holds."""
    return f"telegram:{socket.gethostname()}:{os.getpid()}"[:120]


def _retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # the int/timedelta migration warning of PTB 22
        warnings.simplefilter("ignore")
        value = exc.retry_after
    if isinstance(value, timedelta):
        return max(value.total_seconds(), 1.0)
    return max(float(value), 1.0)


class TelegramDelivery:
    """Deliver the Telegram outbox through the application's bot."""

    def __init__(
        self,
        application: Application,
        runtime: BotRuntime,
        *,
        worker_id: str | None = None,
        policy: RetryPolicy | None = None,
        batch_size: int = 20,
        interval: float = 5.0,
        send_timeout: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.application = application
        self.runtime = runtime
        self.worker_id = worker_id or default_worker_id()
        self.policy = policy or RetryPolicy.from_config(runtime.flask_app.config)
        self.batch_size = batch_size
        self.interval = interval
        self.send_timeout = send_timeout
        self.clock = clock
        self.paused_until = 0.0
        self._stopping = threading.Event()
        self._halt_batch = threading.Event()

    # --- control -------------------------------------------------------------------------------

    def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (a rate limit, an outage); stop the current batch."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)
        self._halt_batch.set()

    @property
    def paused_for(self) -> float:
        """Return how many seconds of pause are left."""
        return max(0.0, self.paused_until - self.clock())

    def request_stop(self) -> None:
        """Finish the message being sent, hand the rest of the batch back, and stop."""
        self._stopping.set()

    # --- running -------------------------------------------------------------------------------

    async def run_once(self) -> DeliveryReport:
        """Deliver one batch of due messages (nothing while paused); return the counts."""
        if self.paused_for > 0 or self._stopping.is_set():
            return DeliveryReport()
        self._halt_batch.clear()
        loop = asyncio.get_running_loop()
        return await asyncio.to_thread(self._batch, loop)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set: batch after batch, then wait ``interval`` seconds."""
        while not stop.is_set():
            wait = self.interval
            try:
                report = await self.run_once()
            except Exception as exc:  # the database is down: keep the bot alive, try later
                logger.error("telegram delivery failed: %s", type(exc).__name__)
            else:
                if report.handled:
                    logger.info("telegram outbox: %s", report.line())
                if report.handled >= self.batch_size and not self._halt_batch.is_set():
                    wait = 0.0  # more may be due: go on at once
            wait = max(wait, self.paused_for)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait if wait > 0 else 0.001)
        self.request_stop()

    def _batch(self, loop: asyncio.AbstractEventLoop) -> DeliveryReport:
        with self.runtime.flask_app.app_context():
            try:
                return deliver_batch(
                    db.session,
                    channel=OutboundChannel.TELEGRAM,
                    send=partial(self._send, loop),
                    worker_id=self.worker_id,
                    policy=self.policy,
                    limit=self.batch_size,
                    should_stop=self._should_stop,
                )
            finally:
                db.session.remove()

    def _should_stop(self) -> bool:
        return self._stopping.is_set() or self._halt_batch.is_set()

    # --- one message ---------------------------------------------------------------------------

    def _send(self, loop: asyncio.AbstractEventLoop, message: OutboundMessage) -> None:
        """Send one outbox message (in the batch's thread); raise a DeliveryFailure if not."""
        try:
            chat_id = int(message.recipient)
        except ValueError:
            raise PermanentFailure("recipient is not a Telegram chat id") from None
        session = db.session
        if chat_id in self.runtime.blocked or store.is_blocked(session, chat_id):
            raise PermanentFailure("the user has blocked the bot", code=403)
        for part in split_text(message.body):
            sent = self._call(loop, chat_id, part)
            if message.complaint_id is not None:
                store.link_messages(session, chat_id, [sent.message_id], message.complaint_id)

    def _call(self, loop: asyncio.AbstractEventLoop, chat_id: int, text: str):
        future = asyncio.run_coroutine_threadsafe(
            self.application.bot.send_message(chat_id=chat_id, text=text), loop
        )
        try:
            return future.result(timeout=self.send_timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            self.pause(NETWORK_PAUSE)
            raise TemporaryFailure("no answer from Telegram in time") from None
        except Forbidden:
            self.runtime.blocked.add(chat_id)
            store.mark_blocked(db.session, chat_id)
            logger.info("a private chat blocked the bot: its messages are not retried")
            raise PermanentFailure("Forbidden: the user blocked the bot", code=403) from None
        except RetryAfter as exc:
            seconds = _retry_seconds(exc)
            self.pause(seconds)
            raise TemporaryFailure(
                f"rate limited by Telegram: retry after {seconds:g} s", code=429
            ) from None
        except BadRequest as exc:
            raise PermanentFailure(f"refused by Telegram: {exc.message}"[:300], code=400) from None
        except InvalidToken:
            self.pause(TOKEN_PAUSE)
            logger.error("telegram delivery: the bot token was refused")
            raise TemporaryFailure("the bot token was refused", code=401) from None
        except TimedOut:
            self.pause(NETWORK_PAUSE)
            raise TemporaryFailure("timed out talking to Telegram") from None
        except NetworkError as exc:
            self.pause(NETWORK_PAUSE)
            raise TemporaryFailure(f"network error: {type(exc).__name__}") from None
        except TelegramError as exc:
            raise TemporaryFailure(f"Telegram error: {type(exc).__name__}") from None
