"""Writing the history import's ledger plan (`history.ledger_plan`) in a few batched
statements: the awards and the allocation rows (their ids read back in order, as the
audit events name them), the cost lines, the audit events, then one balance move per
contribution the plan touched.

The balances move by increments in SQL (``committed = committed + x``), as the live
ledger's `move` does, so the table's CHECK sees the true sums.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from sponsorship.core.audit import event_values
from sponsorship.extensions import db
from sponsorship.history.ledger_plan import LedgerPlan, PlannedAward
from sponsorship.models import (
    Allocation,
    AuditEvent,
    Award,
    AwardCostLine,
    Contribution,
    Delegate,
)
from sponsorship.models.base import utcnow

#: Rows per batched INSERT ... RETURNING: SQLAlchemy splices the ids of its internal
#: batches together again for each one (quadratic over one call of 37,000 rows).
CHUNK = 1000


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _processor(column_type, dialect):
    """A column's bind processing for COPY's text rows: JSON as its text (psycopg's
    dialect leaves that to the driver's adapter, which COPY does not use)."""
    if isinstance(column_type, sa.JSON):
        dumps = dialect._json_serializer or json.dumps
        if column_type.none_as_null:
            return lambda value: None if value is None else dumps(value)
        return dumps  # None is JSON's null, as an INSERT writes it
    return column_type.bind_processor(dialect)


def _copy(table: sa.Table, rows: list[dict]) -> None:
    """COPY `rows` into `table` (PostgreSQL): several times faster than an executemany
    of INSERTs. The values go through each column's own bind processing (scaled
    amounts, enums' values, JSON), and a column left out gets its Python default."""
    connection = db.session.connection()
    dialect = connection.dialect
    given = list(rows[0])
    defaults = [c for c in table.columns if c.name not in given and c.default is not None]
    names = given + [c.name for c in defaults]
    processors = [_processor(table.c[name].type, dialect) for name in names]
    quote = dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            values = [row[name] for name in given]
            values += [
                c.default.arg(None) if c.default.is_callable else c.default.arg for c in defaults
            ]
            copy.write_row([p(v) if p else v for p, v in zip(processors, values, strict=True)])


def insert_rows(model, rows: list[dict]) -> None:
    """Insert `rows` into the model's table (or a table) in one go, through the table
    (the ORM's bookkeeping per row costs more than the insert): COPY on PostgreSQL, an
    executemany on SQLite."""
    table = getattr(model, "__table__", model)
    if not rows:
        return
    if _postgres():
        _copy(table, rows)
    else:
        db.session.connection().execute(sa.insert(table), rows)


def inserted_ids(model, rows: list[dict]) -> list[int]:
    """Insert `rows`; their ids, in the rows' order (ascending: the order the rows were
    made in). PostgreSQL takes the ids from the table's sequence first, then COPYs."""
    table = model.__table__
    if not rows:
        return []
    if _postgres():
        ids = sorted(
            db.session.scalars(
                sa.text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": table.name, "n": len(rows)},
            )
        )
        _copy(table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        return ids
    stmt = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    connection = db.session.connection()
    found: list[int] = []
    for start in range(0, len(rows), CHUNK):
        found += connection.execute(stmt, rows[start : start + CHUNK]).scalars()
    return found


def _award_values(award: PlannedAward) -> dict:
    return {
        "delegate_id": award.delegate.id,
        "reference": award.reference,
        "status": award.status,
        "offered_at": award.offered_at,
        "responded_at": award.responded_at,
        "decision_reason": award.decision_reason,
        "report_received_at": award.report_received_at,
        "reconciled_at": award.reconciled_at,
        "created_at": award.created_at,
        "cofunded_amount": award.cofunded_amount,
    }


def _write_awards(plan: LedgerPlan) -> list[PlannedAward]:
    awards = [a for a in plan.awards.values() if a.id is None]
    ids = inserted_ids(Award, [_award_values(a) for a in awards])
    for award, award_id in zip(awards, ids, strict=True):
        award.id = award_id
    lines = [{**line, "award_id": a.id} for a in awards for line in a.lines]
    insert_rows(AwardCostLine, lines)
    return awards


def _write_allocations(plan: LedgerPlan) -> None:
    rows = sorted(plan.allocations, key=lambda a: a.seq)
    actor_id = plan.actor.id if plan.actor is not None else None
    now = utcnow()
    values = [
        {
            "contribution_id": a.held.id,
            "award_id": a.award.id,
            "amount": a.amount,
            "status": a.status,
            # An offer's rows carry its day; the others the day of the import, as the
            # column's default gives live rows.
            "created_at": a.created_at or now,
            "settled_at": a.settled_at,
            "created_by_id": actor_id,
        }
        for a in rows
    ]
    # The ids follow the order the rows were made in, as live (the ledger sorts an
    # award's rows by id).
    for a, allocation_id in zip(rows, inserted_ids(Allocation, values), strict=True):
        a.id = allocation_id


def _write_events(plan: LedgerPlan) -> None:
    values = [
        event_values(
            plan.actor,
            e.action,
            e.obj.audit_type,
            e.obj.id,
            e.before,
            e.after,
        )
        for e in plan.events
    ]
    insert_rows(AuditEvent, values)


def _move_balances(plan: LedgerPlan) -> None:
    moves = {
        held.id: (held.committed - held.start_committed, held.spent - held.start_spent)
        for held in plan.held.values()
        if held.moved
    }
    if not moves:
        return
    table = Contribution.__table__
    stmt = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("cid"))
        .values(
            committed=table.c.committed + sa.bindparam("dc", type_=table.c.committed.type),
            spent=table.c.spent + sa.bindparam("ds", type_=table.c.spent.type),
        )
    )
    db.session.connection().execute(
        stmt, [{"cid": cid, "dc": dc, "ds": ds} for cid, (dc, ds) in moves.items()]
    )
    for c in db.session.identity_map.values():
        if isinstance(c, Contribution) and c.id in moves:
            db.session.expire(c, ["committed", "spent"])


def write(plan: LedgerPlan) -> None:
    """Write everything the plan holds that is not written yet, then forget it (the
    balances it moved are in the database now)."""
    db.session.flush()
    awards = _write_awards(plan)
    _write_allocations(plan)
    _write_events(plan)
    _move_balances(plan)
    for award in awards:
        # The delegate was told it had no award (a query saved per row); it has one now.
        if isinstance(award.delegate, Delegate):
            db.session.expire(award.delegate, ["award"])
        else:
            award.delegate.award_id = award.id
    # What is written is the database's now: a later row touching it takes the live path.
    plan.awards.clear()
    plan.allocations.clear()
    plan.events.clear()
    for held in plan.held.values():
        held.start_committed, held.start_spent, held.moved = held.committed, held.spent, False
