"""mail lookups: indexes for the per-message checks of email ingest

Revision ID: 0009
Revises: 0008

Every incoming mail counts the acknowledgements sent to its sender in the last hour, and asks
whether a message with the same bytes is already stored. Both filtered on unindexed columns,
so each mail scanned the whole outbox or thread table: a cost that grew with the portal's age.
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_outbound_message_recipient_created",
        "outbound_message",
        ["recipient", "created_at"],
    )
    op.create_index(
        op.f("ix_complaint_message_raw_source_id"), "complaint_message", ["raw_source_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_complaint_message_raw_source_id"), table_name="complaint_message")
    op.drop_index("ix_outbound_message_recipient_created", table_name="outbound_message")
