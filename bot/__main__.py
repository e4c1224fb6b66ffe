"""``python -m bot [--webhook]``: run the Telegram bot and its outbox sender.

Long polling by default. ``--webhook`` serves Telegram's webhook instead, on plain HTTP behind
a TLS-terminating proxy, and registers it with Telegram together with its secret token.

Settings (environment): ``ZI_TELEGRAM_TOKEN`` (required, via config.py), and for ``--webhook``
``ZI_TELEGRAM_WEBHOOK_URL`` (the public HTTPS URL Telegram calls, required),
``ZI_TELEGRAM_WEBHOOK_SECRET`` (1-256 characters A-Z a-z 0-9 _ -, required),
``ZI_TELEGRAM_WEBHOOK_PORT`` (default 8443) and ``ZI_TELEGRAM_WEBHOOK_LISTEN`` (default
127.0.0.1). SIGTERM or SIGINT stops gracefully: the update being handled and the message being
sent finish, the state is written, the rest of the outbox waits for the next start.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask
from telegram import BotCommand, Update
from telegram.ext import Application

from . import build_application, runtime_of
from .delivery import TelegramDelivery
from .texts import COMMANDS
from .webhook import WebhookReceiver, WebhookServer

logger = logging.getLogger("bot")

SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class SetupError(RuntimeError):
    """A setting makes it impossible to start; the message says which and how to fix it."""


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    path: str
    secret: str
    listen: str
    port: int

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> WebhookSettings:
        """Read and check the ``ZI_TELEGRAM_WEBHOOK_*`` variables."""
        url = (environ.get("ZI_TELEGRAM_WEBHOOK_URL") or "").strip()
        secret = (environ.get("ZI_TELEGRAM_WEBHOOK_SECRET") or "").strip()
        if not url:
            raise SetupError(
                "ZI_TELEGRAM_WEBHOOK_URL is not set: give the public HTTPS address Telegram"
                " should call, e.g. https://portal.example.go.id/telegram/webhook"
            )
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.netloc:
            raise SetupError("ZI_TELEGRAM_WEBHOOK_URL must be an https:// URL (Telegram's rule)")
        if not SECRET_RE.match(secret):
            raise SetupError(
                "ZI_TELEGRAM_WEBHOOK_SECRET must be set to 1-256 characters of A-Z, a-z, 0-9,"
                " _ or - (for example: python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        raw_port = (environ.get("ZI_TELEGRAM_WEBHOOK_PORT") or "8443").strip()
        try:
            port = int(raw_port)
        except ValueError:
            raise SetupError(
                f"ZI_TELEGRAM_WEBHOOK_PORT must be a port number, not {raw_port!r}"
            ) from None
        if not 0 < port < 65536:
            raise SetupError("ZI_TELEGRAM_WEBHOOK_PORT must be between 1 and 65535")
        listen = (environ.get("ZI_TELEGRAM_WEBHOOK_LISTEN") or "127.0.0.1").strip()
        return cls(url=url, path=parts.path or "/", secret=secret, listen=listen, port=port)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description="ZI Portal Telegram bot")
    parser.add_argument(
        "--webhook", action="store_true", help="serve a webhook instead of long polling"
    )
    parser.add_argument("--verbose", action="store_true", help="log at DEBUG level")
    return parser.parse_args(argv)


async def _set_commands(application: Application) -> None:
    """Show the commands in Telegram's menu, in Indonesian and English."""
    for lang, commands in COMMANDS.items():
        await application.bot.set_my_commands(
            [BotCommand(name, description) for name, description in commands],
            language_code=None if lang == "id" else lang,
        )


async def serve(
    application: Application,
    *,
    webhook: WebhookSettings | None,
    stop: asyncio.Event,
) -> None:
    """Run the bot (polling or webhook) and the outbox sender until ``stop`` is set."""
    delivery = TelegramDelivery(application, runtime_of(application))
    async with application:
        try:
            await _set_commands(application)
        except Exception as exc:  # the menu is a convenience: never a reason not to start
            logger.warning("bot: commands menu not set (%s)", type(exc).__name__)
        await application.start()
        server = None
        if webhook is None:
            await application.bot.delete_webhook()
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            logger.info("bot: polling for updates")
        else:
            receiver = WebhookReceiver(
                application,
                asyncio.get_running_loop(),
                path=webhook.path,
                secret=webhook.secret,
            )
            server = WebhookServer(receiver, webhook.listen, webhook.port)
            server.start()
            await application.bot.set_webhook(
                url=webhook.url, secret_token=webhook.secret, allowed_updates=Update.ALL_TYPES
            )
            logger.info("bot: webhook served on %s:%d", webhook.listen, server.port)
        sender = asyncio.create_task(delivery.run_forever(stop), name="telegram-outbox")
        await stop.wait()
        logger.info("bot: stopping")
        delivery.request_stop()
        await sender
        if server is not None:
            server.stop()
        elif application.updater is not None and application.updater.running:
            await application.updater.stop()
        await application.stop()


def main(argv: Sequence[str] | None = None, *, flask_app: Flask | None = None) -> int:
    """Run the bot; return the exit status (2 for a setting that prevents starting)."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the token
    # python-telegram-bot's DEBUG lines carry API parameters, chat ids among them.
    logging.getLogger("telegram").setLevel(logging.INFO)
    try:
        if flask_app is None:
            from portal import create_app

            flask_app = create_app()
        token = flask_app.config.get("TELEGRAM_TOKEN")
        if not token:
            raise SetupError(
                "ZI_TELEGRAM_TOKEN is not set: create a bot with @BotFather and export its"
                " token, e.g. ZI_TELEGRAM_TOKEN=123456:ABC… python -m bot"
            )
        webhook = WebhookSettings.from_environ(os.environ) if args.webhook else None
        application = build_application(flask_app, token)
    except SetupError as exc:
        print(f"bot: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # e.g. production settings refused by config.py
        print(f"bot: cannot start: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_run(application, webhook))


async def _run(application: Application, webhook: WebhookSettings | None) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await serve(application, webhook=webhook, stop=stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
