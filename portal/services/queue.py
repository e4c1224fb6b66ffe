"""The inspectors' queue: filters, search, sorting and keyset pagination, with recusal built in.

A complaint about the unit an inspector works in never appears for that inspector: not in the
list, not in search results, not in the counts. The queue never carries reporter identities.

At scale (a million complaints, bench/triage_scale.py): pages are keyset pages on an index in
the sort order (row-value comparisons, no OFFSET), so page 400 costs what page 1 costs; counts
stop at ``COUNT_CAP`` per status, since an exact COUNT(*) over a million rows costs more than
the whole page and nobody triages by the thousands digit; the page says the count stopped.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from models import Category, Complaint, ComplaintMessage, Unit, User
from models.complaint import DUE_KEY_SQL, PRIORITY_RANK_SQL
from models.enums import Channel, ComplaintStatus, Privacy

OPEN = (
    ComplaintStatus.DITERIMA,
    ComplaintStatus.VERIFIKASI,
    ComplaintStatus.TINDAK_LANJUT,
    ComplaintStatus.PERLU_INFO,
)
SORTS = ("terbaru", "terlama", "tenggat", "prioritas")
PAGE_SIZE = 25
S_OVERDUE_ABLE = (
    ComplaintStatus.DITERIMA,
    ComplaintStatus.VERIFIKASI,
    ComplaintStatus.TINDAK_LANJUT,
)
# A search first probes the filtered queue in its own order: the next PROBE_WINDOW complaints
# after the cursor (read from the queue's index), each checked by id (SQLite: an FTS5 rowid
# seek; PostgreSQL: to_tsvector of that complaint and its messages). A common word fills the
# page there at once, where its half-million-row match set would take seconds to collect and
# sort; when it does not, windows PROBE_GROWTH times larger follow, up to PROBE_LIMIT rows.
# A word with fewer than FEW_MATCHES matches (SQLite: counted, stopping there; PostgreSQL: the
# planner's estimate) skips the probe: its match set is read from the full-text indexes,
# joined to the filter and sorted, which is cheap for a small set.
PROBE_WINDOW = 1000
PROBE_GROWTH = 4
PROBE_LIMIT = {"sqlite": 64_000, "postgresql": 4_000}
FEW_MATCHES = {"sqlite": 5_000, "postgresql": 5_000}
COUNT_CAP = 1000  # counts stop here ("more than 1000"): exact below, bounded work above
# Literal SQL, not a CASE with bound values: each must match its expression index (migrations
# 0009 and 0011) word for word, so that these orders are read from an index, never sorted.
PRIORITY_ORDER = sa.literal_column(f"({PRIORITY_RANK_SQL % 'complaint.priority'})", sa.Integer)
DUE_KEY = sa.literal_column(f"({DUE_KEY_SQL % {'table': 'complaint.'}})", sa.Date)


@dataclass(frozen=True)
class QueueFilter:
    """What the inspector asked for; every field optional."""

    statuses: tuple[ComplaintStatus, ...] = ()
    unit: str | None = None
    category: str | None = None
    channel: Channel | None = None
    privacy: Privacy | None = None
    assignee: str | None = None  # "saya" | "kosong" | a user id
    overdue: bool = False
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    sort: str = "terbaru"
    view: str | None = None  # saved views: "saya", "belum_ditugaskan", "terlambat"
    # Whose calendar "today", "from" and "to" are (deadlines are dates in the portal's zone).
    timezone: str = "UTC"

    @classmethod
    def from_args(cls, args: Mapping[str, Any], *, timezone: str = "UTC") -> QueueFilter:
        """Read a filter from query-string arguments, ignoring anything malformed."""

        def one(name: str) -> str | None:
            value = (args.get(name) or "").strip()
            return value[:200] or None

        def choice(enum, name):
            try:
                return enum(one(name)) if one(name) else None
            except ValueError:
                return None

        statuses = []
        for raw in args.getlist("status") if hasattr(args, "getlist") else []:
            try:
                statuses.append(ComplaintStatus(raw))
            except ValueError:
                continue
        return cls(
            statuses=tuple(statuses),
            unit=one("unit"),
            category=one("kategori"),
            channel=choice(Channel, "kanal"),
            privacy=choice(Privacy, "privasi"),
            assignee=one("petugas"),
            overdue=args.get("terlambat") in ("1", "y", "on"),
            date_from=_date(one("dari")),
            date_to=_date(one("sampai")),
            q=one("q"),
            sort=one("urut") if one("urut") in SORTS else "terbaru",
            view=one("tampilan"),
            timezone=timezone,
        )

    def local_date(self, moment: datetime) -> date:
        """Return the date of ``moment`` on the filter's calendar."""
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    def day_starts(self, day: date) -> datetime:
        """Return the instant ``day`` begins on the filter's calendar."""
        return datetime.combine(day, time.min, ZoneInfo(self.timezone))


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass
class QueueCounts:
    """How many complaints match, per status; a count that reached ``COUNT_CAP`` stopped there."""

    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    capped: frozenset[str] = frozenset()  # statuses whose count stopped at the cap
    total_capped: bool = False  # the total is a lower bound


@dataclass
class QueuePage:
    """One page of the queue, the cursor for the next one, and the counts."""

    items: list[Complaint]
    next_cursor: str | None
    total: int
    by_status: dict[str, int] = field(default_factory=dict)
    capped: frozenset[str] = frozenset()  # statuses whose count stopped at ``cap``
    total_capped: bool = False  # ``total`` is a lower bound
    cap: int = COUNT_CAP


def visible_to(viewer: User) -> sa.ColumnElement[bool]:
    """The recusal rule as SQL: hide complaints about the viewer's own unit."""
    if viewer.unit_id is None:
        return sa.true()
    return sa.or_(Complaint.unit_id.is_(None), Complaint.unit_id != viewer.unit_id)


_TERM = re.compile(r"\w+", re.UNICODE)


def _terms(q: str) -> list[str]:
    return [t.lower() for t in _TERM.findall(q)][:8]


_FTS = sa.table("complaint_fts", sa.column("rowid"))


def _fts_match(terms: list[str]) -> sa.ColumnElement[bool]:
    """``complaint_fts MATCH`` every term as a prefix (quoted: no FTS5 operator survives)."""
    query = " ".join(f'"{t}"*' for t in terms)
    return sa.literal_column("complaint_fts").op("MATCH")(
        sa.bindparam("fts_query", query, unique=True)
    )


def _pg_term(term: str) -> sa.ColumnElement:
    return sa.func.to_tsquery("simple", f"{term}:*")


def search_condition(q: str, dialect: str) -> sa.ColumnElement[bool]:
    """Match every word of ``q`` (as a prefix) in the title, body or any message.

    Full-text indexes do the work: SQLite FTS5 (table ``complaint_fts``, one row per complaint
    whose rowid is the complaint id, kept by triggers; migration 0010) and PostgreSQL GIN
    indexes over ``to_tsvector('simple', …)`` (migration 0005). This reads the whole match set:
    ``page`` probes the queue first (``row_search_condition``) and uses this for rare words.
    """
    terms = _terms(q)
    if not terms:
        return sa.true()
    if dialect == "sqlite":
        return Complaint.id.in_(sa.select(_FTS.c.rowid).where(_fts_match(terms)))
    if dialect == "postgresql":
        # Per word, the ids of the complaints whose text or thread contains it: two GIN
        # bitmap scans. (An OR with a correlated EXISTS would compute to_tsvector row by row.)
        per_term = []
        for t in terms:
            one = _pg_term(t)
            document = sa.func.to_tsvector("simple", Complaint.title + " " + Complaint.body)
            own = sa.select(Complaint.id).where(document.op("@@")(one))
            thread = sa.select(ComplaintMessage.complaint_id).where(
                sa.func.to_tsvector("simple", ComplaintMessage.body).op("@@")(one)
            )
            per_term.append(Complaint.id.in_(sa.union(own, thread)))
        return sa.and_(*per_term)
    return _like_condition(terms)


def row_search_condition(q: str, dialect: str = "postgresql") -> sa.ColumnElement[bool]:
    """The same match as ``search_condition``, checked for one complaint at a time.

    PostgreSQL: to_tsvector of the complaint and its 1–3 messages, cheap for the rows of a probe
    window, ruinous over a million rows: used only inside the probe windows. (SQLite probes a
    window with one FTS5 query instead: see ``_probe_select``.)
    """
    terms = _terms(q)
    if not terms:
        return sa.true()
    if dialect == "sqlite":  # one row: an FTS5 lookup by rowid
        return Complaint.id.in_(sa.select(_FTS.c.rowid).where(_fts_match(terms)))
    per_term = []
    for t in terms:
        one = _pg_term(t)
        document = sa.func.to_tsvector("simple", Complaint.title + " " + Complaint.body)
        in_thread = sa.exists().where(
            ComplaintMessage.complaint_id == Complaint.id,
            sa.func.to_tsvector("simple", ComplaintMessage.body).op("@@")(one),
        )
        per_term.append(sa.or_(document.op("@@")(one), in_thread))
    return sa.and_(*per_term)


def _like_condition(terms: list[str]) -> sa.ColumnElement[bool]:
    conditions = []
    for word in terms:
        pattern = f"%{word}%"
        in_messages = sa.exists().where(
            ComplaintMessage.complaint_id == Complaint.id, ComplaintMessage.body.ilike(pattern)
        )
        conditions.append(
            sa.or_(Complaint.title.ilike(pattern), Complaint.body.ilike(pattern), in_messages)
        )
    return sa.and_(*conditions)


def _conditions(
    session: Session, f: QueueFilter, viewer: User, now: datetime, *, search: bool = True
) -> list:
    conds = [visible_to(viewer)]
    # The overdue view needs no status term: a deadline runs only in an open status, and
    # without one the deadline index serves the view in its own order.
    if f.statuses or f.view in ("saya", "belum_ditugaskan"):
        conds.append(Complaint.status.in_(_wanted_statuses(f)))
    if f.view == "saya" or f.assignee == "saya":
        conds.append(Complaint.assignee_id == viewer.id)
    elif f.view == "belum_ditugaskan" or f.assignee == "kosong":
        conds.append(Complaint.assignee_id.is_(None))
    elif f.assignee and f.assignee.isdigit():
        conds.append(Complaint.assignee_id == int(f.assignee))
    if f.unit:
        # The id first: a plain equality the (unit_id, created_at) index serves.
        unit_id = session.scalar(sa.select(Unit.id).where(Unit.slug == f.unit))
        conds.append(Complaint.unit_id == (unit_id if unit_id is not None else -1))
    if f.category:
        category = session.scalar(sa.select(Category).where(Category.slug == f.category))
        ids = [category.id, *[c.id for c in category.children]] if category else [-1]
        conds.append(Complaint.category_id.in_(ids))
    if f.channel:
        conds.append(Complaint.channel == f.channel)
    if f.privacy:
        conds.append(Complaint.privacy == f.privacy)
    if f.overdue or f.view == "terlambat":
        # Past the deadline running now (an answered complaint's first answer is met).
        conds.append(f.local_date(now) > DUE_KEY)
    if f.date_from:
        conds.append(Complaint.created_at >= f.day_starts(f.date_from))
    if f.date_to:
        conds.append(Complaint.created_at < f.day_starts(f.date_to + timedelta(days=1)))
    if f.q and search:
        conds.append(search_condition(f.q, session.get_bind().dialect.name))
    return conds


def _order(sort: str) -> tuple[sa.ColumnElement, bool, bool]:
    """Return the sort key, whether it ascends, and whether it can be NULL."""
    return {
        "terbaru": (Complaint.created_at, False, False),
        "terlama": (Complaint.created_at, True, False),
        "tenggat": (DUE_KEY, True, False),
        "prioritas": (PRIORITY_ORDER, True, False),
    }[sort]


def _encode(value: Any, ident: int) -> str:
    raw = json.dumps([value.isoformat() if hasattr(value, "isoformat") else value, ident])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode(cursor: str | None) -> tuple[Any, int] | None:
    try:
        value, ident = json.loads(base64.urlsafe_b64decode((cursor or "").encode()))
        return value, int(ident)
    except (ValueError, TypeError):
        return None


def _cursor_value(sort: str, raw: Any) -> Any:
    if raw is None:
        return None
    try:
        if sort in ("terbaru", "terlama"):
            value = datetime.fromisoformat(raw)
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if sort == "tenggat":
            return date.fromisoformat(raw)
        return int(raw)
    except (TypeError, ValueError):
        return None


def _sort_value(sort: str, complaint: Complaint) -> Any:
    if sort in ("terbaru", "terlama"):
        return complaint.created_at
    if sort == "tenggat":
        return complaint.due_key
    return {"mendesak": 0, "tinggi": 1, "normal": 2, "rendah": 3}[complaint.priority.value]


def page_statement(
    session: Session,
    f: QueueFilter,
    viewer: User,
    *,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
    now: datetime | None = None,
) -> sa.Select:
    """Return the SELECT of one page (``size`` + 1 rows, to know whether another follows)."""
    now = now or datetime.now(UTC)
    conds = _conditions(session, f, viewer, now)
    return _ordered_page(sa.select(Complaint).where(*conds), f, cursor, size)


def _probing(session: Session, f: QueueFilter) -> bool:
    dialect = session.get_bind().dialect.name
    return bool(f.q and _terms(f.q)) and dialect in ("sqlite", "postgresql")


def _probe_select(
    session: Session,
    f: QueueFilter,
    viewer: User,
    now: datetime,
    cursor: str | None,
    window: int = PROBE_WINDOW,
) -> sa.Select:
    """The next ``window`` complaints of the queue without the search, each marked.

    Columns: id, status, sort_key (the queue's sort value) and matched. On SQLite the window
    is checked in one FTS5 query over the window's id range (a prefix term's doclist is
    merged once per query, so a per-row lookup would merge it once per row).
    """
    dialect = session.get_bind().dialect.name
    conds = _conditions(session, f, viewer, now, search=False)
    key = _order(f.sort)[0]
    columns = [Complaint.id, Complaint.status, key.label("sort_key")]
    base = _ordered_page(sa.select(*columns).where(*conds), f, cursor, window - 1).cte("probe")
    if dialect != "sqlite":
        # Each text of the window made a tsvector once (two CTEs, each read once per word):
        # its complaints' title and body, and its messages; then, per word, which contain it.
        docs = (
            sa.select(
                Complaint.id.label("id"),
                sa.func.to_tsvector("simple", Complaint.title + " " + Complaint.body).label("v"),
            )
            .join(base, base.c.id == Complaint.id)
            .cte("probe_docs")
        )
        thread = (
            sa.select(
                ComplaintMessage.complaint_id.label("id"),
                sa.func.to_tsvector("simple", ComplaintMessage.body).label("v"),
            )
            .join(base, base.c.id == ComplaintMessage.complaint_id)
            .cte("probe_thread")
        )
        per_term = []
        for t in _terms(f.q or ""):
            one = _pg_term(t)
            per_term.append(
                base.c.id.in_(
                    sa.union(
                        sa.select(docs.c.id).where(docs.c.v.op("@@")(one)),
                        sa.select(thread.c.id).where(thread.c.v.op("@@")(one)),
                    )
                )
            )
        matched = sa.and_(*per_term) if per_term else sa.true()
        return sa.select(base.c.id, base.c.status, base.c.sort_key, matched.label("matched"))
    in_range = sa.select(_FTS.c.rowid).where(
        _fts_match(_terms(f.q or "")),
        _FTS.c.rowid.between(
            sa.select(sa.func.min(base.c.id)).scalar_subquery(),
            sa.select(sa.func.max(base.c.id)).scalar_subquery(),
        ),
    )
    return sa.select(
        base.c.id, base.c.status, base.c.sort_key, base.c.id.in_(in_range).label("matched")
    )


def _probe_window(
    session: Session, f: QueueFilter, viewer: User, now: datetime, cursor: str | None
) -> sa.Subquery:
    """The next ``PROBE_WINDOW`` complaints of the queue without the search, each marked.

    When ``page`` has just probed this very window (same filter, viewer, moment and cursor),
    its matches are reused: a few primary-key reads instead of the same probe twice.
    """
    known = session.info.pop(_probe_key(f, viewer, now, cursor), None)
    if known is not None:
        return (
            sa.select(Complaint.id, Complaint.status, sa.true().label("matched"))
            .where(Complaint.id.in_(known))
            .subquery()
        )
    return _probe_select(session, f, viewer, now, cursor).subquery()


def _probe_key(f: QueueFilter, viewer: User, now: datetime, cursor: str | None) -> tuple:
    return ("queue.probe", f, viewer.id, viewer.unit_id, now, cursor)


def _in_queue_order(f: QueueFilter, rows: list) -> list:
    """Sort probe rows as the queue does (the SQL order of a subquery is not promised)."""
    _, ascending, nullable = _order(f.sort)
    if nullable:  # ascending, NULLs last, then id
        return sorted(rows, key=lambda r: (r.sort_key is None, r.sort_key or 0, r.id))
    return sorted(rows, key=lambda r: (r.sort_key, r.id), reverse=not ascending)


def _few_matches(session: Session, q: str) -> bool:
    """Whether the whole match set of ``q`` is small (a bounded count: cheap either way)."""
    dialect = session.get_bind().dialect.name
    bound = FEW_MATCHES.get(dialect, 0)
    if bound <= 0:
        return False
    if dialect == "postgresql":
        # A bounded count would build each word's whole GIN bitmap (a fifth of a second for a
        # common word); the planner's estimate (from ANALYZE's most common lexemes) is free and
        # only chooses the path, never the answer. The match set is at most the rarest word's.
        return min(_pg_estimate(session, t) for t in _terms(q)) < bound
    # FTS5 walks the doclists lazily: this stops after ``bound`` matches.
    some = sa.select(_FTS.c.rowid).where(_fts_match(_terms(q))).limit(bound).subquery()
    return session.scalar(sa.select(sa.func.count()).select_from(some)) < bound


_PG_ESTIMATES = (
    "EXPLAIN (FORMAT JSON) SELECT 1 FROM complaint "
    "WHERE to_tsvector('simple', title || ' ' || body) @@ to_tsquery('simple', :q)",
    "EXPLAIN (FORMAT JSON) SELECT 1 FROM complaint_message "
    "WHERE to_tsvector('simple', body) @@ to_tsquery('simple', :q)",
)


def _pg_estimate(session: Session, term: str) -> float:
    """The planner's estimate of the complaints whose text or thread contains ``term``."""
    total = 0.0
    for explain in _PG_ESTIMATES:
        plan = session.execute(sa.text(explain), {"q": f"{term}:*"}).scalar()
        if isinstance(plan, str):
            plan = json.loads(plan)
        total += plan[0]["Plan"]["Plan Rows"]
    return total


def _search_ids(
    session: Session,
    f: QueueFilter,
    viewer: User,
    now: datetime,
    cursor: str | None,
    size: int,
    *,
    remember: bool = False,
) -> list[int] | None:
    """The ids of the next ``size`` + 1 matches in queue order by probing, or None.

    ``remember``: keep the first window's matches for ``counts`` (see ``_probe_window``).

    None means probing would cost more than reading the match set: a word with few matches,
    or one that the filtered queue's next ``PROBE_LIMIT`` complaints hardly contain.
    """
    dialect = session.get_bind().dialect.name
    if _few_matches(session, f.q or ""):
        return None
    window = max(PROBE_WINDOW, size + 1)
    while True:
        found = _in_queue_order(
            f, session.execute(_probe_select(session, f, viewer, now, cursor, window)).all()
        )
        ids = [row.id for row in found if row.matched]
        if remember and window == PROBE_WINDOW and cursor is None:  # what ``counts`` probes
            session.info[_probe_key(f, viewer, now, cursor)] = ids
        if len(ids) > size or len(found) < window:  # a full page, or the end of the queue
            return ids[: size + 1]
        if window >= PROBE_LIMIT.get(dialect, PROBE_WINDOW):
            return None
        # Probe again from the cursor, wider: a word this sparse here may be sparser still.
        window *= PROBE_GROWTH


def _ordered_page(stmt: sa.Select, f: QueueFilter, cursor: str | None, size: int) -> sa.Select:
    key, ascending, nullable = _order(f.sort)
    after = _decode(cursor)
    if after is not None:
        value = _cursor_value(f.sort, after[0])
        if nullable and value is None:
            stmt = stmt.where(
                key.is_(None), Complaint.id > after[1] if ascending else Complaint.id < after[1]
            )
        elif nullable:
            stmt = stmt.where(
                sa.or_(key > value, sa.and_(key == value, Complaint.id > after[1]), key.is_(None))
            )
        elif value is not None:
            # A row-value comparison: one range on the (key, id) index, however deep the page.
            row = sa.tuple_(key, Complaint.id)
            stmt = stmt.where(row > (value, after[1]) if ascending else row < (value, after[1]))
    if nullable:
        order = [key.asc().nulls_last(), Complaint.id.asc()]
    else:  # NOT NULL keys: a plain ORDER BY, which an index can deliver without sorting
        order = [key.asc(), Complaint.id.asc()] if ascending else [key.desc(), Complaint.id.desc()]
    return stmt.order_by(*order).limit(size + 1)


def counts(
    session: Session,
    f: QueueFilter,
    viewer: User,
    *,
    now: datetime | None = None,
    cap: int = COUNT_CAP,
) -> QueueCounts:
    """Count the matching complaints per status, each count stopping at ``cap``.

    One statement of one bounded subquery per status: at most ``cap`` + 1 index entries each,
    whatever the size of the table. The status filter itself does not apply (the badges show
    every status); the total is the sum over the statuses asked for.
    """
    now = now or datetime.now(UTC)
    base = _conditions(session, QueueFilter(**{**f.__dict__, "statuses": ()}), viewer, now)
    wanted = {s.value for s in _wanted_statuses(f)}
    if f.q and _probing(session, f):
        window = _probe_window(session, f, viewer, now, None)
        matched = list(session.scalars(sa.select(window.c.status).where(window.c.matched)))
        if len(matched) >= PAGE_SIZE:  # a common word: this many in the window, more beyond
            tally: dict[str, int] = {}
            return QueueCounts(len(matched) - 1, tally, frozenset(), True)
    if f.q:
        # A search runs once: the statuses of at most ``cap`` + 1 matches, counted here (the
        # badges then cover the statuses asked for).
        conds = _conditions(session, f, viewer, now)
        sample = list(session.scalars(sa.select(Complaint.status).where(*conds).limit(cap + 1)))
        if len(sample) > cap:
            return QueueCounts(cap, {}, frozenset(), True)
        tally: dict[str, int] = {}
        for status in sample:
            tally[status.value] = tally.get(status.value, 0) + 1
        return QueueCounts(len(sample), tally)
    # Only the statuses the filter can match: a bounded count over a status the filter
    # excludes would scan its whole partition to find nothing.
    statuses = [s for s in ComplaintStatus if s.value in wanted or not (f.statuses or f.view)]
    if f.overdue or f.view == "terlambat":
        statuses = [s for s in statuses if s in (S_OVERDUE_ABLE)]
    columns = []
    for status in statuses:
        bounded = (
            sa.select(sa.literal(1)).where(*base, Complaint.status == status).limit(cap + 1)
        ).subquery()
        columns.append(sa.select(sa.func.count()).select_from(bounded).scalar_subquery())
    row = session.execute(sa.select(*columns)).one()
    by_status = {s.value: min(n, cap) for s, n in zip(statuses, row, strict=True) if n}
    capped = frozenset(s.value for s, n in zip(statuses, row, strict=True) if n > cap)
    total = sum(n for status, n in by_status.items() if status in wanted)
    return QueueCounts(total, by_status, capped, bool(capped & wanted))


def _wanted_statuses(f: QueueFilter) -> tuple[ComplaintStatus, ...]:
    if f.view in ("saya", "belum_ditugaskan", "terlambat") and not f.statuses:
        return OPEN
    return f.statuses or tuple(ComplaintStatus)


def page(
    session: Session,
    f: QueueFilter,
    viewer: User,
    *,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
    now: datetime | None = None,
    with_counts: bool = True,
) -> QueuePage:
    """Return one page of the queue after ``cursor`` (keyset pagination: deep pages stay cheap)."""
    now = now or datetime.now(UTC)
    options = (
        selectinload(Complaint.unit).selectinload(Unit.parent),
        selectinload(Complaint.category),
        selectinload(Complaint.assignee),
    )
    rows = None
    ids = None
    if _probing(session, f):
        ids = _search_ids(session, f, viewer, now, cursor, size, remember=with_counts)
    if ids is not None:
        by_id = {
            c.id: c
            for c in session.scalars(
                sa.select(Complaint).where(Complaint.id.in_(ids)).options(*options)
            )
        }
        rows = [by_id[i] for i in ids]
    if rows is None:  # no search, or its match set is the cheaper way: one ordered statement
        stmt = page_statement(session, f, viewer, cursor=cursor, size=size, now=now)
        rows = list(session.scalars(stmt.options(*options)))
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = _encode(_sort_value(f.sort, last), last.id)
    if not with_counts:
        return QueuePage(rows, next_cursor, 0)
    counted = counts(session, f, viewer, now=now)
    session.info.pop(_probe_key(f, viewer, now, cursor), None)  # unused: let it go
    return QueuePage(
        rows, next_cursor, counted.total, counted.by_status, counted.capped, counted.total_capped
    )


def iter_all(session: Session, f: QueueFilter, viewer: User, *, batch: int = 500):
    """Yield every complaint matching the filter, in pages (for exports)."""
    cursor = None
    while True:
        result = page(session, f, viewer, cursor=cursor, size=batch, with_counts=False)
        yield from result.items
        if result.next_cursor is None:
            return
        cursor = result.next_cursor
