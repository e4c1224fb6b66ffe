"""Commit a unit of work, redoing it once when a concurrent writer changed the same complaint.

Complaint rows carry a version (``updated_at``) that every UPDATE checks. A reporter's reply
racing an inspector's status change must not fail: the reply is simply redone on the fresh row.
Inspector actions do not use this: an inspector is told and looks again (see triage).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

T = TypeVar("T")


def commit_with_retry(session: Session, work: Callable[[], T], attempts: int = 3) -> T:
    """Run ``work`` and commit; on a version conflict roll back and run it again."""
    for attempt in range(attempts):
        try:
            result = work()
            session.commit()
            return result
        except StaleDataError:
            session.rollback()
            session.expire_all()
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
