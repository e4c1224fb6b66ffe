"""The Telegram channel of ZI Portal (``python -m bot``), an adapter over ``portal.services``.

Citizens report (/lapor), follow up (replies, /tambah) and check (/status) in a private chat;
complaints are filed and extended only through ``portal.services.intake``, and answers from
inspectors reach them through the outbox (``bot.delivery``).

Threat model in short: the chat id is the reporter's identity (DESIGN.md §5): it is stored on
the complaint and in the bot's own tables, shown to nobody by the bot, and never logged or put
in an exception message. Anyone can send anything: see ``bot.handlers`` for the guard (groups
refused, edits ignored, floods throttled), ``bot.media`` for files (size checked before
download, content checked by the evidence pipeline), ``bot.conversation`` for the buttons
(bound to one draft) and ``bot.webhook`` for the secret-token check.
"""

from __future__ import annotations

from flask import Flask
from telegram.ext import Application
from telegram.request import BaseRequest

from .persistence import DatabasePersistence
from .runtime import BotRuntime, FloodGuard

__all__ = ["BotRuntime", "FloodGuard", "build_application", "runtime_of"]

_UNSET = object()


def build_application(
    flask_app: Flask,
    token: str,
    request: BaseRequest | None = None,
    *,
    flood: FloodGuard | None | object = _UNSET,
) -> Application:
    """Return the bot's python-telegram-bot ``Application``, not yet initialised.

    ``request`` replaces the HTTP layer (tests and harnesses pass a recording fake); ``flood``
    replaces the per-chat flood limit (None: no limit, for benchmarks).
    """
    from .handlers import register

    if not token:
        raise ValueError("a Telegram bot token is required (ZI_TELEGRAM_TOKEN)")
    runtime = BotRuntime.for_app(flask_app)
    if flood is not _UNSET:
        runtime.flood = flood  # type: ignore[assignment]
    builder = (
        Application.builder()
        .token(token)
        .persistence(DatabasePersistence(flask_app))
        .job_queue(None)  # the outbox runs as an asyncio task (see bot.delivery)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    application.bot_data["runtime"] = runtime
    register(application)
    return application


def runtime_of(application: Application) -> BotRuntime:
    """Return the runtime an application was built with."""
    return application.bot_data["runtime"]
