"""Everything outside the report conversation: the guard, commands, replies, strays, errors.

Threat model: anyone can send the bot anything, in any chat, as fast as they like, including
updates real clients never produce. So every update first passes ``guard`` (group -2): group,
supergroup and channel chats get one polite refusal and nothing is stored; edited messages are
not read; a chat sending too fast is told once and then ignored for a while; update kinds we do
not use are ignored on purpose. Nothing a sender controls ends up in a log: logs carry update
kinds, counts and exception type names, never chat ids, names or text (database errors can
carry parameters, so even exception messages are left out).

Groups of handlers, in order: -2 guard; -1 replies to the bot's messages about a complaint
(follow-ups, before the conversation sees them); 0 the conversation, commands and answers for
everything else; 99 write the conversation state and drafts to the database.
"""

from __future__ import annotations

import logging
import traceback

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from portal.services.tracking import CODE_IN_TEXT, normalise_code

from . import store
from .common import (
    Context,
    add_followup,
    answer,
    keyboard,
    lang_of,
    runtime_of,
    say,
    settle,
)
from .conversation import ReportConversation
from .media import file_of
from .texts import LANGUAGE_NAMES, LANGUAGES, language_of, status_label, t

logger = logging.getLogger(__name__)

GUARD_GROUP, REPLY_GROUP, MAIN_GROUP, PERSIST_GROUP = -2, -1, 0, 99


def update_kind(update: object) -> str:
    """Return which field an update carries (``message``, ``callback_query``…), for logs."""
    if not isinstance(update, Update):
        return type(update).__name__
    for name in (
        "message",
        "edited_message",
        "callback_query",
        "channel_post",
        "edited_channel_post",
        "my_chat_member",
        "chat_member",
        "inline_query",
    ):
        if getattr(update, name, None) is not None:
            return name
    return "other"


def _language_keys():
    return keyboard([(LANGUAGE_NAMES[code], f"lang:{code}") for code in LANGUAGES])


# --- group -2: the guard ----------------------------------------------------------------------


async def guard(update: Update, context: Context) -> None:
    """Refuse groups, ignore edits, unknown kinds and floods; notice blocks and unblocks."""
    runtime = runtime_of(context)
    chat = update.effective_chat
    if chat is None:  # inline queries, polls, … or an update with nothing in it
        if update.callback_query is not None:
            await answer(update.callback_query, t("id", "expired_button"))
        logger.debug("ignored update without a chat: %s", update_kind(update))
        raise ApplicationHandlerStop
    if chat.type != ChatType.PRIVATE:
        await _refuse_group(update, context)
        raise ApplicationHandlerStop
    if update.my_chat_member is not None:
        await _membership_changed(update, context)
        raise ApplicationHandlerStop
    await runtime.load_blocked()
    if chat.id in runtime.blocked:  # they blocked us, and now write again: deliver again
        runtime.blocked.discard(chat.id)
        await runtime.call(store.unblock, chat.id)
    if update.edited_message is not None:
        await say(update, context, t(lang_of(update, context), "edited_ignored"))
        raise ApplicationHandlerStop
    if update.message is None and update.callback_query is None:
        logger.debug("ignored private update: %s", update_kind(update))
        raise ApplicationHandlerStop
    if runtime.flood is not None:
        verdict = runtime.flood.check(chat.id)
        if verdict != "ok":
            if update.callback_query is not None:
                await answer(update.callback_query)
            if verdict == "warn":
                logger.info("flood: a chat sends too fast; ignoring it for a while")
                await say(update, context, t(lang_of(update, context), "flood"))
            raise ApplicationHandlerStop


async def _refuse_group(update: Update, context: Context) -> None:
    """One polite refusal, then leave; nothing of the group is kept."""
    chat = update.effective_chat
    context.application.drop_chat_data(chat.id)
    user = update.effective_user
    lang = language_of(user.language_code if user is not None else None)
    if update.callback_query is not None:
        await answer(update.callback_query, t(lang, "expired_button"))
        return
    member = update.my_chat_member
    added = member is not None and member.new_chat_member.status in (
        ChatMember.MEMBER,
        ChatMember.ADMINISTRATOR,
    )
    addressed = update.message is not None or update.channel_post is not None
    if not (added or addressed):
        return  # edits, our own removal, other members' changes: nothing to say
    logger.info("refused an update from a %s chat", chat.type)
    try:
        await context.bot.send_message(chat_id=chat.id, text=t(lang, "group_refusal"))
        await context.bot.leave_chat(chat_id=chat.id)
    except TelegramError as exc:  # no right to post there, already gone: nothing to do
        logger.debug("group refusal not delivered: %s", type(exc).__name__)


async def _membership_changed(update: Update, context: Context) -> None:
    """The user blocked the bot (kicked) or unblocked it (member) in their private chat."""
    runtime = runtime_of(context)
    chat_id = update.effective_chat.id
    status = update.my_chat_member.new_chat_member.status
    if status in (ChatMember.BANNED, ChatMember.LEFT):
        runtime.blocked.add(chat_id)
        await runtime.call(store.mark_blocked, chat_id)
        logger.info("a private chat blocked the bot")
    elif status == ChatMember.MEMBER:
        runtime.blocked.discard(chat_id)
        await runtime.call(store.unblock, chat_id)


# --- group -1: replies to the bot's messages about a complaint --------------------------------


async def reply_followup(update: Update, context: Context) -> None:
    """A reply to one of our messages about a complaint is a follow-up to that complaint."""
    message = update.effective_message
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return
    runtime = runtime_of(context)
    chat_id = update.effective_chat.id
    complaint_id = await runtime.call(
        store.linked_complaint, chat_id, replied.message_id, locale="id"
    )
    if complaint_id is None:
        return  # a reply to a question of the conversation: the conversation takes it
    await add_followup(update, context, complaint_id, lang_of(update, context))
    raise ApplicationHandlerStop


# --- group 0: commands and everything else ----------------------------------------------------


async def start(update: Update, context: Context) -> None:
    """/start: greeting, privacy, language; deep link /start status_CODE."""
    args = context.args or []
    if args and args[0].lower().startswith("status_"):
        await show_status(update, context, args[0][len("status_") :])
        return
    lang = lang_of(update, context)
    await say(update, context, t(lang, "start"), _language_keys())


async def help_(update: Update, context: Context) -> None:
    """/bantuan."""
    await say(update, context, t(lang_of(update, context), "help"))


async def choose_language(update: Update, context: Context) -> None:
    """/bahasa: offer the languages."""
    await say(update, context, t(lang_of(update, context), "choose_language"), _language_keys())


async def language_chosen(update: Update, context: Context) -> None:
    """A language button: remember the choice for this chat."""
    query = update.callback_query
    code = (query.data or "").removeprefix("lang:")
    if code not in LANGUAGES:
        await answer(query, t(lang_of(update, context), "expired_button"))
        return
    context.chat_data["lang"] = code
    await answer(query)
    await settle(query, t(code, "language_set"))


async def status(update: Update, context: Context) -> None:
    """/status [CODE]."""
    args = context.args or []
    if args:
        await show_status(update, context, args[0])
        return
    lang = lang_of(update, context)
    runtime = runtime_of(context)
    lines, total = await runtime.call(store.chat_complaints, update.effective_chat.id, locale=lang)
    if not lines:
        await say(update, context, t(lang, "status_none"))
        return
    rendered = [
        t(
            lang,
            "status_line",
            code=line.code,
            status=status_label(lang, line.status),
            title=line.title if len(line.title) <= 60 else line.title[:59] + "…",
        )
        for line in lines
    ]
    if total > len(lines):
        rendered.append(t(lang, "status_more", count=total - len(lines)))
    await say(update, context, t(lang, "status_list", lines="\n".join(rendered)))


async def show_status(update: Update, context: Context, code: str) -> None:
    """One complaint, only if it belongs to this chat; otherwise as for an unknown code."""
    lang = lang_of(update, context)
    runtime = runtime_of(context)
    chat_id = update.effective_chat.id
    view = None
    if normalise_code(code[:40]) is not None:
        view = await runtime.call(
            store.complaint_view,
            chat_id,
            code[:40],
            lang=lang,
            timezone=runtime.intake.timezone,
            locale=lang,
        )
    if view is None:
        await say(update, context, t(lang, "status_unknown"))
        return
    due = ""
    if view.verification_due and view.answer_due:
        due = t(lang, "status_due", verification=view.verification_due, answer=view.answer_due)
    if view.latest_reply:
        replies = t(lang, "status_replies", date=view.latest_reply_date, body=view.latest_reply)
    else:
        replies = t(lang, "status_no_replies")
    sent = await say(
        update,
        context,
        t(
            lang,
            "status_detail",
            code=view.code,
            title=view.title,
            category=view.category or t(lang, "none"),
            status=status_label(lang, view.status),
            created=view.created,
            updated=view.updated,
            due=due,
            replies=replies,
        ),
    )
    await runtime.call(store.link_messages, chat_id, [sent.message_id], view.id)


async def cancel_outside(update: Update, context: Context) -> None:
    """/batal with nothing in progress."""
    await say(update, context, t(lang_of(update, context), "nothing_to_cancel"))


async def expired_button(update: Update, context: Context) -> None:
    """A button from a keyboard whose conversation is over."""
    query = update.callback_query
    await answer(query, t(lang_of(update, context), "expired_button"))
    await settle(query)


async def unknown_command(update: Update, context: Context) -> None:
    """A command we do not have (or one addressed to another bot)."""
    await say(update, context, t(lang_of(update, context), "unknown_command"))


async def stray(update: Update, context: Context) -> None:
    """A message outside any conversation: point to what the reporter may want."""
    lang = lang_of(update, context)
    message = update.effective_message
    if message.text is not None:
        match = CODE_IN_TEXT.search(message.text[:5000].upper())
        key, values = ("stray_code", {"code": match.group(0)}) if match else ("stray_text", {})
    elif message.voice is not None:
        key, values = "voice", {}
    elif message.sticker is not None:
        key, values = "sticker", {}
    elif message.location is not None or message.venue is not None:
        key, values = "location_out", {}
    elif message.contact is not None:
        key, values = "contact_out", {}
    elif file_of(message, 1) is not None:
        key, values = "stray_media", {}
    else:
        key, values = "other_out", {}
    await say(update, context, t(lang, key, **values))


# --- group 99: persistence --------------------------------------------------------------------


async def flush_persistence(update: Update, context: Context) -> None:
    """Write the conversation state and the chat's data now, so a restart loses nothing."""
    application = context.application
    if update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE:
        application.mark_data_for_update_persistence(chat_ids=update.effective_chat.id)
    await application.update_persistence()
    if application.persistence is not None:
        await application.persistence.flush()


# --- errors -----------------------------------------------------------------------------------


async def on_error(update: object, context: Context) -> None:
    """Log the failure without anything a sender controls; tell the chat, if there is one."""
    error = context.error
    name = type(error).__name__
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    logger.error("update (%s) failed: %s at %s", update_kind(update), name, where)
    runtime = context.application.bot_data.get("runtime")
    if runtime is not None:
        runtime.errors.append(name)
    if isinstance(update, Update) and update.effective_chat is not None:
        if update.effective_chat.type != ChatType.PRIVATE:
            return
        if update.callback_query is not None:
            await answer(update.callback_query)
        try:
            await say(update, context, t(lang_of(update, context), "error"))
        except Exception as exc:  # blocked, rate-limited, offline: the log has it
            logger.debug("error notice not sent: %s", type(exc).__name__)


# --- registration -----------------------------------------------------------------------------


def register(application: Application) -> None:
    """Add every handler to ``application`` in its group."""
    application.add_handler(TypeHandler(Update, guard), group=GUARD_GROUP)
    application.add_handler(
        MessageHandler(filters.REPLY & ~filters.COMMAND, reply_followup), group=REPLY_GROUP
    )
    conversation = ReportConversation(
        on_start=start, on_status=status, on_help=help_, on_language=choose_language
    )
    main = [
        conversation.handler(),
        CommandHandler("start", start),
        CommandHandler("status", status),
        CommandHandler(["bantuan", "help"], help_),
        CommandHandler(["bahasa", "language"], choose_language),
        CommandHandler(["batal", "cancel", "selesai"], cancel_outside),
        CallbackQueryHandler(language_chosen, pattern=r"^lang:"),
        CallbackQueryHandler(expired_button),
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(filters.ALL, stray),
    ]
    for handler in main:
        application.add_handler(handler, group=MAIN_GROUP)
    application.add_handler(TypeHandler(Update, flush_persistence), group=PERSIST_GROUP)
    application.add_error_handler(on_error)
