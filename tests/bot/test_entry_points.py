"""``python -m bot``: a clear error without a token; the webhook checks Telegram's secret."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import pytest

from bot import build_application
from bot.__main__ import SetupError, WebhookSettings, main
from bot.webhook import SECRET_HEADER, WebhookReceiver, WebhookServer
from tests.bot.telegram_fake import TOKEN

pytestmark = pytest.mark.asyncio

SECRET = "s3cret-token_for-tests"


async def test_without_a_token_the_bot_says_what_to_set(app, capsys):
    previous = app.config.get("TELEGRAM_TOKEN")
    app.config["TELEGRAM_TOKEN"] = None
    try:
        status = await asyncio.to_thread(main, [], flask_app=app)
    finally:
        app.config["TELEGRAM_TOKEN"] = previous
    assert status == 2
    assert "ZI_TELEGRAM_TOKEN is not set" in capsys.readouterr().err


async def test_build_application_refuses_an_empty_token(app):
    with pytest.raises(ValueError, match="ZI_TELEGRAM_TOKEN"):
        build_application(app, "")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "ZI_TELEGRAM_WEBHOOK_URL is not set"),
        ({"ZI_TELEGRAM_WEBHOOK_URL": "http://x.test/hook"}, "must be an https:// URL"),
        ({"ZI_TELEGRAM_WEBHOOK_URL": "https://x.test/hook"}, "ZI_TELEGRAM_WEBHOOK_SECRET"),
        (
            {"ZI_TELEGRAM_WEBHOOK_URL": "https://x.test/h", "ZI_TELEGRAM_WEBHOOK_SECRET": "a b"},
            "ZI_TELEGRAM_WEBHOOK_SECRET",
        ),
        (
            {
                "ZI_TELEGRAM_WEBHOOK_URL": "https://x.test/h",
                "ZI_TELEGRAM_WEBHOOK_SECRET": "abc",
                "ZI_TELEGRAM_WEBHOOK_PORT": "http",
            },
            "ZI_TELEGRAM_WEBHOOK_PORT",
        ),
    ],
)
async def test_webhook_settings_are_checked(environ, message):
    with pytest.raises(SetupError, match=message):
        WebhookSettings.from_environ(environ)


async def test_webhook_settings_take_the_path_from_the_url():
    settings = WebhookSettings.from_environ(
        {
            "ZI_TELEGRAM_WEBHOOK_URL": "https://portal.test/tg/hook",
            "ZI_TELEGRAM_WEBHOOK_SECRET": SECRET,
        }
    )
    assert (settings.path, settings.port, settings.listen) == ("/tg/hook", 8443, "127.0.0.1")


def post(port: int, body: bytes, secret: str | None, path: str = "/tg/hook") -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    if secret is not None:
        request.add_header(SECRET_HEADER, secret)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


async def test_the_webhook_takes_updates_only_with_the_secret_token(
    app, telegram, reference, person
):
    application = build_application(app, TOKEN, request=telegram)
    async with application:
        await application.start()
        receiver = WebhookReceiver(
            application, asyncio.get_running_loop(), path="/tg/hook", secret=SECRET
        )
        server = WebhookServer(receiver, "127.0.0.1", 0)
        server.start()
        try:
            update = json.dumps(person.command("/bantuan")).encode()
            assert await asyncio.to_thread(post, server.port, update, None) == 403
            assert await asyncio.to_thread(post, server.port, update, "wrong") == 403
            assert await asyncio.to_thread(post, server.port, b"{not json", SECRET) == 400
            assert await asyncio.to_thread(post, server.port, update, SECRET, "/other") == 404
            assert telegram.sent == []
            assert await asyncio.to_thread(post, server.port, update, SECRET) == 200
            for _ in range(100):
                if telegram.sent:
                    break
                await asyncio.sleep(0.02)
            assert telegram.sent[-1].text.startswith("Cara memakai bot ini")
        finally:
            server.stop()
            await application.stop()


async def test_serve_polls_answers_and_delivers_the_outbox_until_stopped(
    app, telegram, reference, person, session
):
    from bot.__main__ import serve
    from models import OutboundMessage
    from models.enums import OutboundStatus
    from portal.services.outbox import queue_telegram

    queued = queue_telegram(session, chat_id=person.chat_id, body="Balasan petugas")
    session.commit()
    telegram.pending_updates.append(person.command("/bantuan"))
    application = build_application(app, TOKEN, request=telegram)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(application, webhook=None, stop=stop))
    for _ in range(200):
        await asyncio.sleep(0.02)
        if len(telegram.sent) >= 2:
            break
    stop.set()
    await asyncio.wait_for(task, timeout=10)

    texts = sorted(c.text for c in telegram.sent)
    assert texts[0] == "Balasan petugas"
    assert texts[1].startswith("Cara memakai bot ini")
    assert {"deleteWebhook", "setMyCommands", "getUpdates"} <= {c.method for c in telegram.calls}
    session.rollback()
    assert session.get(OutboundMessage, queued.id).status == OutboundStatus.DIKIRIM
