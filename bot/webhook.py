"""A small webhook receiver for ``python -m bot --webhook``.

python-telegram-bot's own webhook server needs Tornado (the ``webhooks`` extra), which the
portal does not install; this one uses Werkzeug, already there with Flask. It listens on plain
HTTP (put a TLS-terminating proxy in front: Telegram only calls HTTPS), accepts only POSTs to
the configured path that carry Telegram's secret token header (compared in constant time), and
hands each update to the running Application's queue. Bodies are limited in size; anything
else gets a bare status code and nothing is logged about the sender.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import threading
from typing import Any

from telegram import Update
from telegram.ext import Application
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_BODY = 1024 * 1024  # an update is a few kilobytes; Telegram never sends more than this


class WebhookReceiver:
    """WSGI application that feeds Telegram's POSTs into ``application.update_queue``."""

    def __init__(
        self,
        application: Application,
        loop: asyncio.AbstractEventLoop,
        *,
        path: str,
        secret: str,
        timeout: float = 10.0,
    ):
        if not secret:
            raise ValueError("a webhook needs a secret token")
        self.application = application
        self.loop = loop
        self.path = "/" + path.strip("/")
        self.secret = secret.encode()
        self.timeout = timeout

    def __call__(self, environ: dict[str, Any], start_response):
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        """Check and queue one request; return the HTTP answer."""
        if request.path.rstrip("/") != self.path.rstrip("/"):
            return Response(status=404)
        if request.method != "POST":
            return Response(status=405, headers={"Allow": "POST"})
        given = (request.headers.get(SECRET_HEADER) or "").encode()
        if not hmac.compare_digest(given, self.secret):
            logger.warning("webhook: request without the right secret token refused")
            return Response(status=403)
        if (request.content_length or 0) > MAX_BODY:
            return Response(status=413)
        body = request.get_data(cache=False)[: MAX_BODY + 1]
        if len(body) > MAX_BODY:
            return Response(status=413)
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            update = Update.de_json(data, self.application.bot)
        except Exception as exc:  # hostile or broken JSON: refuse, never crash
            logger.info("webhook: unreadable update refused (%s)", type(exc).__name__)
            return Response(status=400)
        future = asyncio.run_coroutine_threadsafe(
            self.application.update_queue.put(update), self.loop
        )
        try:
            future.result(timeout=self.timeout)
        except Exception as exc:
            logger.error("webhook: update not queued (%s)", type(exc).__name__)
            return Response(status=503)  # Telegram tries again later
        return Response(status=200)


class WebhookServer:
    """Serve a ``WebhookReceiver`` in a background thread."""

    def __init__(self, receiver: WebhookReceiver, host: str, port: int):
        self.server: BaseWSGIServer = make_server(host, port, receiver, threaded=True)
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="telegram-webhook", daemon=True
        )

    @property
    def port(self) -> int:
        """Return the port actually listened on (when 0 was asked for)."""
        return self.server.server_port

    def start(self) -> None:
        """Start serving."""
        self.thread.start()

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
