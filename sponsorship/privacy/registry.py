"""The kinds of personal data that are purged, each behind one small interface.

A `Purgeable` counts what it holds for a set of delegates and purges it, inside the
caller's transaction, returning how many values went per field (never the values).
The set of delegates is a `Scope`: a SELECT of delegate ids (a meeting's delegates
for retention, one delegate for an erasure, later the delegates of one person), so a
purge is a few set-based UPDATEs whatever the size of the programme.

Files are removed only after the transaction commits (`Purge.files`): a rollback then
leaves every file in place, and storage writes never wait on the database's lock.

Another feature registers its own kind with `register(...)` at import time, e.g. the
receipts of payments:

    register(Purgeable("receipt_images", count_receipts, purge_receipts))

where `purge_receipts(scope, purge)` clears the receipts' storage keys of the scope's
awards (keeping sha256 and amounts), adds the keys to `purge.files`, and returns
{"receipt_images": n}; FIELD_LABELS gets its translated label.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from sponsorship.applications.uploads import note_key
from sponsorship.extensions import db
from sponsorship.models import Application, Award, Delegate, Letter
from sponsorship.models.letters import PASSPORT_KEYS, holds_passport
from sponsorship.storage import file_store


@dataclass(frozen=True)
class Scope:
    """Whose data: the delegates `delegate_ids` (a SELECT of Delegate.id) yields."""

    delegate_ids: sa.Select

    @classmethod
    def meeting(cls, meeting_id: int) -> Scope:
        return cls(
            sa.select(Delegate.id)
            .join(Application, Application.id == Delegate.application_id)
            .where(Application.meeting_id == meeting_id)
        )

    @classmethod
    def delegate(cls, delegate_id: int) -> Scope:
        return cls(sa.select(Delegate.id).where(Delegate.id == delegate_id))

    def awards(self) -> sa.Select:
        return sa.select(Award.id).where(Award.delegate_id.in_(self.delegate_ids))

    def applications(self) -> sa.Select:
        return sa.select(Delegate.application_id).where(Delegate.id.in_(self.delegate_ids))


@dataclass
class Purge:
    """One purge in progress: its moment, and the stored files to remove after commit."""

    now: datetime
    files: list[str] = field(default_factory=list)


Counter = Callable[[Scope], dict[str, int]]
Purger = Callable[[Scope, Purge], dict[str, int]]
#: Meeting ids -> {meeting id: counts} for every id given, in a fixed number of queries.
MeetingsCounter = Callable[[list[int]], dict[int, dict[str, int]]]


@dataclass(frozen=True)
class Purgeable:
    name: str
    count: Counter
    purge: Purger
    #: The same count for many meetings at once (the retention plan lists them all);
    #: without it, `count` is asked once per meeting.
    count_meetings: MeetingsCounter | None = None


def grouped(rows, meeting_ids: list[int], fields: tuple[str, ...]) -> dict[int, dict[str, int]]:
    """(meeting id, *counts) rows as counts for every meeting asked, zero where none."""
    found = {row[0]: dict(zip(fields, (int(n or 0) for n in row[1:]), strict=True)) for row in rows}
    return {m: found.get(m) or dict.fromkeys(fields, 0) for m in meeting_ids}


def delegates_of_meetings(query: sa.Select, meeting_ids: list[int]) -> sa.Select:
    """`query` (already joined to Delegate) per meeting of `meeting_ids`."""
    return (
        query.join(Application, Application.id == Delegate.application_id)
        .where(Application.meeting_id.in_(meeting_ids))
        .group_by(Application.meeting_id)
    )


#: What each count is of, in the reader's language (dry run, audit viewer, pages).
FIELD_LABELS = {
    "passport_number": _l("Passport numbers"),
    "passport_expiry": _l("Passport validity dates"),
    "email": _l("E-mail addresses"),
    "phone": _l("Telephone numbers"),
    "accessibility_needs": _l("Accessibility needs"),
    "nomination_notes": _l("Nomination notes (files; sha256 kept)"),
    "letter_passport_copies": _l("Passport details in issued documents"),
    "receipt_images": _l("Receipts of payments and claims (files; sha256 and amounts kept)"),
}

# --- Delegates' own columns ------------------------------------------------------------

#: The delegate's columns purged: set to NULL, the rest of the row stays.
DELEGATE_COLUMNS = ("passport_number", "passport_expiry", "email", "phone", "accessibility_needs")


def _held(column) -> sa.ColumnElement[bool]:
    """The column holds a value (an empty text is nothing to purge)."""
    if isinstance(column.type, sa.String | sa.Text):
        return sa.and_(column.isnot(None), column != "")
    return column.isnot(None)


def _delegate_counts() -> list:
    return [sa.func.count(sa.case((_held(getattr(Delegate, n)), 1))) for n in DELEGATE_COLUMNS]


def count_delegate_columns(scope: Scope) -> dict[str, int]:
    row = db.session.execute(
        sa.select(*_delegate_counts()).where(Delegate.id.in_(scope.delegate_ids))
    ).one()
    return dict(zip(DELEGATE_COLUMNS, row, strict=True))


def count_delegate_columns_of_meetings(meeting_ids: list[int]) -> dict[int, dict[str, int]]:
    query = sa.select(Application.meeting_id, *_delegate_counts()).select_from(Delegate)
    rows = db.session.execute(delegates_of_meetings(query, meeting_ids))
    return grouped(rows, meeting_ids, DELEGATE_COLUMNS)


def purge_delegate_columns(scope: Scope, purge: Purge) -> dict[str, int]:
    counts = count_delegate_columns(scope)
    columns = [getattr(Delegate, name) for name in DELEGATE_COLUMNS]
    db.session.execute(
        sa.update(Delegate)
        .where(
            Delegate.id.in_(scope.delegate_ids),
            sa.or_(Delegate.personal_data_purged_at.is_(None), *(_held(c) for c in columns)),
        )
        .values(
            **dict.fromkeys(DELEGATE_COLUMNS),
            personal_data_purged_at=sa.func.coalesce(Delegate.personal_data_purged_at, purge.now),
        )
        .execution_options(synchronize_session=False)
    )
    return counts


# --- Nomination notes: the file goes, its sha256 stays -----------------------------------


def _notes(scope: Scope) -> sa.Select:
    return sa.select(Application.id, Application.note_path, Application.note_sha256).where(
        Application.id.in_(scope.applications()), Application.note_path.isnot(None)
    )


def count_notes(scope: Scope) -> dict[str, int]:
    found = db.session.scalar(sa.select(sa.func.count()).select_from(_notes(scope).subquery()))
    return {"nomination_notes": found or 0}


def count_notes_of_meetings(meeting_ids: list[int]) -> dict[int, dict[str, int]]:
    # A meeting's scope reaches the applications that have a delegate (`Scope.applications`).
    rows = db.session.execute(
        sa.select(Application.meeting_id, sa.func.count())
        .where(
            Application.meeting_id.in_(meeting_ids),
            Application.note_path.isnot(None),
            sa.exists().where(Delegate.application_id == Application.id),
        )
        .group_by(Application.meeting_id)
    )
    return grouped(rows, meeting_ids, ("nomination_notes",))


def _stored(keys: list[str]) -> dict:
    """The stored files' info by key; in one go where the backend can (database)."""
    store = file_store()
    many = getattr(store, "stat_many", None)
    if many is not None:
        return many(keys)
    return {k: info for k in keys if (info := store.stat(k)) is not None}


def purge_notes(scope: Scope, purge: Purge) -> dict[str, int]:
    """A note names every delegate of its application: it goes with any of them."""
    rows = db.session.execute(_notes(scope)).all()
    keys: dict[int, str | None] = {}
    for application_id, stored_name, _kept in rows:
        try:
            keys[application_id] = note_key(stored_name)
        except ValueError:
            keys[application_id] = None  # a name from an older release: no file of ours
    stored = _stored([k for k in keys.values() if k])
    changes = [
        {
            "id": application_id,
            "note_path": None,
            "note_sha256": stored[keys[application_id]].sha256
            if keys[application_id] in stored
            else kept,
            "note_purged_at": purge.now,
        }
        for application_id, _name, kept in rows
    ]
    if changes:
        db.session.execute(sa.update(Application), changes)
    purge.files.extend(k for k in keys.values() if k)
    return {"nomination_notes": len(rows)}


# --- Issued documents: the passport copied into a letter's data and the visa PDF -------


def _letters(scope: Scope):
    # Every letter of the scope, not only those marked `passport_held`: the purge reads
    # the snapshots themselves, so a row written around the ORM is purged all the same.
    return db.session.execute(
        sa.select(Letter.id, Letter.kind, Letter.snapshot, Letter.file_key).where(
            Letter.award_id.in_(scope.awards())
        )
    ).all()


def count_letters(scope: Scope) -> dict[str, int]:
    # `passport_held` is `holds_passport` kept on the row (models/letters.py).
    found = db.session.scalar(
        sa.select(sa.func.count(Letter.id)).where(
            Letter.award_id.in_(scope.awards()), Letter.passport_held
        )
    )
    return {"letter_passport_copies": found or 0}


def count_letters_of_meetings(meeting_ids: list[int]) -> dict[int, dict[str, int]]:
    query = (
        sa.select(Application.meeting_id, sa.func.count(Letter.id))
        .select_from(Letter)
        .join(Award, Award.id == Letter.award_id)
        .join(Delegate, Delegate.id == Award.delegate_id)
        .where(Letter.passport_held)
    )
    rows = db.session.execute(delegates_of_meetings(query, meeting_ids))
    return grouped(rows, meeting_ids, ("letter_passport_copies",))


def purge_letters(scope: Scope, purge: Purge) -> dict[str, int]:
    """The snapshot loses the passport; a visa letter's PDF goes, its sha256 stays, so
    its verification still answers (valid, State, meeting, date, name)."""
    rows = []
    for letter_id, kind, snapshot, key in _letters(scope):
        snapshot = snapshot or {}
        if not holds_passport(kind, snapshot, key):
            continue
        row = {
            "id": letter_id,
            "snapshot": {**snapshot, **dict.fromkeys(PASSPORT_KEYS, "")},
            "passport_held": False,
        }
        if kind == "visa" and key:
            # An empty key: the file goes after the commit (the sha256 stays).
            row["file_key"] = ""
            purge.files.append(key)
        rows.append(row)
    kept = {"id", "snapshot", "passport_held"}
    for shape in (kept, kept | {"file_key"}):
        same = [r for r in rows if set(r) == shape]
        if same:
            db.session.execute(sa.update(Letter), same)
    return {"letter_passport_copies": len(rows)}


PURGEABLES: list[Purgeable] = [
    Purgeable(
        "delegates",
        count_delegate_columns,
        purge_delegate_columns,
        count_delegate_columns_of_meetings,
    ),
    Purgeable("notes", count_notes, purge_notes, count_notes_of_meetings),
    Purgeable("letters", count_letters, purge_letters, count_letters_of_meetings),
]


def register(purgeable: Purgeable) -> None:
    """Add a kind of personal data to every purge (retention and erasure)."""
    if all(p.name != purgeable.name for p in PURGEABLES):
        PURGEABLES.append(purgeable)


def count(scope: Scope) -> dict[str, int]:
    """Values each field holds in `scope` that a purge would remove."""
    counts: dict[str, int] = {}
    for purgeable in PURGEABLES:
        counts.update(purgeable.count(scope))
    return counts


def count_meetings(meeting_ids: list[int]) -> dict[int, dict[str, int]]:
    """`count` of each meeting's scope, for many meetings in a few queries."""
    counts: dict[int, dict[str, int]] = {m: {} for m in meeting_ids}
    for purgeable in PURGEABLES:
        if purgeable.count_meetings is not None:
            found = purgeable.count_meetings(meeting_ids)
        else:
            found = {m: purgeable.count(Scope.meeting(m)) for m in meeting_ids}
        for meeting_id, fields in found.items():
            counts[meeting_id].update(fields)
    return counts


def purge(scope: Scope, now: datetime) -> tuple[dict[str, int], list[str]]:
    """Purge everything of `scope` inside the caller's transaction: (counts, files to
    remove once it commits)."""
    run = Purge(now)
    counts: dict[str, int] = {}
    for purgeable in PURGEABLES:
        counts.update(purgeable.purge(scope, run))
    return counts, run.files


def remove_files(keys: list[str]) -> int:
    """Remove purged files from storage after the commit; returns how many failed
    (logged: the rows no longer name them, so they are unreachable either way)."""
    import logging

    failed = 0
    store = file_store()
    many = getattr(store, "delete_many", None)
    if many is not None and keys:
        try:
            many(keys)
            return 0
        except Exception:  # noqa: BLE001 - fall back to one by one, logging each failure
            logging.getLogger(__name__).exception("purge: removing %s files at once", len(keys))
    for key in keys:
        try:
            store.delete(key)
        except Exception:  # noqa: BLE001 - one file's storage error must not stop the rest
            logging.getLogger(__name__).exception("purge: could not remove %s", key)
            failed += 1
    return failed
