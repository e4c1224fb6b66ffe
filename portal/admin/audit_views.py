"""The audit trail, for admin_zi: read-only, filterable, newest first."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import render_template, request

from models import AuditEntry, User, db
from models.enums import Role

from ..auth.access import roles_required
from . import bp

PAGE = 100


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/audit")
@roles_required(Role.ADMIN_ZI)
def audit_log():
    """Every audited action; filter by action, person, object and dates; page by id."""
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    action = (request.args.get("aksi") or "").strip()[:60]
    actor = (request.args.get("oleh") or "").strip().lower()[:254]
    object_type = (request.args.get("objek") or "").strip()[:40]
    since, until = _day(request.args.get("dari")), _day(request.args.get("sampai"))
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    if actor:
        stmt = stmt.where(AuditEntry.actor_id.in_(sa.select(User.id).where(User.email == actor)))
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if since:
        stmt = stmt.where(AuditEntry.created_at >= datetime.combine(since, time.min, UTC))
    if until:
        stmt = stmt.where(
            AuditEntry.created_at < datetime.combine(until, time.min, UTC) + timedelta(days=1)
        )
    before = request.args.get("sebelum", "")
    if before.isdigit():
        stmt = stmt.where(AuditEntry.id < int(before))
    entries = list(db.session.scalars(stmt.limit(PAGE + 1)))
    more = len(entries) > PAGE
    entries = entries[:PAGE]
    actors = {
        u.id: u
        for u in db.session.scalars(
            sa.select(User).where(User.id.in_({e.actor_id for e in entries if e.actor_id}))
        )
    }
    actions = db.session.scalars(
        sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    ).all()
    return render_template(
        "admin/audit.html",
        entries=entries,
        actors=actors,
        actions=actions,
        next_before=entries[-1].id if more and entries else None,
    )
