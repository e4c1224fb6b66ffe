"""search by complaint: one SQLite FTS5 row per complaint, its rowid the complaint id

Revision ID: 0010
Revises: 0009

Migration 0005 kept one FTS5 row per complaint and per message, keyed by an arbitrary rowid,
so a search had to collect every match (half a million for a common word), map each to its
complaint and sort them all before the first page. Here the FTS5 rowid IS the complaint id and
the row holds the whole searchable text (``doc``: title and body; ``thread``: every message,
internal notes included), so the queue can ask "does complaint 123 match?" as a rowid seek
and walk its own index in queue order (portal/services/queue.py), or read a rare word's few
matches straight from the index. Two columns, so a phrase never spans the body and the thread.

Triggers keep the row current: a complaint's insert, title/body change and delete; a message's
insert, body change and delete rebuild the row from the complaint and its messages.
PostgreSQL is untouched (its GIN indexes of 0005 already index per complaint and per message).
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The searchable text of complaint ``{id}``, as (doc, thread); no row when it does not exist.
_SOURCE = (
    "SELECT c.id, c.title || ' ' || c.body, "
    "(SELECT group_concat(m.body, ' ') FROM complaint_message m WHERE m.complaint_id = c.id) "
    "FROM complaint c WHERE c.id = {id}"
)


def _rebuild(ident: str) -> str:  # ident: a trigger row reference, never input
    return (
        f"DELETE FROM complaint_fts WHERE rowid = {ident}; "  # noqa: S608 - constant SQL
        f"INSERT INTO complaint_fts(rowid, doc, thread) {_SOURCE.format(id=ident)}; "
    )


SQLITE_TRIGGERS = [
    "CREATE TRIGGER complaint_fts_ai AFTER INSERT ON complaint BEGIN " + _rebuild("new.id") + "END",
    "CREATE TRIGGER complaint_fts_au AFTER UPDATE OF title, body ON complaint BEGIN "
    + _rebuild("new.id")
    + "END",
    "CREATE TRIGGER complaint_fts_ad AFTER DELETE ON complaint BEGIN "
    "DELETE FROM complaint_fts WHERE rowid = old.id; END",
    "CREATE TRIGGER complaint_message_fts_ai AFTER INSERT ON complaint_message BEGIN "
    + _rebuild("new.complaint_id")
    + "END",
    "CREATE TRIGGER complaint_message_fts_au AFTER UPDATE OF body, complaint_id "
    "ON complaint_message BEGIN "
    + _rebuild("old.complaint_id")
    + _rebuild("new.complaint_id")
    + "END",
    "CREATE TRIGGER complaint_message_fts_ad AFTER DELETE ON complaint_message BEGIN "
    + _rebuild("old.complaint_id")
    + "END",
]
SQLITE_TRIGGER_NAMES = [
    "complaint_fts_ai",
    "complaint_fts_au",
    "complaint_fts_ad",
    "complaint_message_fts_ai",
    "complaint_message_fts_au",
    "complaint_message_fts_ad",
]
# Filled in one pass: the messages grouped once (by the complaint_id index), not per complaint.
SQLITE_FILL = (
    "INSERT INTO complaint_fts(rowid, doc, thread) "
    "SELECT c.id, c.title || ' ' || c.body, t.thread FROM complaint c LEFT JOIN ("
    "SELECT complaint_id, group_concat(body, ' ') AS thread FROM complaint_message "
    "GROUP BY complaint_id) t ON t.complaint_id = c.id ORDER BY c.id"
)
SQLITE_UP = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGER_NAMES),
    "DROP TABLE IF EXISTS complaint_fts",
    "CREATE VIRTUAL TABLE complaint_fts USING fts5("
    "doc, thread, tokenize = 'unicode61 remove_diacritics 2')",
    SQLITE_FILL,
    "INSERT INTO complaint_fts(complaint_fts) VALUES ('optimize')",
    *SQLITE_TRIGGERS,
]
# Migration 0005's design, as it was (the downgrade restores it).
SQLITE_0005 = [
    "CREATE VIRTUAL TABLE complaint_fts USING fts5("
    "text, complaint_id UNINDEXED, part UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER complaint_fts_ai AFTER INSERT ON complaint BEGIN "
    "INSERT INTO complaint_fts(text, complaint_id, part) "
    "VALUES (new.title || ' ' || new.body, new.id, 'c'); END",
    "CREATE TRIGGER complaint_fts_au AFTER UPDATE OF title, body ON complaint BEGIN "
    "DELETE FROM complaint_fts WHERE complaint_id = old.id AND part = 'c'; "
    "INSERT INTO complaint_fts(text, complaint_id, part) "
    "VALUES (new.title || ' ' || new.body, new.id, 'c'); END",
    "CREATE TRIGGER complaint_fts_ad AFTER DELETE ON complaint BEGIN "
    "DELETE FROM complaint_fts WHERE complaint_id = old.id; END",
    "CREATE TRIGGER complaint_message_fts_ai AFTER INSERT ON complaint_message BEGIN "
    "INSERT INTO complaint_fts(text, complaint_id, part) "
    "VALUES (new.body, new.complaint_id, 'm'); END",
    "CREATE TRIGGER complaint_message_fts_ad AFTER DELETE ON complaint_message BEGIN "
    "DELETE FROM complaint_fts WHERE complaint_id = old.complaint_id AND part = 'm' "
    "AND text = old.body; END",
    "INSERT INTO complaint_fts(text, complaint_id, part) "
    "SELECT title || ' ' || body, id, 'c' FROM complaint",
    "INSERT INTO complaint_fts(text, complaint_id, part) "
    "SELECT body, complaint_id, 'm' FROM complaint_message",
]


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in SQLITE_UP:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    # Back to the 0005 design: one row per complaint ('c') and per message ('m').
    for name in SQLITE_TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS complaint_fts")
    for statement in SQLITE_0005:
        op.execute(statement)
