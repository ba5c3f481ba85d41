"""Administrators' corrections of the matching rule (merge, split) and linking in bulk.

Each is one transaction and audited. A merge or split only moves delegates between
persons: no money, award or application changes, so the reports' participations stay
what they were and only the people count moves.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update

from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.models import Delegate, Person, User
from sponsorship.people.matching import Grouper, unlinked


def _person(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise DomainError(str(_l("No such person.")))
    return person


def merge(actor: User, keep_id: int, other_id: int) -> Person:
    """Move every participation of person `other_id` to `keep_id`, and remove the other."""
    if keep_id == other_id:
        raise DomainError(str(_l("Choose another person to merge with this one.")))
    with unit_of_work():
        keep, other = _person(keep_id), _person(other_id)
        moving = list(other.delegates)
        moved = [d.id for d in moving]
        # Through the relationship, not an UPDATE behind its back: deleting `other`
        # would otherwise unlink the delegates its loaded collection still lists.
        for delegate in moving:
            delegate.person = keep
        db.session.flush()
        record(
            actor,
            "person.merge",
            keep,
            before={"person": other.id, "name": other.name, "delegates": moved},
            after={"person": keep.id, "delegates": moved},
        )
        db.session.delete(other)
    return keep


def split(actor: User, delegate_id: int) -> Person:
    """Give one participation a person of its own (the rule had joined two people)."""
    with unit_of_work():
        delegate = db.session.get(Delegate, delegate_id)
        if delegate is None or delegate.person_id is None:
            raise DomainError(str(_l("No such participation.")))
        before = delegate.person_id
        others = db.session.scalar(
            select(func.count(Delegate.id)).where(
                Delegate.person_id == before, Delegate.id != delegate.id
            )
        )
        if not others:
            raise DomainError(str(_l("This is the person's only participation.")))
        person = Person(name=delegate.name[:200])
        db.session.add(person)
        delegate.person = person
        db.session.flush()
        record(
            actor,
            "person.split",
            person,
            before={"person": before, "delegate": delegate.id},
            after={"person": person.id, "delegate": delegate.id},
        )
    return person


def link_pending(actor: User | None, *, audit: bool = True) -> int:
    """Link every delegate of a submitted application that has no person yet, by the
    rule, in bulk (a few statements, however many delegates); no commit. One audit
    event says how many. Returns the number linked."""
    rows = unlinked()
    if not rows:
        return 0
    grouper = Grouper()
    known = db.session.execute(
        select(Delegate.person_id, Delegate.passport_number, Delegate.email)
        .where(Delegate.person_id.is_not(None))
        .order_by(Delegate.id)
    )
    for person_id, passport, email in known:
        grouper.learn(person_id, passport, email)
    names = {row[0]: row[3] for row in rows}
    links: dict[int, object] = {}
    fresh: list[tuple[str, int]] = []  # (token, first delegate) of each new person
    for delegate_id, passport, email, _name in rows:
        person = grouper.find(passport, email)
        if person is None:
            person = ("new", len(fresh))
            fresh.append((person, delegate_id))
        links[delegate_id] = person
        grouper.learn(person, passport, email)
    made = {}
    if fresh:
        stmt = insert(Person).returning(Person.id, sort_by_parameter_order=True)
        rows = [{"name": names[first][:200]} for _token, first in fresh]
        ids: list[int] = []
        # A thousand at a time: SQLAlchemy splices the ids of its internal batches
        # together again for each one (quadratic over the 20,000 people of a history
        # import).
        for start in range(0, len(rows), 1000):
            ids += db.session.scalars(stmt, rows[start : start + 1000]).all()
        made = {token: pid for (token, _first), pid in zip(fresh, ids, strict=True)}
    db.session.execute(
        update(Delegate),
        [{"id": d, "person_id": made.get(p, p)} for d, p in links.items()],
    )
    if audit:
        record(actor, "people.link", None, after={"delegates": len(links), "new": len(fresh)})
    return len(links)
