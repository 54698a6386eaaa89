"""poll link responses taken

``poll_links.responses_taken`` counts a capped link's responses; storing one raises it by a
conditional UPDATE in the same transaction, so that a cap holds under concurrent posts.

A plain ADD / DROP COLUMN on SQLite too (3.35+), not batch mode: rebuilding ``poll_links``
would drop it, and with foreign keys on that sets every poll response's link to NULL (ON
DELETE SET NULL). So the column keeps its server default.

Revision ID: 05a89ca7564c
Revises: 7f1f56765ec8
Create Date: 2026-11-30 10:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '05a89ca7564c'
down_revision = '7f1f56765ec8'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('poll_links', sa.Column('responses_taken', sa.Integer(), server_default='0', nullable=False))
    op.execute(
        "UPDATE poll_links SET responses_taken = "
        "(SELECT count(*) FROM poll_responses WHERE poll_responses.poll_link_id = poll_links.id)"
    )


def downgrade():
    op.execute("ALTER TABLE poll_links DROP COLUMN responses_taken")
