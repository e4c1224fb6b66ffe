"""statistics rollup: first verification and answer times, pre-computed counts

Revision ID: 0007
Revises: 0006

The two new complaint columns are filled from the stored events and replies. The rollup's rows
depend on the portal's time zone, a setting, so they are not computed here: when complaints
exist, a marker row asks for a rebuild, which `flask --app portal init-db` and the worker run
(portal/services/stats_rollup.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("answered_at", sa.DateTime(), nullable=True))
    op.create_table(
        "complaint_rollup",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("unit_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("dimension", sa.String(length=24), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "unit_id", "month", "dimension", "key", name=op.f("pk_complaint_rollup")
        ),
    )
    op.create_index(
        "ix_complaint_rollup_dimension_unit",
        "complaint_rollup",
        ["dimension", "unit_id", "month", "count"],
    )
    op.execute(
        "UPDATE complaint SET verified_at = (SELECT min(e.created_at) FROM complaint_event e "
        "WHERE e.complaint_id = complaint.id AND e.action = 'status' "
        "AND e.to_value = 'verifikasi')"
    )
    op.execute(
        "UPDATE complaint SET answered_at = (SELECT min(m.created_at) FROM complaint_message m "
        "WHERE m.complaint_id = complaint.id AND m.kind = 'balasan')"
    )
    op.execute(
        "INSERT INTO complaint_rollup (month, unit_id, dimension, key, count) "
        "SELECT '0000-00', 0, 'stale', '', 1 WHERE EXISTS (SELECT 1 FROM complaint)"
    )


def downgrade():
    op.drop_index("ix_complaint_rollup_dimension_unit", table_name="complaint_rollup")
    op.drop_table("complaint_rollup")
    # Not in batch mode: rebuilding the table on SQLite would drop its full-text triggers.
    op.drop_column("complaint", "answered_at")
    op.drop_column("complaint", "verified_at")
