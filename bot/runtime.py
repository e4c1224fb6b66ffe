"""What every handler shares: the Flask app, intake settings, the database door, flood limits.

Database work is synchronous (SQLAlchemy); it runs in a worker thread, inside its own Flask app
context and session, and commits or rolls back before it returns, so the event loop keeps
answering other chats and a failed update leaves nothing half-written. Functions passed to
``call`` must return plain data, never ORM objects (their session is gone when they return).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask
from flask_babel import force_locale
from sqlalchemy.orm import Session

from models import db
from portal.services.intake import IntakeSettings

T = TypeVar("T")


class FloodGuard:
    """Count updates per chat in a sliding window: past ``limit``, warn once, then drop.

    Memory stays bounded: idle chats are forgotten whenever the table grows past ``max_chats``.
    """

    def __init__(
        self,
        limit: int = 12,
        window: float = 6.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_chats: int = 10_000,
    ):
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_chats = max_chats
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def check(self, chat_id: int) -> str:
        """Return ``ok`` (handle it), ``warn`` (say slow down once) or ``drop`` (ignore it)."""
        now = self.clock()
        recent = self._seen.get(chat_id)
        if recent is None:
            if len(self._seen) >= self.max_chats:
                self._forget_idle(now)
            recent = self._seen[chat_id] = deque()
        while recent and now - recent[0] > self.window:
            recent.popleft()
        recent.append(now)
        if len(recent) <= self.limit:
            self._warned.pop(chat_id, None)
            return "ok"
        warned = self._warned.get(chat_id)
        if warned is not None and now - warned <= self.window:
            return "drop"
        self._warned[chat_id] = now
        return "warn"

    def _forget_idle(self, now: float) -> None:
        for chat_id in [c for c, q in self._seen.items() if not q or now - q[-1] > self.window]:
            self._seen.pop(chat_id, None)
            self._warned.pop(chat_id, None)


@dataclass
class BotRuntime:
    """Shared state of one bot process (not persisted: rebuilt at start)."""

    flask_app: Flask
    intake: IntakeSettings
    flood: FloodGuard | None = field(default_factory=FloodGuard)
    blocked: set[int] = field(default_factory=set)  # chats that blocked the bot (403)
    errors: list[str] = field(default_factory=list)  # exception type names, for tests and logs
    _blocked_loaded: bool = False

    @classmethod
    def for_app(cls, flask_app: Flask, **kwargs: Any) -> BotRuntime:
        """Build the runtime from the app's configuration."""
        return cls(
            flask_app=flask_app, intake=IntakeSettings.from_config(flask_app.config), **kwargs
        )

    async def load_blocked(self) -> None:
        """Read the blocked chats once (the delivery adds to the set as it learns more)."""
        if not self._blocked_loaded:
            from .store import blocked_chats

            self.blocked |= await self.call(blocked_chats)
            self._blocked_loaded = True

    @property
    def public_url(self) -> str:
        """Return where citizens reach the portal on the web."""
        return str(self.flask_app.config.get("PUBLIC_URL", "")).rstrip("/")

    async def call(self, fn: Callable[..., T], *args: Any, locale: str = "id", **kwargs: Any) -> T:
        """Run ``fn(session, *args, **kwargs)`` in a thread, in a transaction; return its result."""
        return await asyncio.to_thread(self.run, fn, *args, locale=locale, **kwargs)

    def run(self, fn: Callable[..., T], *args: Any, locale: str = "id", **kwargs: Any) -> T:
        """Run ``fn(session, …)`` here, in a fresh app context; commit, or roll back on error."""
        with self.flask_app.app_context(), force_locale(locale):
            session: Session = db.session
            try:
                result = fn(session, *args, **kwargs)
                session.commit()
                return result
            except BaseException:
                session.rollback()
                raise
            finally:
                db.session.remove()
