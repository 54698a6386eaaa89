"""anonymous poll rows apart

Poll responses and their answers move out of ``responses`` and ``answers`` into tables of
their own, keyed by random values (no serial id, and no rowid on SQLite), so that their place
among timed staff rows no longer tells when a worker answered.

Data: existing poll responses get new random keys and are copied in random order; their
answers are numbered within their response. The staff rows that stay are written again in
their order, with answer ids renumbered 1, 2, 3…: gaps where poll answers were would
otherwise show when a poll answer came, and how many rows it had.

SQLite: batch mode rebuilds ``responses`` (copy, drop, rename), and with foreign keys on,
dropping it would delete every staff answer (ON DELETE CASCADE). The answers are set aside
in a temporary table first and put back afterwards. ``poll_links`` must not be rebuilt
while responses point at it: they would lose their link (ON DELETE SET NULL).

Revision ID: 7f1f56765ec8
Revises: 5e4c1a9b7d20
Create Date: 2026-11-30 09:37:19.849406

"""
import uuid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7f1f56765ec8'
down_revision = '5e4c1a9b7d20'
branch_labels = None
depends_on = None

STAFF_COLUMNS = "id, survey_version_id, unit_id, submitted_by_id, channel, submitted_on, submitted_at"
VALUE_COLUMNS = "question_key, repeat_index, part, value_text, value_number, value_date, value_choice"
OLD_CHANNELS = "channel IN ('web', 'offline', 'api', 'poll')"
NEW_CHANNELS = "channel IN ('web', 'offline', 'api')"


def upgrade():
    op.create_table('poll_responses',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('survey_version_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('poll_link_id', sa.Integer(), nullable=True),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('is_settled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['poll_link_id'], ['poll_links.id'], name=op.f('fk_poll_responses_poll_link_id_poll_links'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_version_id'], ['survey_versions.id'], name=op.f('fk_poll_responses_survey_version_id_survey_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_poll_responses_unit_id_units'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_responses')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('poll_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_responses_poll_link_id'), ['poll_link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_poll_responses_submitted_on'), ['submitted_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_poll_responses_survey_version_id'), ['survey_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_poll_responses_unit_id'), ['unit_id'], unique=False)

    op.create_table('poll_answers',
    sa.Column('response_id', sa.Uuid(), nullable=False),
    sa.Column('ordinal', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('question_key', sa.String(length=64), nullable=False),
    sa.Column('repeat_index', sa.Integer(), nullable=True),
    sa.Column('part', sa.String(length=16), nullable=True),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('value_number', sa.Double(), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('value_choice', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['response_id'], ['poll_responses.id'], name=op.f('fk_poll_answers_response_id_poll_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'ordinal', name=op.f('pk_poll_answers')),
    sqlite_with_rowid=False
    )
    _move_poll_rows_out()
    _set_staff_answers_aside()
    _write_staff_responses_again()

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responses_poll_link_id'))
        batch_op.drop_constraint(batch_op.f('fk_responses_poll_link_id_poll_links'), type_='foreignkey')
        batch_op.drop_column('poll_link_id')
        batch_op.drop_constraint(batch_op.f('ck_responses_channel_valid'), type_='check')
        batch_op.create_check_constraint('channel_valid', NEW_CHANNELS)

    # Staff answers back, numbered again without the gaps the poll answers left.
    op.execute(
        f"INSERT INTO answers (id, response_id, {VALUE_COLUMNS}) "
        f"SELECT row_number() OVER (ORDER BY id), response_id, {VALUE_COLUMNS} "
        "FROM stash_answers ORDER BY id"
    )
    op.execute("DROP TABLE stash_answers")
    _reset_answer_sequence()


def _move_poll_rows_out():
    """Copy poll responses (new random keys, random order) and their answers to the new
    tables, then delete them from the staff tables."""
    bind = op.get_bind()
    responses = sa.table("responses", sa.column("id", sa.Uuid()), sa.column("channel", sa.String))
    old_ids = bind.execute(
        sa.select(responses.c.id).where(responses.c.channel == "poll")
    ).scalars().all()
    if not old_ids:
        return
    keys = sa.Table(
        "poll_key_map", sa.MetaData(),
        sa.Column("old_id", sa.Uuid(), primary_key=True),
        sa.Column("new_id", sa.Uuid(), nullable=False),
        prefixes=["TEMPORARY"],
    )
    keys.create(bind)
    bind.execute(keys.insert(), [{"old_id": old, "new_id": uuid.uuid4()} for old in old_ids])
    op.execute(
        "INSERT INTO poll_responses (id, survey_version_id, unit_id, poll_link_id, submitted_on, is_settled) "
        "SELECT k.new_id, r.survey_version_id, r.unit_id, r.poll_link_id, r.submitted_on, TRUE "
        "FROM responses r JOIN poll_key_map k ON k.old_id = r.id ORDER BY random()"
    )
    op.execute(
        f"INSERT INTO poll_answers (response_id, ordinal, {VALUE_COLUMNS}) "
        "SELECT k.new_id, row_number() OVER (PARTITION BY a.response_id ORDER BY a.id) - 1, "
        + ", ".join(f"a.{c}" for c in VALUE_COLUMNS.split(", "))
        + " FROM answers a JOIN poll_key_map k ON k.old_id = a.response_id ORDER BY random()"
    )
    op.execute("DELETE FROM answers WHERE response_id IN (SELECT old_id FROM poll_key_map)")
    op.execute("DELETE FROM responses WHERE channel = 'poll'")
    keys.drop(bind)


def _set_staff_answers_aside():
    op.execute(
        f"CREATE TEMPORARY TABLE stash_answers AS SELECT id, response_id, {VALUE_COLUMNS} FROM answers"
    )
    op.execute("DELETE FROM answers")


def _write_staff_responses_again():
    """Staff responses deleted and inserted again in their order: no hole is left where a
    poll response was (SQLite's rowids, PostgreSQL's row positions and transaction ids)."""
    op.execute(f"CREATE TEMPORARY TABLE stash_responses AS SELECT {STAFF_COLUMNS} FROM responses")
    op.execute("DELETE FROM responses")
    op.execute(
        f"INSERT INTO responses ({STAFF_COLUMNS}) SELECT {STAFF_COLUMNS} FROM stash_responses "
        "ORDER BY submitted_on, submitted_at, id"
    )
    op.execute("DROP TABLE stash_responses")


def _reset_answer_sequence():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('answers', 'id'), "
            "COALESCE(max(id), 1), max(id) IS NOT NULL) FROM answers"
        )


def downgrade():
    op.execute(
        "CREATE TEMPORARY TABLE stash_poll_responses AS "
        "SELECT id, survey_version_id, unit_id, poll_link_id, submitted_on FROM poll_responses"
    )
    op.execute(
        f"CREATE TEMPORARY TABLE stash_poll_answers AS "
        f"SELECT response_id, ordinal, {VALUE_COLUMNS} FROM poll_answers"
    )
    op.drop_table('poll_answers')
    with op.batch_alter_table('poll_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_responses_unit_id'))
        batch_op.drop_index(batch_op.f('ix_poll_responses_survey_version_id'))
        batch_op.drop_index(batch_op.f('ix_poll_responses_submitted_on'))
        batch_op.drop_index(batch_op.f('ix_poll_responses_poll_link_id'))
    op.drop_table('poll_responses')

    _set_staff_answers_aside()
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_responses_channel_valid'), type_='check')
        batch_op.create_check_constraint('channel_valid', OLD_CHANNELS)
        batch_op.add_column(sa.Column('poll_link_id', sa.INTEGER(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_responses_poll_link_id_poll_links'), 'poll_links', ['poll_link_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_responses_poll_link_id'), ['poll_link_id'], unique=False)

    op.execute(
        "INSERT INTO responses (id, survey_version_id, unit_id, poll_link_id, channel, submitted_on) "
        "SELECT id, survey_version_id, unit_id, poll_link_id, 'poll', submitted_on "
        "FROM stash_poll_responses ORDER BY random()"
    )
    op.execute(
        f"INSERT INTO answers (id, response_id, {VALUE_COLUMNS}) "
        f"SELECT id, response_id, {VALUE_COLUMNS} FROM stash_answers ORDER BY id"
    )
    op.execute(
        f"INSERT INTO answers (id, response_id, {VALUE_COLUMNS}) "
        "SELECT (SELECT COALESCE(max(id), 0) FROM stash_answers) "
        "+ row_number() OVER (ORDER BY response_id, ordinal), "
        f"response_id, {VALUE_COLUMNS} FROM stash_poll_answers"
    )
    for table in ("stash_answers", "stash_poll_answers", "stash_poll_responses"):
        op.execute(f"DROP TABLE {table}")
    _reset_answer_sequence()
