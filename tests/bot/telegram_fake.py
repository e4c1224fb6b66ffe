"""Fakes for the offline bot tests: a recording Telegram HTTP layer and update builders.

``RecordingRequest`` answers the Bot API methods the bot uses (and serves file downloads from
``files``), records every call with its parameters, and can be told to fail the next calls of
a method (403, 429 with retry_after, 400, a network error). ``Person`` builds the JSON of the
updates one Telegram user sends; ``Harness`` feeds them to an Application.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest

from bot import runtime_of

TOKEN = "123456:TEST-TOKEN-not-real"
BOT_ID = 123456
BOT_USERNAME = "ZiPortalBot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "ZI Portal", "username": BOT_USERNAME}

_update_ids = itertools.count(1)


@dataclass
class Call:
    """One Bot API call as the bot made it."""

    method: str
    params: dict[str, Any]
    result: Any = None

    @property
    def message_id(self) -> int:
        return int(self.result["message_id"])

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        markup = self.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        return [
            (button["text"], button.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for button in row
        ]

    def button(self, label_part: str) -> str:
        """Return the callback data of the button whose label contains ``label_part``."""
        for label, data in self.buttons:
            if label_part.casefold() in label.casefold():
                return data
        raise AssertionError(f"no button {label_part!r} in {self.buttons}")


class RecordingRequest(BaseRequest):
    """A fake Telegram: records calls, answers them, serves files, fails on request."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}  # file_id → content
        self.downloads: list[str] = []
        self.failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.raise_next: dict[str, list[BaseException]] = {}
        self.pending_updates: list[dict[str, Any]] = []  # served by getUpdates (polling)
        self._message_ids = itertools.count(5000)

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    # --- test controls -------------------------------------------------------------------------

    def fail_next(self, method: str, status: int, description: str, **parameters: Any) -> None:
        """Answer the next call of ``method`` with an error, as Telegram would."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.failures.setdefault(method, []).append((status, body))

    def break_next(self, method: str, error: BaseException) -> None:
        """Make the next call of ``method`` fail in the HTTP layer (a network error)."""
        self.raise_next.setdefault(method, []).append(error)

    def add_file(self, file_id: str, content: bytes) -> None:
        self.files[file_id] = content

    # --- reading what happened -----------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def sent(self) -> list[Call]:
        return self.of("sendMessage")

    def texts(self) -> list[str]:
        return [c.text for c in self.sent]

    def last(self) -> Call:
        return self.sent[-1]

    def clear(self) -> None:
        self.calls.clear()

    # --- the fake API --------------------------------------------------------------------------

    async def do_request(
        self, url: str, method: str, request_data=None, **_timeouts: Any
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:
            file_path = url.split("/file/bot", 1)[1].split("/", 1)[1]
            self.downloads.append(file_path)
            return 200, self.files[file_path.removeprefix("files/")]
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        self.calls.append(Call(name, params))
        if self.raise_next.get(name):
            raise self.raise_next[name].pop(0)
        if self.failures.get(name):
            status, body = self.failures[name].pop(0)
            return status, json.dumps(body).encode()
        if name == "getUpdates":
            await asyncio.sleep(0.01)  # a long poll that comes back quickly
            updates, self.pending_updates = self.pending_updates, []
            self.calls[-1].result = updates
            return 200, json.dumps({"ok": True, "result": updates}).encode()
        result = self._result(name, params)
        self.calls[-1].result = result
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return {**BOT_USER, "can_join_groups": False, "can_read_all_group_messages": False}
        if name in ("sendMessage", "editMessageText"):
            return {
                "message_id": params.get("message_id") or next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": params.get("chat_id", 0), "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        if name == "getFile":
            file_id = params["file_id"]
            content = self.files.get(file_id, b"")
            return {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": len(content),
                "file_path": f"files/{file_id}",
            }
        return True


class Person:
    """A Telegram user in their private chat (or in a group), building update JSON."""

    def __init__(
        self,
        user_id: int = 424242,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        language_code: str = "id",
        first_name: str = "Warga",
    ):
        self.user = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }
        self.chat_id = user_id if chat_id is None else chat_id
        self.chat: dict[str, Any] = {"id": self.chat_id, "type": chat_type}
        if chat_type != "private":
            self.chat["title"] = "Grup Warga"
        else:
            self.chat["first_name"] = first_name
        self._message_ids = itertools.count(1)

    def _message(self, **fields: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
            **fields,
        }

    def update(self, **fields: Any) -> dict[str, Any]:
        return {"update_id": next(_update_ids), **fields}

    def text(self, text: str, **fields: Any) -> dict[str, Any]:
        return self.update(message=self._message(text=text, **fields))

    def command(self, text: str) -> dict[str, Any]:
        command = text.split()[0]
        entity = {"type": "bot_command", "offset": 0, "length": len(command)}
        return self.update(message=self._message(text=text, entities=[entity]))

    def photo(self, file_id: str, size: int, caption: str | None = None) -> dict[str, Any]:
        sizes = [
            {"file_id": f"{file_id}-small", "file_unique_id": f"{file_id}-s", "width": 90,
             "height": 60, "file_size": max(size // 10, 1)},
            {"file_id": file_id, "file_unique_id": f"{file_id}-u", "width": 1280,
             "height": 960, "file_size": size},
        ]  # fmt: skip
        fields: dict[str, Any] = {"photo": sizes}
        if caption:
            fields["caption"] = caption
        return self.update(message=self._message(**fields))

    def document(
        self, file_id: str, size: int, name: str = "bukti.pdf", mime: str = "application/pdf"
    ) -> dict[str, Any]:
        doc = {
            "file_id": file_id,
            "file_unique_id": f"{file_id}-u",
            "file_name": name,
            "mime_type": mime,
            "file_size": size,
        }
        return self.update(message=self._message(document=doc))

    def voice(self) -> dict[str, Any]:
        voice = {"file_id": "voice-1", "file_unique_id": "voice-1-u", "duration": 3,
                 "mime_type": "audio/ogg", "file_size": 4000}  # fmt: skip
        return self.update(message=self._message(voice=voice))

    def press(self, data: str, message_id: int = 1) -> dict[str, Any]:
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self.chat,
            "from": BOT_USER,
            "text": "…",
        }
        query = {
            "id": f"cb-{next(_update_ids)}",
            "from": self.user,
            "chat_instance": "ci-1",
            "data": data,
            "message": message,
        }
        return self.update(callback_query=query)

    def reply_to(self, bot_message_id: int, text: str) -> dict[str, Any]:
        original = {
            "message_id": bot_message_id,
            "date": int(time.time()),
            "chat": self.chat,
            "from": BOT_USER,
            "text": "…",
        }
        return self.update(message=self._message(text=text, reply_to_message=original))


class SteadyClock:
    """A clock that moves one second per reading: a person typing at a human pace."""

    def __init__(self, step: float = 1.0):
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


class Harness:
    """One Application with its recording request; ``send`` feeds one update."""

    def __init__(self, application: Application, telegram: RecordingRequest):
        self.application = application
        self.telegram = telegram

    @property
    def runtime(self):
        return runtime_of(self.application)

    async def send(self, data: dict[str, Any]) -> list[Call]:
        """Process one update; return the API calls it caused."""
        before = len(self.telegram.calls)
        await self.application.process_update(Update.de_json(data, self.application.bot))
        return self.telegram.calls[before:]

    async def say(self, data: dict[str, Any]) -> str:
        """Process one update; return the text of the last message the bot sent."""
        calls = await self.send(data)
        texts = [c.text for c in calls if c.method in ("sendMessage", "editMessageText")]
        assert texts, f"the bot said nothing; calls: {[c.method for c in calls]}"
        return texts[-1]


async def file_report(
    bot: Harness,
    person: Person,
    *,
    unit: str = "dukcapil",
    description: str = "Petugas loket meminta uang Rp50.000 untuk mempercepat pembuatan KTP.",
    photo: bytes | None = None,
    privacy: str = "Rahasia",
) -> str:
    """Go through /lapor from start to the tracking code; return the bot's last text."""
    await bot.send(person.command("/lapor"))
    await bot.send(person.text(unit))
    await bot.send(person.press(bot.telegram.last().button("Kependudukan")))
    await bot.send(person.press(bot.telegram.last().button("Maladministrasi")))
    edit = bot.telegram.of("editMessageText")[-1]
    await bot.send(person.press(edit.button("Permintaan imbalan")))
    await bot.send(person.text(description))
    await bot.send(person.press(bot.telegram.last().button("Lanjut")))
    await bot.send(person.text("kemarin"))
    await bot.send(person.text("Loket 3, kantor kecamatan"))
    if photo is not None:
        bot.telegram.add_file("photo-1", photo)
        await bot.send(person.photo("photo-1", len(photo)))
    await bot.send(person.press(bot.telegram.last().button("Selesai")))
    await bot.send(person.press(bot.telegram.last().button(privacy)))
    await bot.send(person.press(bot.telegram.last().button("Lewati")))
    return await bot.say(person.press(bot.telegram.last().button("Kirim")))
