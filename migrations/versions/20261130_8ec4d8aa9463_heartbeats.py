"""heartbeats: the row /healthz rewrites to prove the database takes writes

Revision ID: 8ec4d8aa9463
Revises: d1989278ecff
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8ec4d8aa9463'
down_revision = 'd1989278ecff'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('heartbeats',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_heartbeats'))
    )


def downgrade():
    op.drop_table('heartbeats')
