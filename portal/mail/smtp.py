"""Outbound email: build an RFC 5322 message from an outbox row and send it over SMTP.

Threat model: the recipient, the subject and the threading headers come from untrusted mail and
forms. A CR or LF smuggled into any header could add recipients (``Bcc:``) or forge headers, so
the recipient must be one plain address and the stored headers are an allow-list, each value
checked against its grammar; anything else is refused before a connection is opened and the
message is given up (GAGAL), never "repaired" into something we did not queue. Each mail has
exactly one recipient, set both in ``To`` and in the envelope, and no ``Cc``/``Bcc``, so a
reporter's address never reaches anyone else. The Message-ID is the one fixed at queue time, so
a message resent after a crash is recognisably the same mail. Credentials never appear in
errors, logs or reprs.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr
from types import TracebackType
from typing import Any

from sqlalchemy.orm import Session

from models import OutboundMessage
from models.base import utcnow
from models.enums import OutboundChannel

from ..services.delivery import (
    ChannelUnavailable,
    DeliveryReport,
    PermanentFailure,
    RetryPolicy,
    TemporaryFailure,
    deliver_batch,
)

logger = logging.getLogger(__name__)

SECURITY_MODES = ("none", "starttls", "tls")
MAX_REFERENCES = 20  # RFC 5322 §3.6.4 lets a long References keep its first and latest ids

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# A plain ASCII addr-spec: no display name, comments, quoting or lists to smuggle things in.
ADDRESS_RE = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*@{_LABEL}(?:\.{_LABEL})*")
# msg-id: printable ASCII without spaces or angle brackets inside "<…>".
_ID_TEXT = r"[\x21-\x3b\x3d\x3f-\x7e]"
OWN_MESSAGE_ID_RE = re.compile(rf"<{_ID_TEXT}+@{_ID_TEXT}+>")
FOREIGN_MESSAGE_ID_RE = re.compile(rf"<{_ID_TEXT}{{1,250}}>")  # other MUAs: be lenient
AUTO_SUBMITTED_RE = re.compile(r"no|auto-generated|auto-replied|auto-notified", re.IGNORECASE)


class UnsafeMessage(PermanentFailure):
    """The outbox row cannot be turned into a safe email (injection, bad address): not sent."""


@dataclass(frozen=True)
class SMTPSettings:
    """Where and how to hand mail to the SMTP relay."""

    host: str
    port: int
    security: str = "none"  # none | starttls | tls
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30
    mail_from: str = "ZI Portal <pengaduan@zi-portal.invalid>"

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITY_MODES)}")
        if not ADDRESS_RE.fullmatch(self.envelope_from):
            raise ValueError("MAIL_FROM has no usable address")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SMTPSettings:
        """Read ``SMTP_*`` and ``MAIL_FROM`` from the app's configuration."""
        return cls(
            host=config["SMTP_HOST"],
            port=int(config["SMTP_PORT"]),
            security=(config.get("SMTP_SECURITY") or "none").lower(),
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            timeout=float(config.get("SMTP_TIMEOUT") or 30),
            mail_from=config["MAIL_FROM"],
        )

    @property
    def envelope_from(self) -> str:
        """Return the bare address of ``mail_from`` (the envelope sender, where bounces go)."""
        return parseaddr(self.mail_from)[1]


def _recipient(value: str | None) -> str:
    address = (value or "").strip()
    if not ADDRESS_RE.fullmatch(address) or len(address) > 254:
        raise UnsafeMessage("recipient refused: not exactly one plain email address")
    if len(address.partition("@")[0]) > 64:
        raise UnsafeMessage("recipient refused: local part longer than 64 characters")
    return address


def _one_line(value: str) -> str:
    # Subjects are text, not structure: line breaks and controls become spaces.
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", value).split())


def _checked_headers(stored: Mapping[str, Any] | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in (stored or {}).items():
        if not isinstance(value, str):
            raise UnsafeMessage(f"stored header {name!r} is not text")
        if name == "Auto-Submitted":
            if not AUTO_SUBMITTED_RE.fullmatch(value):
                raise UnsafeMessage("stored header Auto-Submitted refused: not an RFC 3834 value")
            headers[name] = value.lower()
        elif name == "In-Reply-To":
            if not FOREIGN_MESSAGE_ID_RE.fullmatch(value):
                raise UnsafeMessage("stored header In-Reply-To refused: not one message id")
            headers[name] = value
        elif name == "References":
            ids = value.split(" ")
            if not value or not all(FOREIGN_MESSAGE_ID_RE.fullmatch(i) for i in ids):
                raise UnsafeMessage("stored header References refused: not a list of message ids")
            if len(ids) > MAX_REFERENCES:
                ids = ids[:1] + ids[-(MAX_REFERENCES - 1) :]
            headers[name] = " ".join(ids)
        else:
            raise UnsafeMessage(f"stored header {str(name)[:40]!r} is not allowed")
    return headers


def _body(text: str) -> tuple[str, str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    if not text.endswith("\n"):
        text += "\n"
    # 7bit only when every line is ASCII and short; otherwise quoted-printable keeps every
    # line under 78 characters and needs no 8BITMIME from the relay.
    plain = text.isascii() and all(len(line) <= 998 for line in text.split("\n"))
    return text, "7bit" if plain else "quoted-printable"


def build_email(message: OutboundMessage, settings: SMTPSettings) -> EmailMessage:
    """Build the RFC 5322 email for one outbox row; raise ``UnsafeMessage`` if it is unsafe."""
    if message.channel != OutboundChannel.EMAIL:
        raise UnsafeMessage(f"not an email (channel {message.channel})")
    recipient = _recipient(message.recipient)
    if not message.message_id or not OWN_MESSAGE_ID_RE.fullmatch(message.message_id):
        # Never invent one: a resent mail must carry the Message-ID stored at queue time.
        raise UnsafeMessage("stored Message-ID missing or malformed")
    headers = _checked_headers(message.headers)

    email = EmailMessage(policy=SMTP_POLICY)
    email["From"] = settings.mail_from
    email["To"] = Address(addr_spec=recipient)
    email["Subject"] = _one_line(message.subject or "")
    # The queue time: a resend after a crash is byte-for-byte the same mail where it matters.
    email["Date"] = format_datetime(message.created_at or utcnow())
    email["Message-ID"] = message.message_id
    for name in ("In-Reply-To", "References", "Auto-Submitted"):
        if name in headers:
            email[name] = headers[name]
    if headers.get("Auto-Submitted", "no") != "no":
        email["X-Auto-Response-Suppress"] = "All"  # Exchange/Outlook: no out-of-office back
    text, cte = _body(message.body or "")
    email.set_content(text, subtype="plain", charset="utf-8", cte=cte)
    return email


def _envelope_recipient(email: EmailMessage) -> str:
    for name in ("Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"):
        if email[name] is not None:
            raise UnsafeMessage(f"refused: a {name} header would widen the recipients")
    to = email.get_all("To") or []
    if len(to) != 1 or len(to[0].addresses) != 1:
        raise UnsafeMessage("refused: exactly one recipient is allowed")
    return _recipient(to[0].addresses[0].addr_spec)


def _answer(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{exc.smtp_code} {text}"


class SMTPConnection:
    """One SMTP session to the relay, opened on the first send and reused for a batch."""

    def __init__(self, settings: SMTPSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _scrub(self, text: str) -> str:
        if self.settings.password:
            text = text.replace(self.settings.password, "***")
        return text

    def open(self) -> None:
        """Connect, secure the session as configured and log in; raise ``ChannelUnavailable``."""
        s = self.settings
        try:
            if s.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            try:
                if s.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.username and s.password:
                    smtp.login(s.username, s.password)
            except BaseException:
                smtp.close()
                raise
        except smtplib.SMTPResponseException as exc:  # greeting, STARTTLS or login refused
            raise ChannelUnavailable(
                self._scrub(f"SMTP {s.host}:{s.port}: {_answer(exc)}"), code=exc.smtp_code
            ) from None
        except (smtplib.SMTPException, OSError) as exc:  # refused, timeout, TLS, no STARTTLS
            raise ChannelUnavailable(
                self._scrub(f"SMTP {s.host}:{s.port} unavailable: {type(exc).__name__}: {exc}")
            ) from None
        self._smtp = smtp

    def send(self, email: EmailMessage) -> None:
        """Send one email to its single recipient; raise Temporary- or PermanentFailure."""
        recipient = _envelope_recipient(email)
        if self._smtp is None:
            self.open()
        assert self._smtp is not None
        try:
            self._smtp.send_message(
                email, from_addr=self.settings.envelope_from, to_addrs=[recipient]
            )
        except smtplib.SMTPRecipientsRefused as exc:
            code, answer = next(iter(exc.recipients.values()))
            text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
            failure = PermanentFailure if code >= 500 else TemporaryFailure
            raise failure(self._scrub(f"recipient refused: {code} {text}"), code=code) from None
        except smtplib.SMTPDataError as exc:  # the message itself refused after DATA
            failure = PermanentFailure if exc.smtp_code >= 500 else TemporaryFailure
            raise failure(
                self._scrub(f"message refused: {_answer(exc)}"), code=exc.smtp_code
            ) from None
        except smtplib.SMTPResponseException as exc:
            # Sender refused and the like: our side or the relay's, not this recipient's.
            raise TemporaryFailure(
                self._scrub(f"SMTP error: {_answer(exc)}"), code=exc.smtp_code
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            # The connection broke mid-send: whether the mail went out is unknown; try again
            # later (with the same Message-ID) on a fresh connection.
            self.close()
            raise TemporaryFailure(
                self._scrub(f"SMTP connection lost: {type(exc).__name__}: {exc}")
            ) from None

    def close(self) -> None:
        """Say QUIT when the server still listens, and drop the connection."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def __enter__(self) -> SMTPConnection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def send_email(email: EmailMessage, settings: SMTPSettings) -> None:
    """Send one email on its own connection; raise ``TemporaryFailure`` or ``PermanentFailure``."""
    with SMTPConnection(settings) as connection:
        connection.send(email)


def deliver_email_batch(
    session: Session,
    settings: SMTPSettings,
    *,
    worker_id: str,
    policy: RetryPolicy,
    now: datetime | None = None,
    limit: int = 20,
    should_stop: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Claim up to ``limit`` due emails and send them over one SMTP connection."""
    with SMTPConnection(settings) as connection:

        def send(message: OutboundMessage) -> None:
            connection.send(build_email(message, settings))

        return deliver_batch(
            session,
            channel=OutboundChannel.EMAIL,
            send=send,
            worker_id=worker_id,
            policy=policy,
            now=now,
            limit=limit,
            should_stop=should_stop,
        )
