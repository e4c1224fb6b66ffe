"""/lapor and /tambah: the report conversation, one callback per step, /batal everywhere.

States (strings, so that a state persisted before a deployment still means the same after):

    UNIT → CATEGORY → DESCRIPTION → WHEN → WHERE → EVIDENCE → PRIVACY → CONTACT → CONFIRM
    FOLLOWUP (after /tambah CODE: text and files for one complaint until 'Selesai')

The draft lives in ``chat_data["draft"]`` (persisted with the state after every update): the
answers so far, the Telegram references of the files sent (downloaded again when the report
is filed, so no file bytes wait in our database), a ``nonce`` that every button of this draft
carries (a button from an older keyboard is refused) and a random one-time ``token`` that makes
a double-pressed "Send" file nothing twice. From the summary any step can be edited; it then
returns to the summary. Input is cleaned and validated by the intake service; the checks here
only give earlier, friendlier answers.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import warnings
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from models import Complaint
from portal.services.intake import BODY_MIN, EMAIL_RE, OLDEST_INCIDENT, PHONE_RE

from . import store
from .common import (
    Context,
    add_followup,
    answer,
    button_data,
    keyboard,
    lang_of,
    parse_button,
    runtime_of,
    say,
    settle,
)
from .media import FileRef, download, file_of, megabytes
from .texts import DONE_WORDS, SKIP_WORDS, TODAY_WORDS, YESTERDAY_WORDS, privacy_label, t

UNIT = "unit"
CATEGORY = "category"
DESCRIPTION = "description"
WHEN = "when"
WHERE = "where"
EVIDENCE = "evidence"
PRIVACY = "privacy"
CONTACT = "contact"
CONFIRM = "confirm"
FOLLOWUP = "followup"
END = ConversationHandler.END

ORDER = (UNIT, CATEGORY, DESCRIPTION, WHEN, WHERE, EVIDENCE, PRIVACY, CONTACT, CONFIRM)
EDITABLE = {
    "unit": UNIT,
    "cat": CATEGORY,
    "desc": DESCRIPTION,
    "date": WHEN,
    "place": WHERE,
    "files": EVIDENCE,
    "privacy": PRIVACY,
    "contact": CONTACT,
}
FIELD_LABELS = {
    "unit": "field_unit",
    "cat": "field_category",
    "desc": "field_description",
    "date": "field_date",
    "place": "field_place",
    "files": "field_evidence",
    "privacy": "field_privacy",
    "contact": "field_contact",
}
# Intake's field names → the step where the reporter fixes them.
FIELD_STEPS = {
    "unit": UNIT,
    "unit_hint": UNIT,
    "category": CATEGORY,
    "title": DESCRIPTION,
    "description": DESCRIPTION,
    "reported_party": DESCRIPTION,
    "incident_date": WHEN,
    "incident_place": WHERE,
    "evidence": EVIDENCE,
    "privacy": PRIVACY,
    "contact.name": CONTACT,
    "contact.email": CONTACT,
    "contact.phone": CONTACT,
}
PRIVACY_CODES = {"a": "anonim", "r": "rahasia", "t": "terbuka"}
UNIT_QUERY_MAX = 100
UNIT_HINT_MAX = Complaint.NAME_MAX + 80
TITLE_WANTED = 80
PREVIEW_CHARS = 700
DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d-%m-%y", "%d/%m/%y")

TEXT = filters.TEXT & ~filters.COMMAND
FILES = filters.PHOTO | filters.Document.ALL | filters.VIDEO | filters.VIDEO_NOTE | filters.AUDIO


def _words(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def _pattern(*actions: str) -> str:
    return rf"^d:[0-9a-f]+:({'|'.join(actions)}):[0-9a-z]+$"


def derive_title(description: str, lang: str) -> str:
    """Return a short title from the first sentence of the description."""
    first = next((line.strip() for line in description.splitlines() if line.strip()), "")
    sentence = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    if len(sentence) >= 5:
        first = sentence
    if len(first) > TITLE_WANTED:
        cut = first[:TITLE_WANTED].rsplit(" ", 1)[0]
        first = (cut if len(cut) >= 20 else first[:TITLE_WANTED]).rstrip(" ,.;:") + "…"
    return first if len(first.strip()) >= 5 else t(lang, "default_title")


def parse_date(text: str, today: date) -> date | None:
    """Return the date a person typed (day first, or ISO; 'hari ini', 'kemarin'), or None."""
    words = _words(text)
    if words in TODAY_WORDS:
        return today
    if words in YESTERDAY_WORDS:
        return today - timedelta(days=1)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(words, fmt).date()
        except ValueError:
            continue
    return None


class ReportConversation:
    """The callbacks of the /lapor and /tambah conversation."""

    def __init__(self, *, on_start, on_status, on_help, on_language):
        # Commands that answer without leaving the conversation (the state is kept).
        self.on_start = on_start
        self.on_status = on_status
        self.on_help = on_help
        self.on_language = on_language
        self.ask = {
            UNIT: self.ask_unit,
            CATEGORY: self.ask_category,
            DESCRIPTION: self.ask_description,
            WHEN: self.ask_when,
            WHERE: self.ask_where,
            EVIDENCE: self.ask_evidence,
            PRIVACY: self.ask_privacy,
            CONTACT: self.ask_contact,
            CONFIRM: self.ask_confirm,
        }

    # --- building ------------------------------------------------------------------------------

    def handler(self) -> ConversationHandler:
        """Return the ConversationHandler (persistent, per chat and user)."""
        off = MessageHandler(filters.ALL & ~filters.COMMAND, self.off_script)
        states = {
            UNIT: [
                CallbackQueryHandler(self.unit_chosen, pattern=_pattern("u", "uk")),
                MessageHandler(TEXT, self.unit_typed),
                off,
            ],
            CATEGORY: [
                CallbackQueryHandler(self.category_chosen, pattern=_pattern("c", "cg", "cb")),
                off,
            ],
            DESCRIPTION: [
                CallbackQueryHandler(self.description_done, pattern=_pattern("next")),
                MessageHandler(TEXT, self.description_typed),
                off,
            ],
            WHEN: [
                CallbackQueryHandler(self.when_skipped, pattern=_pattern("skip")),
                MessageHandler(TEXT, self.when_typed),
                off,
            ],
            WHERE: [
                CallbackQueryHandler(self.where_skipped, pattern=_pattern("skip")),
                MessageHandler(TEXT, self.where_typed),
                MessageHandler(filters.LOCATION, self.where_located),
                off,
            ],
            EVIDENCE: [
                CallbackQueryHandler(self.evidence_done, pattern=_pattern("done", "fx")),
                MessageHandler(FILES, self.evidence_received),
                MessageHandler(TEXT, self.evidence_typed),
                off,
            ],
            PRIVACY: [
                CallbackQueryHandler(self.privacy_chosen, pattern=_pattern("p")),
                off,
            ],
            CONTACT: [
                CallbackQueryHandler(self.contact_skipped, pattern=_pattern("skip")),
                MessageHandler(filters.CONTACT, self.contact_shared),
                MessageHandler(TEXT, self.contact_typed),
                off,
            ],
            CONFIRM: [
                CallbackQueryHandler(
                    self.confirm_chosen, pattern=_pattern("send", "edit", "cancel", "e", "back")
                ),
                off,
            ],
            FOLLOWUP: [
                CallbackQueryHandler(self.followup_done, pattern=_pattern("fdone")),
                MessageHandler((TEXT | FILES | filters.VOICE), self.followup_received),
                off,
            ],
        }
        fallbacks = [
            CommandHandler(["batal", "cancel"], self.cancel),
            CommandHandler(["lapor", "report", "start", "tambah", "add"], self.remind),
            CommandHandler("status", self.on_status),
            CommandHandler(["bantuan", "help"], self.on_help),
            CommandHandler(["bahasa", "language"], self.on_language),
            CommandHandler(["selesai"], self.followup_done),
            MessageHandler(filters.COMMAND, self.unknown_command),
            CallbackQueryHandler(self.stale_button, pattern=r"^d:"),
        ]
        entry_points = [
            CommandHandler(["lapor", "report"], self.start_report),
            CommandHandler(
                "start", self.start_report, filters=filters.Regex(r"^/start(@\w+)?\s+lapor\s*$")
            ),
            CommandHandler(["tambah", "add"], self.start_followup),
        ]
        with warnings.catch_warnings():
            # Buttons are tracked per chat on purpose; every button carries the draft's nonce.
            warnings.filterwarnings("ignore", message=".*per_message.*")
            return ConversationHandler(
                entry_points=entry_points,
                states=states,
                fallbacks=fallbacks,
                name="report",
                persistent=True,
                allow_reentry=False,
            )

    # --- navigation ----------------------------------------------------------------------------

    async def goto(self, update: Update, context: Context, state: str) -> str:
        """Ask the question of ``state`` and return it as the new state."""
        draft = context.chat_data.get("draft")
        if draft is None:
            return await self.lost(update, context)
        draft["state"] = state
        await self.ask[state](update, context, lang_of(update, context), draft)
        return state

    async def advance(self, update: Update, context: Context, current: str) -> str:
        """Go to the next step, or back to the summary when a step was being edited."""
        draft = context.chat_data["draft"]
        if draft.pop("editing", False):
            return await self.goto(update, context, CONFIRM)
        return await self.goto(update, context, ORDER[ORDER.index(current) + 1])

    async def lost(self, update: Update, context: Context) -> int:
        """End a conversation whose draft is gone (expired, or cleared elsewhere)."""
        if update.callback_query is not None:
            await answer(update.callback_query)
        await say(update, context, t(lang_of(update, context), "draft_missing"))
        context.chat_data.pop("draft", None)
        return END

    async def pressed(self, update: Update, context: Context):
        """Return the pressed button of this draft, or None (answered as expired)."""
        query = update.callback_query
        button = parse_button(query.data)
        draft = context.chat_data.get("draft")
        if button is None or draft is None or button.nonce != draft.get("nonce"):
            await self.stale_button(update, context)
            return None
        await answer(query)
        return button

    # --- entry, cancel, reminders --------------------------------------------------------------

    async def start_report(self, update: Update, context: Context) -> str:
        """/lapor: start a new draft."""
        context.chat_data.pop("followup", None)
        context.chat_data["draft"] = {
            "nonce": secrets.token_hex(3),
            "token": secrets.token_hex(16),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "state": UNIT,
            "parts": [],
            "files": [],
            "contact": {},
        }
        return await self.goto(update, context, UNIT)

    async def cancel(self, update: Update, context: Context) -> int:
        """/batal: drop the draft (or the follow-up) and end."""
        lang = lang_of(update, context)
        following = context.chat_data.pop("followup", None)
        context.chat_data.pop("draft", None)
        await say(update, context, t(lang, "followup_cancelled" if following else "cancelled"))
        return END

    async def remind(self, update: Update, context: Context) -> None:
        """/lapor, /start or /tambah during a conversation: ask the current question again."""
        args = context.args or []
        command = (update.effective_message.text or "").split()[0].split("@")[0]
        if command == "/start" and args and args[0].lower().startswith("status_"):
            return await self.on_start(update, context)  # a status deep link: answer it
        lang = lang_of(update, context)
        draft = context.chat_data.get("draft")
        if draft is None:
            if context.chat_data.get("followup"):
                await say(update, context, t(lang, "busy_followup"))
                return None
            return await self.lost(update, context)
        await say(update, context, t(lang, "in_progress"))
        await self.ask[draft.get("state", UNIT)](update, context, lang, draft)
        return None

    async def unknown_command(self, update: Update, context: Context) -> None:
        """An unknown command during a conversation: say so, keep the state."""
        await say(update, context, t(lang_of(update, context), "unknown_command"))

    async def stale_button(self, update: Update, context: Context) -> None:
        """A button from an older keyboard: refuse it and take that keyboard away."""
        query = update.callback_query
        await answer(query, t(lang_of(update, context), "expired_button"))
        await settle(query)

    async def off_script(self, update: Update, context: Context) -> None:
        """Something the current step cannot use: say why and ask the question again."""
        lang = lang_of(update, context)
        message = update.effective_message
        if message.voice is not None:
            note = t(lang, "voice")
        elif message.sticker is not None:
            note = t(lang, "sticker")
        elif message.location is not None:
            note = t(lang, "location_out")
        elif message.contact is not None:
            note = t(lang, "contact_out")
        elif message.text is not None or file_of(message, 1) is not None:
            note = None
        else:
            note = t(lang, "other_out")
        if note:
            await say(update, context, note)
        draft = context.chat_data.get("draft")
        following = context.chat_data.get("followup")
        if draft is not None:
            await self.ask[draft.get("state", UNIT)](update, context, lang, draft)
        elif following is not None:
            await self.ask_followup(update, context, lang, following)
        else:
            return await self.lost(update, context)
        return None

    # --- 1. unit -------------------------------------------------------------------------------

    async def ask_unit(self, update, context, lang, draft) -> None:
        await say(
            update,
            context,
            f"{t(lang, 'ask_unit')}\n{t(lang, 'cancel_hint')}",
            keyboard([(t(lang, "unit_unknown_button"), button_data(draft["nonce"], "uk"))]),
        )

    async def unit_typed(self, update: Update, context: Context) -> str | None:
        """Part of a unit's name: show the matches as buttons."""
        lang = lang_of(update, context)
        draft = context.chat_data.get("draft")
        if draft is None:
            return await self.lost(update, context)
        query = " ".join(update.effective_message.text.split())[:UNIT_QUERY_MAX]
        unknown = (t(lang, "unit_unknown_button"), button_data(draft["nonce"], "uk"))
        if len(query) < 3:
            await say(update, context, t(lang, "unit_too_short"), keyboard([unknown]))
            return None
        draft["unit_query"] = query[:UNIT_HINT_MAX]
        matches = await runtime_of(context).call(store.search_units, query, locale=lang)
        if not matches:
            shown = query if len(query) <= 60 else query[:59] + "…"
            await say(update, context, t(lang, "unit_none", query=shown), keyboard([unknown]))
            return None
        rows = [[(m.label, button_data(draft["nonce"], "u", m.id))] for m in matches]
        await say(update, context, t(lang, "unit_matches"), keyboard(*rows, [unknown]))
        return None

    async def unit_chosen(self, update: Update, context: Context) -> str | None:
        """A unit button, or 'I don't know'."""
        button = await self.pressed(update, context)
        if button is None:
            return None
        lang = lang_of(update, context)
        draft = context.chat_data["draft"]
        if button.action == "uk":
            draft["unit"] = None
            draft["unit_hint"] = draft.get("unit_query")
            await settle(update.callback_query, t(lang, "unit_unknown_chosen"))
            return await self.advance(update, context, UNIT)
        option = await runtime_of(context).call(store.unit_by_id, int(button.value), locale=lang)
        if option is None:
            await self.stale_button(update, context)
            return None
        draft["unit"] = {"slug": option.slug, "label": option.label}
        draft["unit_hint"] = None
        await settle(update.callback_query, t(lang, "unit_chosen", name=option.label))
        return await self.advance(update, context, UNIT)

    # --- 2. category ---------------------------------------------------------------------------

    async def _groups(self, context: Context, lang: str):
        return await runtime_of(context).call(
            store.category_groups, lang, t(lang, "other_group"), locale=lang
        )

    async def ask_category(self, update, context, lang, draft) -> None:
        groups = await self._groups(context, lang)
        rows = [[(g.label, button_data(draft["nonce"], "cg", g.id))] for g in groups]
        await say(update, context, t(lang, "ask_category"), keyboard(*rows))

    async def category_chosen(self, update: Update, context: Context) -> str | None:
        """A group (show its categories), 'back', or a category."""
        button = await self.pressed(update, context)
        if button is None:
            return None
        lang = lang_of(update, context)
        draft = context.chat_data["draft"]
        query = update.callback_query
        if button.action in ("cg", "cb"):
            groups = await self._groups(context, lang)
            group = next((g for g in groups if str(g.id) == button.value), None)
            if button.action == "cb" or group is None:
                rows = [[(g.label, button_data(draft["nonce"], "cg", g.id))] for g in groups]
                text = t(lang, "ask_category")
            else:
                rows = [[(o.label, button_data(draft["nonce"], "c", o.id))] for o in group.options]
                rows.append([(t(lang, "back_button"), button_data(draft["nonce"], "cb"))])
                text = t(lang, "category_in_group", group=group.label)
            # BadRequest: the same keyboard again ("message is not modified").
            with contextlib.suppress(BadRequest):
                await query.edit_message_text(text=text, reply_markup=keyboard(*rows))
            return None
        option = await runtime_of(context).call(
            store.category_by_id, int(button.value), lang, locale=lang
        )
        if option is None:
            await self.stale_button(update, context)
            return None
        draft["category"] = {
            "slug": option.slug,
            "label": option.label,
            "privacy": option.default_privacy,
        }
        await settle(query, t(lang, "category_chosen", name=option.label))
        return await self.advance(update, context, CATEGORY)

    # --- 3. description ------------------------------------------------------------------------

    async def ask_description(self, update, context, lang, draft) -> None:
        key = "ask_description_again" if draft.get("editing") else "ask_description"
        await say(update, context, f"{t(lang, key)}\n{t(lang, 'cancel_hint')}")

    def _next_button(self, lang: str, draft: dict):
        return keyboard([(t(lang, "next_button"), button_data(draft["nonce"], "next"))])

    async def description_typed(self, update: Update, context: Context) -> str | None:
        """Part of the description; 'selesai' goes on."""
        lang = lang_of(update, context)
        draft = context.chat_data.get("draft")
        if draft is None:
            return await self.lost(update, context)
        text = update.effective_message.text
        if _words(text) in DONE_WORDS and draft["parts"]:
            return await self._description_finished(update, context, lang, draft)
        parts = draft["parts"]
        length = len("\n".join([*parts, text]))
        if length > Complaint.BODY_MAX:
            await say(
                update,
                context,
                t(lang, "description_too_long", maximum=Complaint.BODY_MAX, count=length),
                self._next_button(lang, draft),
            )
            return None
        parts.append(text)
        await say(
            update,
            context,
            t(lang, "description_saved", count=length),
            self._next_button(lang, draft),
        )
        return None

    async def description_done(self, update: Update, context: Context) -> str | None:
        """The 'Next' button."""
        button = await self.pressed(update, context)
        if button is None:
            return None
        await settle(update.callback_query)
        lang = lang_of(update, context)
        return await self._description_finished(update, context, lang, context.chat_data["draft"])

    async def _description_finished(self, update, context, lang, draft) -> str | None:
        length = len("\n".join(draft["parts"]).strip())
        if length < BODY_MIN:
            await say(
                update, context, t(lang, "description_too_short", minimum=BODY_MIN, count=length)
            )
            return None
        return await self.advance(update, context, DESCRIPTION)

    # --- 4. when -------------------------------------------------------------------------------

    async def ask_when(self, update, context, lang, draft) -> None:
        await say(
            update,
            context,
            t(lang, "ask_when"),
            keyboard([(t(lang, "skip_button"), button_data(draft["nonce"], "skip"))]),
        )

    async def when_typed(self, update: Update, context: Context) -> str | None:
        """A date, 'today', 'yesterday' or 'skip'."""
        lang = lang_of(update, context)
        draft = context.chat_data.get("draft")
        if draft is None:
            return await self.lost(update, context)
        text = update.effective_message.text
        if _words(text) in SKIP_WORDS:
            draft["incident_date"] = None
            return await self.advance(update, context, WHEN)
        timezone = runtime_of(context).intake.timezone
        today = datetime.now(ZoneInfo(timezone)).date()
        when = parse_date(text[:40], today)
        if when is None:
            await say(update, context, t(lang, "when_invalid"))
            return None
        if when > today:
            await say(update, context, t(lang, "when_future"))
            return None
        if when < OLDEST_INCIDENT:
            await say(update, context, t(lang, "when_too_old"))
            return None
        draft["incident_date"] = when.isoformat()
        return await self.advance(update, context, WHEN)

    async def when_skipped(self, update: Update, context: Context) -> str | None:
        """The 'Skip' button."""
        if await self.pressed(update, context) is None:
            return None
        await settle(update.callback_query)
        context.chat_data["draft"]["incident_date"] = None
        return await self.advance(update, context, WHEN)

    # --- 5. where ------------------------------------------------------------------------------

    async def ask_where(self, update, context, lang, draft) -> None:
        await say(
            update,
            context,
            t(lang, "ask_where"),
            keyboard([(t(lang, "skip_button"), button_data(draft["nonce"], "skip"))]),
        )

    async def where_typed(self, update: Update, context: Context) -> str | None:
        """The place, or 'skip'."""
        lang = lang_of(update, context)
        draft = context.chat_data.get("draft")
        if draft is None:
            return await self.lost(update, context)
        text = " ".join(update.effective_message.text.split())
        if _words(text) in SKIP_WORDS:
            draft["incident_place"] = None
            return await self.advance(update, context, WHERE)
        if len(text) > Complaint.PLACE_MAX:
            await say(update, context, t(lang, "where_too_long", maximum=Complaint.PLACE_MAX))
            return None
        draft["incident_place"] = text
        return await self.advance(update, context, WHERE)

    async def where_located(self, update: Update, context: Context) -> str | None:
        """A location sent with Telegram's attachment menu."""
        lang = lang_of(update, context)
        draft = context.chat_data.get("draft")
        if draft is None:
            return await self.lost(update, context)
        location = update.effective_message.location
        draft["incident_place"] = t(
            lang, "location_text", latitude=location.latitude, longitude=location.longitude
        )
        return await self.advance(update, context, WHERE)

    async def where_skipped(self, update: Update, context: Context) -> str | None:
        """The 'Skip' button."""
        if await self.pressed(update, context) is None:
            return None
        await settle(update.callback_query)
        context.chat_data["draft"]["incident_place"] = None
        return await self.advance(update, context, WHERE)

    # --- 6. evidence ---------------------------------------------------------------------------

    def _evidence_keys(self, lang: str, draft: dict):
        rows = [[(t(lang, "done_button"), button_data(draft["nonce"], "done"))]]
        if draft["files"] and draft.get("editing"):
            rows.append([(t(lang, "clear_files_button"), button_data(draft["nonce"], "fx"))])
        return keyboard(*rows)

    async def ask_evidence(self, update, context, lang, draft) -> None:
        await say(update, context, t(lang, "ask_evidence"), self._evidence_keys(lang, draft))

    async def evidence_received(self, update: Update, context: Context) -> str | None:
        """A photo, document, video or audio: check its size, fetch it, check its content."""
        lang = lang_of(update, context)
        draft = context.chat_data.get("draft")
        if draft is None:
            return await self.lost(update, context)
        policy = runtime_of(context).intake.evidence
        files = draft["files"]
        message = update.effective_message
        ref = file_of(message, len(files) + 1)
        if ref is None:
            return await self.off_script(update, context)
        if any(f["uid"] == ref.uid for f in files):
            await say(update, context, t(lang, "evidence_duplicate"))
            return None
        if len(files) >= policy.max_files:
            await say(
                update,
                context,
                t(lang, "evidence_too_many", limit=policy.max_files),
                self._evidence_keys(lang, draft),
            )
            return None
        if ref.size is not None and ref.size > policy.max_file_bytes:
            await say(
                update,
                context,
                t(
                    lang,
                    "evidence_too_big",
                    name=ref.name,
                    size=megabytes(ref.size),
                    limit=megabytes(policy.max_file_bytes),
                ),
            )
            return None
        total = sum(f.get("size") or 0 for f in files) + (ref.size or 0)
        if total > policy.max_total_bytes:
            await say(
                update,
                context,
                t(
                    lang,
                    "evidence_total_too_big",
                    total=megabytes(total),
                    limit=megabytes(policy.max_total_bytes),
                ),
            )
            return None
        try:
            upload = await download(context.bot, ref, policy.max_file_bytes)
        except ValueError:
            await say(
                update,
                context,
                t(
                    lang,
                    "evidence_too_big",
                    name=ref.name,
                    size="?",
                    limit=megabytes(policy.max_file_bytes),
                ),
            )
            return None
        except TelegramError:
            await say(update, context, t(lang, "evidence_download_failed"))
            return None
        runtime = runtime_of(context)
        reasons = await runtime.call(store.check_file, upload, runtime.intake, locale=lang)
        if reasons:
            listed = "\n".join(f"- {r}" for r in reasons)
            await say(update, context, t(lang, "evidence_refused", reasons=listed))
            return None
        stored = FileRef(ref.id, ref.uid, ref.name, len(upload.content), ref.kind, ref.mime)
        files.append(stored.to_json())
        caption = (message.caption or "").strip()
        if caption and len("\n".join([*draft["parts"], caption])) <= Complaint.BODY_MAX:
            draft["parts"].append(caption)
        await say(
            update,
            context,
            t(lang, "evidence_added", name=ref.name, count=len(files)),
            self._evidence_keys(lang, draft),
        )
        return None

    async def evidence_typed(self, update: Update, context: Context) -> str | None:
        """'selesai' goes on; other text is a question for this step."""
        draft = context.chat_data.get("draft")
        if draft is None:
            return await self.lost(update, context)
        text = _words(update.effective_message.text)
        if text in DONE_WORDS or text in SKIP_WORDS:
            return await self.advance(update, context, EVIDENCE)
        return await self.off_script(update, context)

    async def evidence_done(self, update: Update, context: Context) -> str | None:
        """'Done', or 'Remove all evidence' when editing."""
        button = await self.pressed(update, context)
        if button is None:
            return None
        draft = context.chat_data["draft"]
        if button.action == "fx":
            draft["files"] = []
            await settle(update.callback_query, t(lang_of(update, context), "evidence_cleared"))
            return await self.goto(update, context, EVIDENCE)
        await settle(update.callback_query)
        return await self.advance(update, context, EVIDENCE)

    # --- 7. privacy ----------------------------------------------------------------------------

    async def ask_privacy(self, update, context, lang, draft) -> None:
        recommended = (draft.get("category") or {}).get("privacy") or "rahasia"
        rows = [
            [(privacy_label(lang, value), button_data(draft["nonce"], "p", code))]
            for code, value in PRIVACY_CODES.items()
        ]
        await say(
            update,
            context,
            t(lang, "ask_privacy", recommended=privacy_label(lang, recommended)),
            keyboard(*rows),
        )

    async def privacy_chosen(self, update: Update, context: Context) -> str | None:
        """Anonymous, confidential or open."""
        button = await self.pressed(update, context)
        if button is None:
            return None
        value = PRIVACY_CODES.get(button.value)
        if value is None:
            await self.stale_button(update, context)
            return None
        lang = lang_of(update, context)
        draft = context.chat_data["draft"]
        draft["privacy"] = value
        if value == "anonim":
            draft["contact"].pop("name", None)  # anonymous reports keep no name
        await settle(
            update.callback_query, t(lang, "privacy_chosen", name=privacy_label(lang, value))
        )
        return await self.advance(update, context, PRIVACY)

    # --- 8. contact ----------------------------------------------------------------------------

    async def ask_contact(self, update, context, lang, draft) -> None:
        key = "ask_contact_anonymous" if draft.get("privacy") == "anonim" else "ask_contact"
        await say(
            update,
            context,
            t(lang, key),
            keyboard([(t(lang, "skip_button"), button_data(draft["nonce"], "skip"))]),
        )

    async def contact_typed(self, update: Update, context: Context) -> str | None:
        """Phone, email and (unless anonymous) name, one per line; or 'skip'."""
        lang = lang_of(update, context)
        draft = context.chat_data.get("draft")
        if draft is None:
            return await self.lost(update, context)
        text = update.effective_message.text
        if _words(text) in SKIP_WORDS:
            draft["contact"] = {}
            return await self.advance(update, context, CONTACT)
        contact: dict[str, str] = {}
        for piece in re.split(r"[\n;]+", text[:1000]):
            value = " ".join(piece.split())
            if not value:
                continue
            if "@" in value:
                if not EMAIL_RE.match(value) or len(value) > Complaint.EMAIL_MAX:
                    await say(update, context, t(lang, "contact_invalid", value=value[:60]))
                    return None
                contact["email"] = value
            elif sum(c.isdigit() for c in value) >= 6:
                if not PHONE_RE.match(value) or len(value) > Complaint.PHONE_MAX:
                    await say(update, context, t(lang, "contact_invalid", value=value[:60]))
                    return None
                contact["phone"] = value
            else:
                if draft.get("privacy") == "anonim":
                    await say(update, context, t(lang, "contact_name_anonymous"))
                    return None
                if len(value) > Complaint.NAME_MAX:
                    await say(update, context, t(lang, "contact_invalid", value=value[:60]))
                    return None
                contact["name"] = value
        draft["contact"] = contact
        return await self.advance(update, context, CONTACT)

    async def contact_shared(self, update: Update, context: Context) -> str | None:
        """A contact card: only the reporter's own phone number is taken."""
        lang = lang_of(update, context)
        draft = context.chat_data.get("draft")
        if draft is None:
            return await self.lost(update, context)
        shared = update.effective_message.contact
        if shared.user_id is None or shared.user_id != update.effective_user.id:
            await say(update, context, t(lang, "contact_not_own"))
            return None
        digits = "".join(c for c in shared.phone_number if c.isdigit())
        draft["contact"] = {**draft["contact"], "phone": f"+{digits}"}
        return await self.advance(update, context, CONTACT)

    async def contact_skipped(self, update: Update, context: Context) -> str | None:
        """The 'Skip' button."""
        if await self.pressed(update, context) is None:
            return None
        await settle(update.callback_query)
        context.chat_data["draft"]["contact"] = {}
        return await self.advance(update, context, CONTACT)

    # --- summary and filing --------------------------------------------------------------------

    def summary(self, lang: str, draft: dict) -> str:
        """Return the summary of the draft, as the reporter will confirm it."""
        none = t(lang, "none")
        unit = draft.get("unit")
        if unit:
            unit_text = unit["label"]
        else:
            unit_text = t(lang, "unit_unknown_summary", hint=draft.get("unit_hint") or none)
        description = "\n".join(draft["parts"]).strip()
        preview = description
        if len(preview) > PREVIEW_CHARS:
            preview = preview[:PREVIEW_CHARS] + "…"
        contact = draft.get("contact") or {}
        contact_text = ", ".join(
            v for v in (contact.get(k) for k in ("name", "phone", "email")) if v
        )
        files = draft["files"]
        return t(
            lang,
            "summary",
            unit=unit_text,
            category=(draft.get("category") or {}).get("label") or none,
            title=derive_title(description, lang),
            length=len(description),
            description=preview or none,
            date=draft.get("incident_date") or none,
            place=draft.get("incident_place") or none,
            files=t(lang, "files_count", count=len(files)) if files else none,
            privacy=privacy_label(lang, draft.get("privacy") or "rahasia"),
            contact=contact_text or t(lang, "contact_telegram_only"),
        )

    def _confirm_keys(self, lang: str, draft: dict):
        nonce = draft["nonce"]
        return keyboard(
            [
                (t(lang, "send_button"), button_data(nonce, "send")),
                (t(lang, "edit_button"), button_data(nonce, "edit")),
                (t(lang, "cancel_button"), button_data(nonce, "cancel")),
            ]
        )

    async def ask_confirm(self, update, context, lang, draft) -> None:
        draft.pop("editing", None)
        await say(update, context, self.summary(lang, draft), self._confirm_keys(lang, draft))

    async def confirm_chosen(self, update: Update, context: Context) -> str | int | None:
        """Send, Edit (and which part), back to the summary, or Cancel."""
        button = await self.pressed(update, context)
        if button is None:
            return None
        lang = lang_of(update, context)
        draft = context.chat_data["draft"]
        query = update.callback_query
        if button.action == "cancel":
            context.chat_data.pop("draft", None)
            await settle(query, t(lang, "cancelled"))
            return END
        if button.action == "edit":
            rows = [
                [(t(lang, FIELD_LABELS[name]), button_data(draft["nonce"], "e", name))]
                for name in EDITABLE
            ]
            rows.append([(t(lang, "back_button"), button_data(draft["nonce"], "back"))])
            await settle(query)
            await say(update, context, t(lang, "edit_which"), keyboard(*rows))
            return None
        if button.action == "back":
            await settle(query)
            return await self.goto(update, context, CONFIRM)
        if button.action == "e":
            state = EDITABLE.get(button.value)
            if state is None:
                await self.stale_button(update, context)
                return None
            await settle(query)
            return await self.edit(update, context, state)
        outcome = await self.file(update, context, lang, draft)
        # Only now: if filing failed unexpectedly, the buttons stay for another try.
        await settle(query)
        return outcome

    async def edit(self, update: Update, context: Context, state: str) -> str:
        """Go back to one step; after it, return to the summary."""
        draft = context.chat_data["draft"]
        draft["editing"] = True
        if state == DESCRIPTION:
            draft["parts"] = []
        return await self.goto(update, context, state)

    async def file(self, update: Update, context: Context, lang: str, draft: dict):
        """Fetch the evidence again and file the complaint through intake."""
        runtime = runtime_of(context)
        limit = runtime.intake.evidence.max_file_bytes
        uploads = []
        for data in list(draft["files"]):
            ref = FileRef.from_json(data)
            try:
                uploads.append(await download(context.bot, ref, limit))
            except (BadRequest, ValueError):  # gone from Telegram, or now too large
                draft["files"] = [f for f in draft["files"] if f["uid"] != ref.uid]
                await say(update, context, t(lang, "submit_file_gone", name=ref.name))
                return await self.goto(update, context, CONFIRM)
            except TelegramError:
                await say(update, context, t(lang, "submit_download_failed"))
                return await self.goto(update, context, CONFIRM)
        description = "\n".join(draft["parts"]).strip()
        unit = draft.get("unit")
        contact = draft.get("contact") or {}
        ready = store.Draft(
            category=(draft.get("category") or {}).get("slug"),
            title=derive_title(description, lang),
            description=description,
            privacy=draft.get("privacy"),
            unit=unit["slug"] if unit else None,
            unit_hint=None if unit else draft.get("unit_hint"),
            incident_date=(
                date.fromisoformat(draft["incident_date"]) if draft.get("incident_date") else None
            ),
            incident_place=draft.get("incident_place"),
            name=contact.get("name"),
            email=contact.get("email"),
            phone=contact.get("phone"),
            language=lang,
            token=draft["token"],
        )
        chat_id = update.effective_chat.id
        filing = await runtime.call(
            store.file_complaint,
            ready,
            uploads,
            chat_id=chat_id,
            settings=runtime.intake,
            locale=lang,
        )
        if filing.errors:
            reasons = "\n".join(f"- {m}" for ms in filing.errors.values() for m in ms)
            await say(update, context, t(lang, "submit_invalid", reasons=reasons))
            first = next((FIELD_STEPS[f] for f in filing.errors if f in FIELD_STEPS), CONFIRM)
            if first == CONFIRM:
                return await self.goto(update, context, CONFIRM)
            return await self.edit(update, context, first)
        context.chat_data.pop("draft", None)
        if filing.duplicate:
            sent = await say(update, context, t(lang, "already_filed", code=filing.code))
        else:
            sent = await say(
                update,
                context,
                t(
                    lang,
                    "filed",
                    code=filing.code,
                    key=filing.access_key,
                    url=runtime.public_url,
                ),
            )
        await runtime.call(store.link_messages, chat_id, [sent.message_id], filing.complaint_id)
        return END

    # --- /tambah -------------------------------------------------------------------------------

    async def start_followup(self, update: Update, context: Context) -> str | int:
        """/tambah CODE [text]: add to one of this chat's complaints."""
        lang = lang_of(update, context)
        runtime = runtime_of(context)
        chat_id = update.effective_chat.id
        args = context.args or []
        if not args:
            lines, _total = await runtime.call(store.chat_complaints, chat_id, 1, locale=lang)
            if not lines:
                await say(update, context, t(lang, "followup_none"))
            else:
                await say(update, context, t(lang, "followup_which", code=lines[0].code))
            return END
        found = await runtime.call(store.owned_complaint, chat_id, args[0][:40], locale=lang)
        if found is None:
            await say(update, context, t(lang, "status_unknown"))
            return END
        complaint_id, code = found
        if len(args) > 1:  # "/tambah CODE text": add the text at once
            await add_followup(update, context, complaint_id, lang)
            return END
        following = {"id": complaint_id, "code": code, "nonce": secrets.token_hex(3)}
        context.chat_data["followup"] = following
        await self.ask_followup(update, context, lang, following)
        return FOLLOWUP

    async def ask_followup(self, update, context, lang, following) -> None:
        await say(
            update,
            context,
            t(lang, "followup_ask", code=following["code"]),
            keyboard([(t(lang, "done_button"), button_data(following["nonce"], "fdone"))]),
        )

    async def followup_received(self, update: Update, context: Context) -> str | int | None:
        """Text or a file for the complaint chosen with /tambah; 'selesai' ends."""
        following = context.chat_data.get("followup")
        if following is None:
            return await self.lost(update, context)
        message = update.effective_message
        if message.text is not None and _words(message.text) in DONE_WORDS:
            return await self.followup_done(update, context)
        await add_followup(update, context, following["id"], lang_of(update, context))
        return None

    async def followup_done(self, update: Update, context: Context) -> int | None:
        """'Done' (button, word or /selesai): end the follow-up."""
        query = update.callback_query
        following = context.chat_data.get("followup")
        if query is not None:
            button = parse_button(query.data)
            if following is None or button is None or button.nonce != following.get("nonce"):
                await self.stale_button(update, context)
                return None
            await answer(query)
            await settle(query)
        if following is None:  # /selesai during a report: not a command of that step
            await self.unknown_command(update, context)
            return None
        context.chat_data.pop("followup", None)
        await say(update, context, t(lang_of(update, context), "followup_cancelled"))
        return END
