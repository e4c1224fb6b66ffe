"""telegram bot: conversations, chat data, message links, blocked chats

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bot_conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bot_conversation')),
    sa.UniqueConstraint('name', 'key', name=op.f('uq_bot_conversation_name_key'))
    )
    op.create_table('bot_chat_data',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_bot_chat_data'))
    )
    op.create_table('bot_message_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_bot_message_link_complaint_id_complaint')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bot_message_link')),
    sa.UniqueConstraint('chat_id', 'message_id', name=op.f('uq_bot_message_link_chat_id_message_id'))
    )
    with op.batch_alter_table('bot_message_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bot_message_link_complaint_id'), ['complaint_id'], unique=False)

    op.create_table('bot_blocked_chat',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('blocked_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_bot_blocked_chat'))
    )


def downgrade():
    op.drop_table('bot_blocked_chat')
    with op.batch_alter_table('bot_message_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bot_message_link_complaint_id'))

    op.drop_table('bot_message_link')
    op.drop_table('bot_chat_data')
    op.drop_table('bot_conversation')
