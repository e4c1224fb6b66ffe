"""Full-text search over complaints and their messages (SQLite FTS5, PostgreSQL tsvector).

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SQLITE_UP = [
    # One row per searchable part: the complaint itself ('c') and each message ('m').
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
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS complaint_message_fts_ad",
    "DROP TRIGGER IF EXISTS complaint_message_fts_ai",
    "DROP TRIGGER IF EXISTS complaint_fts_ad",
    "DROP TRIGGER IF EXISTS complaint_fts_au",
    "DROP TRIGGER IF EXISTS complaint_fts_ai",
    "DROP TABLE IF EXISTS complaint_fts",
]
POSTGRES_UP = [
    "CREATE INDEX ix_complaint_fulltext ON complaint USING gin "
    "(to_tsvector('simple', title || ' ' || body))",
    "CREATE INDEX ix_complaint_message_fulltext ON complaint_message USING gin "
    "(to_tsvector('simple', body))",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_complaint_message_fulltext",
    "DROP INDEX IF EXISTS ix_complaint_fulltext",
]


def upgrade():
    statements = SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP
    for statement in statements:
        op.execute(statement)


def downgrade():
    statements = SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN
    for statement in statements:
        op.execute(statement)
