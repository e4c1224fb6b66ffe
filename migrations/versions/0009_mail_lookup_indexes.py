"""lookup indexes: email ingest's per-message checks, the queue's counts and priority order

Revision ID: 0009
Revises: 0008

Every incoming mail counts the acknowledgements sent to its sender in the last hour, and asks
whether a message with the same bytes is already stored. Both filtered on unindexed columns,
so each mail scanned the whole outbox or thread table: a cost that grew with the portal's age.

The queue counts complaints per status, overall or within a unit, a channel, a category or an
inspector's own work: ([channel | category_id | assignee_id,] status, unit_id) answer those counts from the index alone, recusal (a check of unit_id) included. Its priority order
sorts by a rank expression, which an expression index delivers in order.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


PRIORITY_RANK = (
    "(CASE priority WHEN 'mendesak' THEN 0 WHEN 'tinggi' THEN 1 WHEN 'normal' THEN 2"
    " WHEN 'rendah' THEN 3 ELSE 4 END)"
)


def upgrade():
    op.create_index(
        "ix_outbound_message_recipient_created",
        "outbound_message",
        ["recipient", "created_at"],
    )
    op.create_index(
        op.f("ix_complaint_message_raw_source_id"), "complaint_message", ["raw_source_id"]
    )
    op.create_index(
        "ix_complaint_assignee_status", "complaint", ["assignee_id", "status", "unit_id"]
    )
    op.create_index("ix_complaint_channel_status", "complaint", ["channel", "status", "unit_id"])
    op.create_index(
        "ix_complaint_category_status", "complaint", ["category_id", "status", "unit_id"]
    )
    op.create_index("ix_complaint_status_unit", "complaint", ["status", "unit_id"])
    op.create_index("ix_complaint_priority_rank", "complaint", [sa.text(PRIORITY_RANK), "id"])


def downgrade():
    op.drop_index("ix_complaint_priority_rank", table_name="complaint")
    op.drop_index("ix_complaint_status_unit", table_name="complaint")
    op.drop_index("ix_complaint_category_status", table_name="complaint")
    op.drop_index("ix_complaint_channel_status", table_name="complaint")
    op.drop_index("ix_complaint_assignee_status", table_name="complaint")
    op.drop_index(op.f("ix_complaint_message_raw_source_id"), table_name="complaint_message")
    op.drop_index("ix_outbound_message_recipient_created", table_name="outbound_message")
