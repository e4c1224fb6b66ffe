"""queue indexes: (filter column, created_at, id) in the order the inspectors' queue reads

Revision ID: 0008
Revises: 0007

The queue lists complaints newest first and pages with a row-value cursor on (created_at, id).
Each of these indexes delivers that order directly, alone (the default queue) or after an
equality on the status, the assignee or the unit, so a page is LIMIT 26 rows of one index
range, at any depth, over a million complaints (bench/triage_scale.py). They replace the
single-column indexes on the same leading columns, which they cover.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# (new index, its columns, the single-column index it replaces, that index's column)
INDEXES = (
    ("ix_complaint_created_at_id", ["created_at", "id"], "ix_complaint_created_at", "created_at"),
    (
        "ix_complaint_status_created_at",
        ["status", "created_at", "id"],
        "ix_complaint_status",
        "status",
    ),
    (
        "ix_complaint_assignee_created_at",
        ["assignee_id", "created_at", "id"],
        "ix_complaint_assignee_id",
        "assignee_id",
    ),
    (
        "ix_complaint_unit_created_at",
        ["unit_id", "created_at", "id"],
        "ix_complaint_unit_id",
        "unit_id",
    ),
)


def upgrade():
    for name, columns, old, _ in INDEXES:
        op.create_index(name, "complaint", columns, unique=False)
        op.drop_index(old, table_name="complaint")


def downgrade():
    for name, _, old, column in reversed(INDEXES):
        op.create_index(old, "complaint", [column], unique=False)
        op.drop_index(name, table_name="complaint")
