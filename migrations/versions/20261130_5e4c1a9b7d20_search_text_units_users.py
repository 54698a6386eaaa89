"""search text of units and users

Revision ID: 5e4c1a9b7d20
Revises: 8ec4d8aa9463
Create Date: 2026-11-30 10:00:00.000000

Units and users get a ``search_text`` column: name and code (username and full name)
folded as survey_app/search.py folds them, so that "dak ha" finds "Đắk Hà" with LIKE on
SQLite and PostgreSQL alike (issue 9, item 6). Existing rows are filled here with a copy
of the folding rule as it stands today; the models keep the column up to date afterwards.
"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e4c1a9b7d20'
down_revision = '8ec4d8aa9463'
branch_labels = None
depends_on = None

_D = str.maketrans({"đ": "d", "ð": "d"})
_SPACES = re.compile(r"[\s\ufeff]+")


def _fold(*parts, limit):
    text = " ".join(p for p in parts if p)
    decomposed = unicodedata.normalize("NFD", text.lower())
    bare = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return _SPACES.sub(" ", bare.translate(_D)).strip(" ")[:limit]


units = sa.table(
    "units", sa.column("id", sa.Integer), sa.column("code", sa.String),
    sa.column("name", sa.String), sa.column("search_text", sa.String),
)
users = sa.table(
    "users", sa.column("id", sa.Integer), sa.column("username", sa.String),
    sa.column("full_name", sa.String), sa.column("search_text", sa.String),
)


def upgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.String(length=255), nullable=False, server_default=''))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.String(length=300), nullable=False, server_default=''))

    connection = op.get_bind()
    for id_, code, name in connection.execute(sa.select(units.c.id, units.c.code, units.c.name)).all():
        connection.execute(units.update().where(units.c.id == id_)
                           .values(search_text=_fold(name, code, limit=255)))
    for id_, username, full_name in connection.execute(
            sa.select(users.c.id, users.c.username, users.c.full_name)).all():
        connection.execute(users.update().where(users.c.id == id_)
                           .values(search_text=_fold(username, full_name, limit=300)))

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.alter_column('search_text', server_default=None)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('search_text', server_default=None)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('search_text')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('search_text')
