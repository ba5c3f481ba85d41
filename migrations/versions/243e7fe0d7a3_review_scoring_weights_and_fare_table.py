"""review: scoring weights (seeded with the programme's priorities) and fare table

Revision ID: 243e7fe0d7a3
Revises: 2493bd27aee6
Create Date: 2026-11-28 04:06:24.133884

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

import sponsorship.models.base


# revision identifiers, used by Alembic.
revision = '243e7fe0d7a3'
down_revision = '2493bd27aee6'
branch_labels = None
depends_on = None

#: The priorities of SPEC section 1 as first weighted; administrators change them later.
#: Frozen here on purpose: a migration must not follow later code.
DEFAULT_WEIGHTS = [
    ('article5_deadline', 30, 3),
    ('article5_extension', 25, None),
    ('article4_stockpile', 20, None),
    ('survivors', 20, None),
    ('not_party', 25, None),
    ('ldc', 15, None),
    ('oda', 5, None),
    ('first_time', 10, None),
    ('gender_balance', 10, None),
    ('speaking', 15, None),
    ('past_no_show', -20, None),
    ('missing_report', -10, None),
]


def upgrade():
    op.create_table('airfares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region', sa.Enum('african', 'asia_pacific', 'eastern_european', 'latin_american_caribbean', 'western_european_others', 'none', name='regionalgroup', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('amount', sponsorship.models.base.ScaledDecimal(scale=4), nullable=False),
    sa.Column('updated_at', sponsorship.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_airfares_amount_positive')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_airfares_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_airfares')),
    sa.UniqueConstraint('region', name=op.f('uq_airfares_region'))
    )
    weights = op.create_table('scoring_weights',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('criterion', sa.Enum('article5_deadline', 'article5_extension', 'article4_stockpile', 'survivors', 'not_party', 'ldc', 'oda', 'first_time', 'gender_balance', 'speaking', 'past_no_show', 'missing_report', name='criterion', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('horizon_years', sa.Integer(), nullable=True),
    sa.Column('updated_at', sponsorship.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('horizon_years IS NULL OR horizon_years BETWEEN 0 AND 50', name=op.f('ck_scoring_weights_horizon_bounded')),
    sa.CheckConstraint('points BETWEEN -1000 AND 1000', name=op.f('ck_scoring_weights_points_bounded')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_scoring_weights_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scoring_weights')),
    sa.UniqueConstraint('criterion', name=op.f('uq_scoring_weights_criterion'))
    )
    now = datetime.now(timezone.utc)
    op.bulk_insert(
        weights,
        [
            {'criterion': c, 'points': p, 'horizon_years': h, 'updated_at': now}
            for c, p, h in DEFAULT_WEIGHTS
        ],
    )


def downgrade():
    op.drop_table('scoring_weights')
    op.drop_table('airfares')
