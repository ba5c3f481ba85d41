"""Which person a delegate is: the matching rule, in one place.

* **Passport first.** The same passport number (compared without spaces or hyphens,
  in capitals) is the same person, whatever the e-mail: people change addresses
  between meetings far more often than passports.
* **Else the e-mail** (compared in lower case), unless the person found by it holds a
  *different* passport number: a mission's shared address names several people, and
  two passports are two people.
* **Else a new person.** An administrator merges or splits what the rule got wrong
  (`people.services`); the rule never undoes an administrator's decision, since it
  only places delegates that have no person yet.

The rule exists twice over the same keys: `Grouper` in memory (the migration's
backfill, the history import's bulk path) and `person_for` against the database (a
submitted application). Both go through `Grouper.place`, so they cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import func, select

from sponsorship.extensions import db
from sponsorship.models import Application, ApplicationStatus, Delegate, Person

_NOT_KEPT = re.compile(r"[\s\-]+")


def passport_key(value: str | None) -> str | None:
    """The passport number as compared: no spaces or hyphens, in capitals."""
    key = _NOT_KEPT.sub("", value or "").upper()
    return key or None


def email_key(value: str | None) -> str | None:
    key = (value or "").strip().lower()
    return key or None


@dataclass
class Grouper:
    """The rule over keys held in memory. Persons are opaque tokens (an id, or any
    hashable the caller makes with `new`)."""

    by_passport: dict[str, object] = field(default_factory=dict)
    by_email: dict[str, list[object]] = field(default_factory=dict)
    passports: dict[object, set[str]] = field(default_factory=dict)

    def learn(self, person: object, passport: str | None, email: str | None) -> None:
        """Remember that `person` holds these keys."""
        p, e = passport_key(passport), email_key(email)
        held = self.passports.setdefault(person, set())
        if p:
            self.by_passport.setdefault(p, person)
            held.add(p)
        if e:
            found = self.by_email.setdefault(e, [])
            if person not in found:
                found.append(person)

    def find(self, passport: str | None, email: str | None) -> object | None:
        """The person these keys name by the rule, or None (a new person)."""
        p, e = passport_key(passport), email_key(email)
        if p and p in self.by_passport:
            return self.by_passport[p]
        for person in self.by_email.get(e, []) if e else []:
            held = self.passports.get(person, set())
            if p is None or not held or p in held:
                return person
        return None


def group(rows: Iterable[tuple[int, str | None, str | None]]) -> list[list[int]]:
    """Delegates (id, passport, e-mail), in the order given, as groups of the same
    person: the backfill's rule."""
    grouper, groups = Grouper(), []
    for delegate_id, passport, email in rows:
        person = grouper.find(passport, email)
        if person is None:
            person = len(groups)
            groups.append([])
        groups[person].append(delegate_id)
        grouper.learn(person, passport, email)
    return groups


def _candidates(passport: str | None, email: str | None) -> Grouper:
    """A `Grouper` knowing the persons the database holds under these keys."""
    p, e = passport_key(passport), email_key(email)
    wanted = []
    if p:
        bare = func.replace(func.replace(Delegate.passport_number, " ", ""), "-", "")
        compared = func.upper(bare)
        wanted.append(compared == p)
    if e:
        wanted.append(func.lower(Delegate.email) == e)
    grouper = Grouper()
    if not wanted:
        return grouper
    ids = select(Delegate.person_id).where(Delegate.person_id.is_not(None), sa.or_(*wanted))
    rows = db.session.execute(
        select(Delegate.person_id, Delegate.passport_number, Delegate.email)
        .where(Delegate.person_id.in_(ids))
        .order_by(Delegate.person_id, Delegate.id)
    )
    for person_id, held_passport, held_email in rows:
        grouper.learn(person_id, held_passport, held_email)
    return grouper


def person_for(delegate: Delegate) -> Person:
    """Link the delegate to its person (found by the rule, or new); no commit."""
    if delegate.person is not None:
        return delegate.person
    person_id = _candidates(delegate.passport_number, delegate.email).find(
        delegate.passport_number, delegate.email
    )
    person = db.session.get(Person, person_id) if person_id is not None else None
    if person is None:
        person = Person(name=delegate.name[:200])
        db.session.add(person)
    else:
        person.name = delegate.name[:200]
    delegate.person = person
    db.session.flush()
    return person


def link_application(application: Application) -> None:
    """Link each delegate of a submitted application to its person; no commit."""
    for delegate in application.delegates:
        person_for(delegate)


def unlinked() -> list[tuple[int, str | None, str | None, str]]:
    """Delegates of submitted applications with no person yet, oldest first:
    (id, passport, e-mail, name)."""
    return db.session.execute(
        select(Delegate.id, Delegate.passport_number, Delegate.email, Delegate.name)
        .join(Application, Application.id == Delegate.application_id)
        .where(Delegate.person_id.is_(None), Application.status != ApplicationStatus.DRAFT)
        .order_by(Delegate.id)
    ).all()
