"""Hold inbound messages that cannot become complaints: kept raw with the reason, never dropped.

The raw bytes go to a file under UPLOAD_DIR/quarantine (mode 0400, random name) because a held
message may be large; the row records why it was held and what a person later decided.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import Complaint, QuarantinedMessage, User
from models.enums import Channel, QuarantineStatus, Role

from . import audit
from .errors import NotPermitted, PreconditionFailed

DECIDING_ROLES = (Role.INSPEKTUR, Role.KOORDINATOR)


def hold(
    session: Session,
    *,
    raw: bytes,
    channel: Channel,
    reason: str,
    detail: str | None,
    upload_dir: str | Path,
    message_id: str | None = None,
    now: datetime | None = None,
) -> QuarantinedMessage:
    """Keep ``raw`` with the reason it could not be taken in."""
    directory = Path(upload_dir) / "quarantine"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = secrets.token_hex(16)
    path = directory / name
    path.write_bytes(raw)
    path.chmod(0o400)
    item = QuarantinedMessage(
        channel=channel,
        reason=reason[:40],
        detail=(detail or None) and detail[:2000],
        raw_path=f"quarantine/{name}",
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        message_id=message_id,
        received_at=now or datetime.now(UTC),
    )
    session.add(item)
    session.flush()
    return item


def raw_bytes(item: QuarantinedMessage, upload_dir: str | Path) -> bytes:
    """Return the held message exactly as it arrived."""
    return (Path(upload_dir) / item.raw_path).read_bytes()


def held(session: Session) -> list[QuarantinedMessage]:
    """Return the messages waiting for a decision, oldest first."""
    return list(
        session.scalars(
            sa.select(QuarantinedMessage)
            .where(QuarantinedMessage.status == QuarantineStatus.DITAHAN)
            .order_by(QuarantinedMessage.received_at, QuarantinedMessage.id)
        )
    )


def already_held(
    session: Session, message_id: str | None, sha256: str
) -> QuarantinedMessage | None:
    """Return a held copy of the same message (same Message-ID or same bytes), if any."""
    condition = QuarantinedMessage.sha256 == sha256
    if message_id:
        condition = sa.or_(condition, QuarantinedMessage.message_id == message_id)
    return session.scalar(sa.select(QuarantinedMessage).where(condition).limit(1))


def _check_decider(item: QuarantinedMessage, actor: User | None) -> None:
    if actor is None or not actor.has_role(*DECIDING_ROLES):
        raise NotPermitted(
            _("Hanya inspektur atau koordinator yang dapat memutuskan pesan karantina.")
        )
    if item.status != QuarantineStatus.DITAHAN:
        raise PreconditionFailed(
            _("Pesan karantina ini sudah diputuskan (%(s)s).", s=item.status.value)
        )


def mark_released(
    session: Session,
    item: QuarantinedMessage,
    *,
    complaint: Complaint,
    actor: User,
    now: datetime | None = None,
) -> None:
    """Record that a person released the message into ``complaint``."""
    _check_decider(item, actor)
    item.status = QuarantineStatus.DILEPAS
    item.complaint = complaint
    item.decided_by = actor
    item.decided_at = now or datetime.now(UTC)
    audit.record(session, "karantina.dilepas", item, actor, complaint=complaint.code)


def discard(
    session: Session, item: QuarantinedMessage, *, actor: User, now: datetime | None = None
) -> None:
    """Discard a held message (its raw file stays, for the audit trail)."""
    _check_decider(item, actor)
    item.status = QuarantineStatus.DIBUANG
    item.decided_by = actor
    item.decided_at = now or datetime.now(UTC)
    audit.record(session, "karantina.dibuang", item, actor, reason=item.reason)


def check_decider(item: QuarantinedMessage, actor: User | None) -> None:
    """Raise unless ``actor`` may decide ``item`` now."""
    _check_decider(item, actor)
