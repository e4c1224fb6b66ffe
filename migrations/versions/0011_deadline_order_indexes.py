"""deadline order: the deadline running now, indexed; the priority order per assignee

Revision ID: 0011
Revises: 0010

The queue's "nearest deadline" order sorted by coalesce(verification_due, answer_due): a
complaint in follow-up sorted by a verification deadline met long ago, and at a million
complaints every row was read and sorted (0.7 s). It now sorts by the deadline running now
(models.complaint.DUE_KEY_SQL: verification while diterima/verifikasi, the first answer while
tindak_lanjut and unanswered, a far date otherwise), and the overdue filter is that key below
today, as the overdue sweep reads it. An expression index delivers the order and the overdue
range; (status, key, unit_id) counts the overdue per status. The priority order of one
inspector's work or of the unassigned complaints sorted every open one of them: (assignee_id,
rank, id) delivers it.

The expressions are frozen here as they were written; the model's constants may change later,
a migration may not.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


DUE_KEY = (
    "(COALESCE(CASE WHEN status IN ('diterima', 'verifikasi') THEN verification_due"
    " WHEN status = 'tindak_lanjut' AND answered_at IS NULL THEN answer_due END, '9999-12-31'))"
)
PRIORITY_RANK = (
    "(CASE priority WHEN 'mendesak' THEN 0 WHEN 'tinggi' THEN 1 WHEN 'normal' THEN 2"
    " WHEN 'rendah' THEN 3 ELSE 4 END)"
)


def upgrade():
    op.create_index("ix_complaint_due_key", "complaint", [sa.text(DUE_KEY), "id"])
    op.create_index("ix_complaint_status_due", "complaint", ["status", sa.text(DUE_KEY), "unit_id"])
    op.create_index(
        "ix_complaint_assignee_rank", "complaint", ["assignee_id", sa.text(PRIORITY_RANK), "id"]
    )
    # PostgreSQL gathers statistics on an index's expression only when it analyses the table;
    # a SQLite database analysed before would otherwise weigh the new indexes by guesses.
    bind = op.get_bind()
    analysed = (
        bind.dialect.name != "sqlite"
        or bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
    )
    if analysed:
        op.execute("ANALYZE complaint")


def downgrade():
    op.drop_index("ix_complaint_assignee_rank", table_name="complaint")
    op.drop_index("ix_complaint_status_due", table_name="complaint")
    op.drop_index("ix_complaint_due_key", table_name="complaint")
