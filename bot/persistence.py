"""python-telegram-bot persistence in our database: conversation states and chat data.

A restart in the middle of a report loses nothing: the conversation's state and the draft
(kept in ``chat_data``, including the references of files already sent) are written after
every update (see ``handlers.flush_persistence``) in one transaction, and loaded at start.
Writes are buffered by ``update_*`` and written by ``flush``; python-telegram-bot also calls
``flush`` when the application stops.

Privacy: only private chats have rows (group chats are refused before anything is kept); an
empty chat_data is not stored at all, so a chat that only asked for help leaves no row; drafts
left unfinished for ``DRAFT_MAX_AGE`` are deleted at load time. Chat ids are never logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session
from telegram.ext import BasePersistence, PersistenceInput

from models import BotChatData, BotConversation, db
from models.base import utcnow

logger = logging.getLogger(__name__)

DRAFT_MAX_AGE = timedelta(days=14)
_DELETE = object()

ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]


def encode_key(key: ConversationKey) -> str:
    """Return a conversation key as the JSON text stored in ``bot_conversation.key``."""
    return json.dumps(list(key), separators=(",", ":"))


def decode_key(text: str) -> ConversationKey:
    """Return the conversation key stored as JSON text."""
    return tuple(json.loads(text))


class DatabasePersistence(BasePersistence[dict, dict, dict]):
    """Keep conversations and chat data in ``bot_conversation`` and ``bot_chat_data``."""

    def __init__(self, flask_app: Flask, *, update_interval: float = 60):
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=True, user_data=False, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.flask_app = flask_app
        self._chats: dict[int, Any] = {}  # chat id → data, or _DELETE
        self._conversations: dict[tuple[str, str], Any] = {}  # (name, key) → state, or _DELETE
        self._stored_chats: set[int] = set()
        self._lock = asyncio.Lock()

    # --- database, in a worker thread ----------------------------------------------------------

    async def _db(self, fn, *args):
        return await asyncio.to_thread(self._run, fn, *args)

    def _run(self, fn, *args):
        with self.flask_app.app_context():
            session: Session = db.session
            try:
                result = fn(session, *args)
                session.commit()
                return result
            except BaseException:
                session.rollback()
                raise
            finally:
                db.session.remove()

    # --- loading -------------------------------------------------------------------------------

    async def get_chat_data(self) -> dict[int, dict]:
        """Load every private chat's data, dropping drafts left too long."""
        data = await self._db(_load_chats)
        self._stored_chats = set(data)
        return data

    async def get_conversations(self, name: str) -> ConversationDict:
        """Load the states of the conversation ``name``, dropping stale ones."""
        return await self._db(_load_conversations, name)

    async def get_user_data(self) -> dict[int, dict]:
        """Nothing is kept per user (only per private chat)."""
        return {}

    async def get_bot_data(self) -> dict:
        """Nothing is kept for the whole bot."""
        return {}

    async def get_callback_data(self) -> None:
        """Callback data is short text in the buttons themselves: nothing to keep."""
        return None

    # --- buffering -----------------------------------------------------------------------------

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Note a conversation's new state (None: ended) for the next flush."""
        self._conversations[(name, encode_key(key))] = _DELETE if new_state is None else new_state

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        """Note a chat's data for the next flush; an empty dict means nothing to keep."""
        if data:
            self._chats[chat_id] = data
        elif chat_id in self._stored_chats or chat_id in self._chats:
            self._chats[chat_id] = _DELETE

    async def drop_chat_data(self, chat_id: int) -> None:
        """Note that a chat's data must go."""
        self._chats[chat_id] = _DELETE

    async def update_user_data(self, user_id: int, data: dict) -> None:
        """Nothing is kept per user."""

    async def update_bot_data(self, data: dict) -> None:
        """Nothing is kept for the whole bot."""

    async def update_callback_data(self, data: Any) -> None:
        """Callback data is not kept."""

    async def drop_user_data(self, user_id: int) -> None:
        """Nothing is kept per user."""

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Nothing is kept per user."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        """This process is the only writer: memory is always current."""

    async def refresh_bot_data(self, bot_data: dict) -> None:
        """Nothing is kept for the whole bot."""

    # --- writing -------------------------------------------------------------------------------

    async def flush(self) -> None:
        """Write every noted change in one transaction."""
        async with self._lock:
            if not self._chats and not self._conversations:
                return
            chats, self._chats = self._chats, {}
            conversations, self._conversations = self._conversations, {}
            try:
                await self._db(_write, chats, conversations)
            except BaseException:
                # Keep the changes for the next flush; newer ones noted meanwhile win.
                self._chats = {**chats, **self._chats}
                self._conversations = {**conversations, **self._conversations}
                raise
            for chat_id, data in chats.items():
                if data is _DELETE:
                    self._stored_chats.discard(chat_id)
                else:
                    self._stored_chats.add(chat_id)
            logger.debug(
                "persistence flushed: %d chats, %d conversations", len(chats), len(conversations)
            )


def _load_chats(session: Session) -> dict[int, dict]:
    oldest = utcnow() - DRAFT_MAX_AGE
    data: dict[int, dict] = {}
    stale: list[int] = []
    for row in session.scalars(sa.select(BotChatData)):
        values = dict(row.data or {})
        if "draft" in values and row.updated_at < oldest:
            values.pop("draft", None)
            values.pop("followup", None)
            stale.append(row.chat_id)
        if values:
            data[row.chat_id] = values
            if row.chat_id in stale:
                row.data = values
        else:
            session.delete(row)
    if stale:
        logger.info("persistence: %d drafts older than %s dropped", len(stale), DRAFT_MAX_AGE)
    return data


def _load_conversations(session: Session, name: str) -> ConversationDict:
    oldest = utcnow() - DRAFT_MAX_AGE
    session.execute(
        sa.delete(BotConversation).where(
            BotConversation.name == name, BotConversation.updated_at < oldest
        )
    )
    rows = session.scalars(sa.select(BotConversation).where(BotConversation.name == name))
    return {decode_key(row.key): row.state for row in rows}


def _write(
    session: Session, chats: dict[int, Any], conversations: dict[tuple[str, str], Any]
) -> None:
    now = utcnow()
    for chat_id, data in chats.items():
        row = session.get(BotChatData, chat_id)
        if data is _DELETE:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(BotChatData(chat_id=chat_id, data=data, updated_at=now))
        else:
            row.data = data
            row.updated_at = now
    for (name, key), state in conversations.items():
        row = session.scalar(
            sa.select(BotConversation).where(
                BotConversation.name == name, BotConversation.key == key
            )
        )
        if state is _DELETE:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(BotConversation(name=name, key=key, state=state, updated_at=now))
        else:
            row.state = state
            row.updated_at = now
