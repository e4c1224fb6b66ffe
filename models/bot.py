"""State of the Telegram bot: conversations, per-chat drafts, message links, blocked chats.

A Telegram chat id is the reporter's identity (DESIGN.md §5): these rows are read only by the
bot process, never shown in any interface, and never logged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import db, utcnow


class BotConversation(db.Model):
    """The state of one conversation (``name``, per chat and user) of a ConversationHandler."""

    __tablename__ = "bot_conversation"
    __table_args__ = (sa.UniqueConstraint("name", "key"),)
    NAME_MAX = 64
    KEY_MAX = 200

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    # The conversation key (chat id, user id) as JSON, e.g. "[123, 123]".
    key: Mapped[str] = mapped_column(sa.String(KEY_MAX))
    state: Mapped[Any] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BotChatData(db.Model):
    """A private chat's data: language and the report being written (the draft), as JSON."""

    __tablename__ = "bot_chat_data"

    chat_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BotMessageLink(db.Model):
    """A bot message about a complaint: a Telegram reply to it is a follow-up to the complaint."""

    __tablename__ = "bot_message_link"
    __table_args__ = (sa.UniqueConstraint("chat_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(sa.BigInteger)
    message_id: Mapped[int] = mapped_column(sa.BigInteger)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BlockedChat(db.Model):
    """A chat whose user blocked the bot (403): nothing is sent there until they write again."""

    __tablename__ = "bot_blocked_chat"

    chat_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    blocked_at: Mapped[datetime] = mapped_column(default=utcnow)
