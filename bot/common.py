"""Small helpers shared by the conversation and the other handlers."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from . import store
from .media import download, file_of, is_voice, megabytes
from .runtime import BotRuntime
from .texts import LANGUAGES, language_of, t

logger = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
CALLBACK_RE = re.compile(r"^d:([0-9a-f]{1,16}):([a-z]{1,8}):([0-9a-z]{1,12})$")


def runtime_of(context: Context) -> BotRuntime:
    """Return the runtime the application was built with."""
    return context.application.bot_data["runtime"]


def lang_of(update: Update, context: Context) -> str:
    """Return the chat's chosen language, else the one from the user's Telegram settings."""
    chosen = context.chat_data.get("lang") if context.chat_data is not None else None
    if chosen in LANGUAGES:
        return chosen
    user = update.effective_user
    return language_of(user.language_code if user is not None else None)


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Return an inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def button_data(nonce: str, action: str, value: object = 0) -> str:
    """Return the callback data of a draft's button (``d:nonce:action:value``, ≤ 64 bytes)."""
    return f"d:{nonce}:{action}:{value}"


@dataclass(frozen=True)
class Pressed:
    nonce: str
    action: str
    value: str


def parse_button(data: str | None) -> Pressed | None:
    """Return the parts of a draft button's callback data, or None if it is not one."""
    match = CALLBACK_RE.match(data or "")
    return Pressed(*match.groups()) if match else None


async def say(update: Update, context: Context, text: str, markup=None) -> Message:
    """Send a message to the chat the update came from."""
    return await context.bot.send_message(
        chat_id=update.effective_chat.id, text=text, reply_markup=markup
    )


async def settle(query: CallbackQuery, text: str | None = None) -> None:
    """Take the keyboard off a pressed message, replacing its text when given; never raises."""
    try:
        if text is None:
            await query.edit_message_reply_markup(reply_markup=None)
        else:
            await query.edit_message_text(text=text)
    except TelegramError as exc:  # already edited, too old, deleted: nothing to fix
        logger.debug("keyboard not removed: %s", type(exc).__name__)


async def answer(query: CallbackQuery, text: str | None = None) -> None:
    """Acknowledge a button press (stops the client's spinner); never raises."""
    try:
        await query.answer(text=text)
    except TelegramError as exc:
        logger.debug("callback not answered: %s", type(exc).__name__)


async def add_followup(update: Update, context: Context, complaint_id: int, lang: str) -> None:
    """Add the message (text, caption, one file) to one of this chat's complaints."""
    runtime = runtime_of(context)
    message = update.effective_message
    if is_voice(message):
        await say(update, context, t(lang, "voice"))
        return
    text = message.text or message.caption
    uploads = []
    ref = file_of(message, 1)
    if ref is not None:
        limit = runtime.intake.evidence.max_file_bytes
        if ref.size is not None and ref.size > limit:
            await say(
                update,
                context,
                t(
                    lang,
                    "evidence_too_big",
                    name=ref.name,
                    size=megabytes(ref.size),
                    limit=megabytes(limit),
                ),
            )
            return
        try:
            uploads.append(await download(context.bot, ref, limit))
        except ValueError:
            await say(
                update,
                context,
                t(lang, "evidence_too_big", name=ref.name, size="?", limit=megabytes(limit)),
            )
            return
        except TelegramError:
            await say(update, context, t(lang, "evidence_download_failed"))
            return
    if not text and not uploads:
        await say(update, context, t(lang, "sticker" if message.sticker else "other_out"))
        return
    result = await runtime.call(
        store.follow_up,
        complaint_id,
        chat_id=update.effective_chat.id,
        text=text,
        uploads=uploads,
        settings=runtime.intake,
        locale=lang,
    )
    if result is None:
        await say(update, context, t(lang, "status_unknown"))
    elif result.added:
        sent = await say(update, context, t(lang, "followup_added", code=result.code))
        await runtime.call(
            store.link_messages, update.effective_chat.id, [sent.message_id], complaint_id
        )
    else:
        reasons = "\n".join(f"- {r}" for r in result.reasons)
        await say(update, context, t(lang, "followup_refused", code=result.code, reasons=reasons))
