"""A real SMTP server (aiosmtpd) on loopback that records what it accepts.

It can be told how to answer RCPT (250, 451, 550 …), stopped and started again on the same
port (the relay goes down, then comes back), and made to take a message and hold back its "250"
(a worker killed while waiting for the server's answer).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from portal.mail.smtp import SMTPSettings

MAIL_FROM = "ZI Portal <pengaduan@zi-portal.test>"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Received:
    """One mail as the server accepted it: envelope and parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage


class Recorder:
    """aiosmtpd handler: answers RCPT as told and records every accepted message."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.rcpt_answer = "250 OK"
        self.hold_data_number: int | None = None  # hold the Nth DATA until released
        self.holding = threading.Event()
        self.release = threading.Event()
        self._data_count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.rcpt_answer
        if answer.startswith("250"):
            envelope.rcpt_tos.append(address)
        return answer

    async def handle_DATA(self, server, session, envelope):
        raw = bytes(envelope.content)
        self.received.append(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=tuple(envelope.rcpt_tos),
                raw=raw,
                message=message_from_bytes(raw, policy=policy.default),
            )
        )
        self._data_count += 1
        if self._data_count == self.hold_data_number:
            # The mail is taken (it will be delivered) but the "250" is not sent yet: the
            # window in which a client that dies cannot know its mail went out (RFC 1047).
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        return "250 OK"


class SMTPServer:
    """aiosmtpd on 127.0.0.1 with a fixed port, so it can go down and come back."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.handler = Recorder()
        self.server_kwargs: dict = {}  # e.g. an authenticator; applied on the next start()
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def answer(self, reply: str) -> None:
        """Answer every following RCPT with ``reply`` (e.g. "451 4.3.0 Coba lagi nanti")."""
        self.handler.rcpt_answer = reply

    def start(self) -> None:
        self._controller = Controller(
            self.handler, hostname=self.host, port=self.port, **self.server_kwargs
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self.handler.release.set()
            self._controller.stop()
            self._controller = None

    def settings(self, **overrides) -> SMTPSettings:
        values = dict(
            host=self.host, port=self.port, security="none", timeout=5, mail_from=MAIL_FROM
        )
        return SMTPSettings(**{**values, **overrides})


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    """A running SMTP server on a free loopback port, stopped after the test."""
    server = SMTPServer()
    server.start()
    yield server
    server.stop()
