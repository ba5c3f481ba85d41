"""people and co-funding: persons linking delegates; an award's co-funded share and pin

A person links the delegates (participations) of the same human being across
meetings; existing delegates of submitted applications are linked here by the
matching rule (`sponsorship.people.matching.group`: passport, else e-mail). An award
may carry a share paid by the State or another body (the fund commits the rest) and
the contribution an administrator pinned it to.

Revision ID: e4c19a7b2d30
Revises: e4b9a2c7d1f3
Create Date: 2026-12-03 06:00:00
"""

import sqlalchemy as sa

import sponsorship.models.base
from alembic import op

# revision identifiers, used by Alembic.
revision = "e4c19a7b2d30"
down_revision = "e4b9a2c7d1f3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sponsorship.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
    )
    with op.batch_alter_table("delegates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_delegates_person_id"), ["person_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_delegates_person_id_persons"),
            "persons",
            ["person_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cofunded_by", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column(
                "cofunded_amount",
                sponsorship.models.base.ScaledDecimal(scale=4),
                server_default="0",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("pinned_contribution_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_awards_pinned_contribution_id_contributions"),
            "contributions",
            ["pinned_contribution_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_awards_cofunded_positive"), "cofunded_amount >= 0"
        )
    _link_people()


def _link_people():
    """Backfill: every delegate of a submitted application linked to a person."""
    from datetime import UTC, datetime

    from sponsorship.people.matching import group

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT d.id, d.passport_number, d.email, d.name FROM delegates d"
            " JOIN applications a ON a.id = d.application_id"
            " WHERE a.status != 'draft' ORDER BY d.id"
        )
    ).all()
    names = {r[0]: r[3] for r in rows}
    persons = sa.table(
        "persons", sa.column("id"), sa.column("name"), sa.column("created_at", sponsorship.models.base.UTCDateTime())
    )
    now = datetime.now(UTC)
    for members in group((r[0], r[1], r[2]) for r in rows):
        person_id = bind.execute(
            persons.insert()
            .values(name=names[members[-1]][:200], created_at=now)
            .returning(persons.c.id)
        ).scalar_one()
        bind.execute(
            sa.text("UPDATE delegates SET person_id = :p WHERE id = :d"),
            [{"p": person_id, "d": d} for d in members],
        )


def downgrade():
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_awards_cofunded_positive"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_awards_pinned_contribution_id_contributions"), type_="foreignkey"
        )
        batch_op.drop_column("pinned_contribution_id")
        batch_op.drop_column("cofunded_amount")
        batch_op.drop_column("cofunded_by")
    with op.batch_alter_table("delegates", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_delegates_person_id_persons"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_delegates_person_id"))
        batch_op.drop_column("person_id")
    op.drop_table("persons")
