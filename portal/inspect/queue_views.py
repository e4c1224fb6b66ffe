"""The queue at /inspektorat and its CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from types import SimpleNamespace

import sqlalchemy as sa
from flask import (
    Response,
    current_app,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from models import Category, Unit, User, UserRole, db
from models.enums import Channel, ComplaintStatus, Privacy, Role

from ..auth.access import can, roles_required
from ..services import audit, queue
from . import bp

HANDLERS = (Role.INSPEKTUR, Role.KOORDINATOR)


@bp.get("")
@roles_required(*HANDLERS)
def queue_page():
    """The queue: filters, search, sort, keyset pages, counts and saved views."""
    f = queue.QueueFilter.from_args(
        request.args, timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"]
    )
    result = queue.page(db.session, f, current_user, cursor=request.args.get("setelah"))
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "setelah"}
    next_url = (
        url_for(".queue_page", **args, setelah=result.next_cursor) if result.next_cursor else None
    )
    return render_template(
        "inspect/queue.html",
        page=result,
        f=f,
        statuses=list(ComplaintStatus),
        channels=list(Channel),
        privacies=list(Privacy),
        units=db.session.scalars(sa.select(Unit).order_by(Unit.name)).all(),
        categories=db.session.scalars(sa.select(Category).order_by(Category.name)).all(),
        officers=_officers(),
        can_export=can(current_user, "queue.export"),
        next_url=next_url,
        export_url=url_for(".export_csv", **args),
    )


def _officers() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(UserRole)
            .where(UserRole.role.in_(HANDLERS), User.active)
            .order_by(User.name)
            .distinct()
        )
    )


EXPORT_COLUMNS = (
    "code",
    "created_at",
    "channel",
    "status",
    "outcome",
    "priority",
    "unit",
    "category",
    "title",
    "privacy",
    "assignee",
    "verification_due",
    "answer_due",
)
IDENTITY_COLUMNS = ("reporter_name", "reporter_email", "reporter_phone")


@bp.get("/ekspor.csv")
@roles_required(*HANDLERS)
def export_csv():
    """The filtered queue as CSV; identities only for roles allowed to export them (audited)."""
    if not can(current_user, "queue.export"):
        return render_template("errors/403.html"), 403
    f = queue.QueueFilter.from_args(
        request.args, timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"]
    )
    with_identity = can(current_user, "export.identity") and request.args.get("identitas") == "1"
    audit.record(
        db.session,
        "antrean.diekspor",
        None,
        current_user,
        filters=request.query_string.decode()[:500],
        identity=with_identity,
    )
    # Plain values: the rows are streamed after this function returns.
    viewer = SimpleNamespace(id=current_user.id, unit_id=current_user.unit_id)
    db.session.commit()

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_COLUMNS + (IDENTITY_COLUMNS if with_identity else ()))
        for c in queue.iter_all(db.session, f, viewer):
            row = [
                c.code,
                c.created_at.isoformat(),
                c.channel.value,
                c.status.value,
                c.outcome.value if c.outcome else "",
                c.priority.value,
                c.unit.slug if c.unit else "",
                c.category.slug if c.category else "",
                _safe_cell(c.title),
                c.privacy.value,
                c.assignee.email if c.assignee else "",
                c.verification_due or "",
                c.answer_due or "",
            ]
            if with_identity:
                hidden = c.privacy == Privacy.ANONIM  # anonymous stays anonymous, even here
                row += [
                    "" if hidden else _safe_cell(c.reporter_name or ""),
                    "" if hidden else (c.reporter_email or ""),
                    "" if hidden else (c.reporter_phone or ""),
                ]
            writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="antrean-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _safe_cell(text: str) -> str:
    """Stop spreadsheet formula injection: a cell must not start with = + - @."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
