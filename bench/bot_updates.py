"""How many Telegram updates per second the bot handles offline, in full /lapor conversations.

Feeds real Update JSON to the Application (``process_update``) with a recording HTTP layer in
place of Telegram, on a real SQLite file (or PostgreSQL via ZI_BENCH_DATABASE_URL). Each
report is a whole conversation: /lapor, unit search and choice, category group and category,
description, date, place, (a ~200 KB photo with EXIF/GPS: downloaded, checked, and at filing
downloaded again, stripped and sealed), privacy, contact, summary and Send. Chats are
interleaved, as real reporters are; every update writes the conversation state to the
database before the next one, as in production. The flood limit is off (it would throttle
the benchmark's own pace). Prints a Markdown table.

    .venv/bin/python bench/bot_updates.py [--quick] [-n 100]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixtures import photo  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.request import BaseRequest  # noqa: E402

from bot import build_application  # noqa: E402
from models import Complaint, db  # noqa: E402
from models.enums import Eselon  # noqa: E402
from portal import create_app  # noqa: E402
from portal.services import organisation  # noqa: E402
from portal.services.reference_data import ensure_categories  # noqa: E402

TOKEN = "123456:BENCH-TOKEN"  # noqa: S105 - a fake token for the offline fake
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "ZI Portal", "username": "ZiPortalBot"}


class Recorder(BaseRequest):
    """Answers the Bot API offline; remembers each chat's last message and keyboard."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.files: dict[str, bytes] = {}
        self.last_keyboard: dict[int, list[tuple[str, str]]] = {}
        self.calls = 0

    @property
    def read_timeout(self) -> float:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url: str, method: str, request_data=None, **_: Any):
        self.calls += 1
        if "/file/bot" in url:
            return 200, self.files[url.rsplit("/", 1)[-1]]
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data is not None else {}
        result: Any = True
        if name == "getMe":
            result = BOT_USER
        elif name in ("sendMessage", "editMessageText"):
            chat_id = int(params.get("chat_id") or 0)
            markup = params.get("reply_markup")
            if markup and chat_id:
                self.last_keyboard[chat_id] = [
                    (b["text"], b["callback_data"])
                    for row in markup["inline_keyboard"]
                    for b in row
                ]
            result = {
                "message_id": next(self.ids),
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        elif name == "getFile":
            file_id = params["file_id"]
            result = {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": len(self.files[file_id]),
                "file_path": f"files/{file_id}",
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def button(self, chat_id: int, label: str) -> str:
        for text, data in self.last_keyboard.get(chat_id, []):
            if label.casefold() in text.casefold():
                return data
        raise RuntimeError(f"no button {label!r} for the chat")


class Reporter:
    """One citizen going through /lapor; ``next_update`` reads the bot's last keyboard."""

    update_ids = itertools.count(1)

    def __init__(self, chat_id: int, recorder: Recorder, with_photo: bool):
        self.chat_id = chat_id
        self.recorder = recorder
        self.user = {"id": chat_id, "is_bot": False, "first_name": "Warga", "language_code": "id"}
        self.chat = {"id": chat_id, "type": "private", "first_name": "Warga"}
        self.message_ids = itertools.count(1)
        steps: list[Any] = [
            ("command", "/lapor"),
            ("text", "kependudukan"),
            ("press", "Kependudukan"),
            ("press", "Maladministrasi"),
            ("press", "Permintaan imbalan"),
            ("text", "Petugas loket meminta uang Rp50.000 untuk mempercepat pembuatan KTP."),
            ("press", "Lanjut"),
            ("text", "kemarin"),
            ("text", "Loket 3, kantor kecamatan"),
        ]
        if with_photo:
            steps.append(("photo", "bench-photo"))
        steps += [
            ("press", "Selesai"),
            ("press", "Rahasia"),
            ("press", "Lewati"),
            ("press", "Kirim"),
        ]
        self.steps = iter(steps)

    def _message(self, **fields: Any) -> dict[str, Any]:
        return {
            "message_id": next(self.message_ids),
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
            **fields,
        }

    def next_update(self) -> dict[str, Any] | None:
        step = next(self.steps, None)
        if step is None:
            return None
        kind, value = step
        update: dict[str, Any] = {"update_id": next(self.update_ids)}
        if kind == "command":
            entity = {"type": "bot_command", "offset": 0, "length": len(value)}
            update["message"] = self._message(text=value, entities=[entity])
        elif kind == "text":
            update["message"] = self._message(text=value)
        elif kind == "photo":
            size = len(self.recorder.files[value])
            sizes = [
                {"file_id": value, "file_unique_id": f"{value}-{self.chat_id}", "width": 800,
                 "height": 800, "file_size": size},
            ]  # fmt: skip
            update["message"] = self._message(photo=sizes)
        else:
            update["callback_query"] = {
                "id": f"cb{update['update_id']}",
                "from": self.user,
                "chat_instance": "bench",
                "data": self.recorder.button(self.chat_id, value),
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": self.chat,
                    "from": BOT_USER,
                    "text": "…",
                },
            }
        return update


async def run(app, reports: int, with_photo: bool, first_chat: int) -> tuple[list[float], float]:
    """Run ``reports`` interleaved conversations; return per-update times (ms) and the total."""
    recorder = Recorder()
    recorder.files["bench-photo"] = photo()
    application = build_application(app, TOKEN, request=recorder, flood=None)
    timings: list[float] = []
    async with application:
        reporters = [Reporter(first_chat + i, recorder, with_photo) for i in range(reports)]
        started = time.perf_counter()
        active = list(reporters)
        while active:
            for reporter in list(active):
                data = reporter.next_update()
                if data is None:
                    active.remove(reporter)
                    continue
                update = Update.de_json(data, application.bot)
                t0 = time.perf_counter()
                await application.process_update(update)
                timings.append((time.perf_counter() - t0) * 1000)
        total = time.perf_counter() - started
        errors = application.bot_data["runtime"].errors
        if errors:
            raise RuntimeError(f"the bot failed on {len(errors)} updates: {sorted(set(errors))}")
    return timings, total


def row(label: str, reports: int, timings: list[float], total: float) -> str:
    ordered = sorted(timings)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (
        f"| {label} | {reports} | {len(timings)} | {total:.2f} | {len(timings) / total:.0f} |"
        f" {statistics.median(ordered):.1f} | {p95:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 reports per scenario")
    parser.add_argument("-n", type=int, default=100, help="reports per scenario")
    args = parser.parse_args()
    n = 20 if args.quick else args.n
    work = Path(tempfile.mkdtemp(prefix="zi-bench-bot-"))
    url = os.environ.get("ZI_BENCH_DATABASE_URL") or f"sqlite:///{work / 'bench.db'}"
    app = create_app(
        {
            "ZI_PROFILE": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_DIR": str(work / "uploads"),
            "RECEIPT_KEY_FILE": str(work / "key.pem"),
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        ensure_categories(db.session)
        agency = organisation.create_agency(db.session, name="Kementerian Dalam Negeri Bench")
        organisation.create_unit(
            db.session,
            agency,
            name="Direktorat Jenderal Kependudukan dan Catatan Sipil",
            eselon=Eselon.II,
        )
        db.session.commit()
    print(f"database: {url.split(':')[0]}; reports per scenario: {n}; chats interleaved")
    print("| scenario | reports | updates | seconds | updates/s | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|---|")
    text_times, text_total = asyncio.run(run(app, n, False, 10_000_000))
    print(row("/lapor, text only", n, text_times, text_total))
    photo_times, photo_total = asyncio.run(run(app, n, True, 20_000_000))
    print(row("/lapor with a 200 KB photo", n, photo_times, photo_total))
    with app.app_context():
        filed = db.session.scalar(db.select(db.func.count(Complaint.id)))
    assert filed == 2 * n, f"{filed} complaints filed, expected {2 * n}"


if __name__ == "__main__":
    main()
