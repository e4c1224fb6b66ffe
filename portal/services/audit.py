"""Append to the audit trail; every lifecycle decision and identity view goes through here."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from models import AuditEntry, User


def record(
    session: Session,
    action: str,
    obj: Any,
    actor: User | None = None,
    **details: Any,
) -> AuditEntry:
    """Add one audit entry for ``action`` on ``obj`` by ``actor`` (None: the system)."""
    session.flush()  # make sure obj has its id
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=obj.__class__.__name__ if obj is not None else "-",
        object_id=getattr(obj, "id", None),
        details={k: _jsonable(v) for k, v in details.items()} or None,
    )
    session.add(entry)
    return entry


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)
