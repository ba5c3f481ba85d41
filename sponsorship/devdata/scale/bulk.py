"""The bulk writer: Core `insert()` in executemany batches, the audit trail kept in
memory until it is written, and the run's state shared by every generator."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from sponsorship.documents.letters import CODE_ALPHABET
from sponsorship.extensions import db
from sponsorship.models import AuditEvent

if TYPE_CHECKING:
    from sponsorship.devdata.scale.funds import Books


def insert(model_or_table: Any, rows: list[dict], returning: bool = False) -> list[int]:
    """Insert `rows` in executemany batches; with `returning`, their new ids in order.

    Keys starting with "_" are the generator's own and are not written.
    """
    if not rows:
        return []
    table = getattr(model_or_table, "__table__", model_or_table)
    if any(key[0] == "_" for key in rows[0]):
        rows = [{k: v for k, v in row.items() if k[0] != "_"} for row in rows]
    if not returning:
        db.session.execute(sa.insert(table), rows)
        return []
    stmt = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.scalars(stmt, rows))


def insert_ids(model: Any, rows: list[dict]) -> list[dict]:
    """Insert `rows`, giving each its new "id"; returns them."""
    for row_id, row in zip(insert(model, rows, returning=True), rows, strict=True):
        row["id"] = row_id
    return rows


def update(model: Any, rows: list[dict]) -> None:
    """Update rows by their "id" in executemany batches (every row has the same keys)."""
    if not rows:
        return
    table = model.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == sa.bindparam("row_id")),
        [{"row_id": row["id"], **{k: v for k, v in row.items() if k != "id"}} for row in rows],
    )


@dataclass
class Run:
    rng: random.Random
    today: date
    base_currency: str
    public_url: str
    books: Books
    admin_ids: list[int] = field(default_factory=list)
    applicant_of: dict[int, int] = field(default_factory=dict)
    codes: set[str] = field(default_factory=set)
    counts: Counter = field(default_factory=Counter)
    audit: list[dict] = field(default_factory=list)
    #: Who comes back (scale/applications.py `_people`): its own generator, so the
    #: rows drawn from `rng` are the same with or without returning delegates.
    recur: random.Random = field(default_factory=lambda: random.Random(0))
    #: Each State's lead delegate at its latest meeting so far.
    lead_of: dict[int, dict] = field(default_factory=dict)

    def event(
        self,
        at: datetime,
        actor: int | None,
        action: str,
        obj: str,
        obj_id: int,
        before: dict | None = None,
        after: dict | None = None,
    ) -> None:
        self.audit.append(
            {
                "at": at,
                "actor_id": actor,
                "action": action,
                "object_type": obj,
                "object_id": obj_id,
                "before": before,
                "after": after,
            }
        )

    def status(
        self, at: datetime, actor: int | None, obj: str, obj_id: int, before: str, after: str
    ) -> None:
        """The audit event of a status transition."""
        self.event(at, actor, "status", obj, obj_id, {"status": before}, {"status": after})

    def admin(self) -> int:
        return self.rng.choice(self.admin_ids)

    def code(self) -> str:
        while True:
            raw = "".join(self.rng.choice(CODE_ALPHABET) for _ in range(8))
            code = f"{raw[:4]}-{raw[4:]}"
            if code not in self.codes:
                self.codes.add(code)
                return code

    def flush_audit(self) -> None:
        self.counts["audit_events"] += len(self.audit)
        insert(AuditEvent, self.audit)
        self.audit = []
