"""Reports prepared by a job, kept in storage, served while their data stamp is current.

A request for a report never builds it. It is served from storage when a copy built at
the current data stamp is ready (the stamp changes with every commit that writes, so
such a copy is exactly what a build now would give); otherwise a job is queued to
prepare it (one per kind, reader and stamp) and the reader is shown its progress,
with the last ready copy offered at once with its date.

The records (`report_exports`) and the files are written beside the request's
session (storage/side.py), so preparing a report does not itself change the stamp.
A job that died (a killed worker) leaves a record that stops counting as pending
after `STALE_AFTER`, and the next request queues a new one.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from sponsorship.extensions import db
from sponsorship.models import ReportExport
from sponsorship.models.base import utcnow
from sponsorship.models.data_version import current as current_stamp
from sponsorship.reporting.export_kinds import KINDS
from sponsorship.storage import NotStored, file_store
from sponsorship.storage.side import side_transaction

log = logging.getLogger(__name__)

#: A queued or running export older than this is taken for dead (its worker was lost).
STALE_AFTER = timedelta(minutes=15)
#: Ready copies kept per kind, reader and language: the newest, and the one before it
#: (a reader may be downloading it while the next is stored).
KEEP_READY = 2
#: How long the copies of a kind asked with parameters are kept: an administrator tries
#: many filters of the audit trail, each its own export, and the trail names people.
KEPT_WITH_PARAMS = timedelta(days=1)
PENDING = ("queued", "running")
_TABLE = ReportExport.__table__


def scope_of(donor_id: int | None) -> str:
    return "programme" if donor_id is None else f"donor-{donor_id}"


def donor_of(scope: str) -> int | None:
    return None if scope == "programme" else int(scope.removeprefix("donor-"))


def meeting_scope(meeting_id: int) -> str:
    """A meeting's own files (the ZIP of its letters), which administrators read."""
    return f"meeting-{meeting_id}"


def audit_scope(query: str) -> str:
    """A filter of the audit trail (administrators'), named by its query's hash: the
    query itself is kept with the export (its `params`), and may be long."""
    return "audit-" + hashlib.sha256(query.encode()).hexdigest()[:32]


def subject_of(scope: str) -> int | None:
    """Whose data a scope names: None for the programme, else the donor's or meeting's id."""
    return None if scope == "programme" else int(scope.split("-", 1)[1])


def subject_for(export: ReportExport) -> int | str | None:
    """What the export's builder is given: what it was asked for (the audit trail's
    filter) when it was asked with parameters, else whose data it is."""
    return export.params if export.params is not None else subject_of(export.scope)


def recent(kind: str, scope: str, locale: str, limit: int = 10) -> list[ReportExport]:
    """The latest exports of this kind for this reader and language, newest first."""
    return list(
        db.session.scalars(
            sa.select(ReportExport)
            .where(
                ReportExport.kind == kind,
                ReportExport.scope == scope,
                ReportExport.locale == locale,
            )
            .order_by(ReportExport.id.desc())
            .limit(limit)
            .execution_options(populate_existing=True)
        )
    )


def last_ready(exports: list[ReportExport]) -> ReportExport | None:
    return next((e for e in exports if e.status == "ready"), None)


def pending_at(exports: list[ReportExport], stamp: str | None) -> ReportExport | None:
    """A queued export (it will build at the newest stamp), or one running at `stamp`."""
    oldest = utcnow() - STALE_AFTER
    for export in exports:
        fresh = export.status in PENDING and export.requested_at >= oldest
        if fresh and (export.status == "queued" or export.stamp == stamp):
            return export
    return None


def request_export(
    kind: str, scope: str, locale: str, params: str | None = None
) -> tuple[ReportExport | None, int]:
    """(the copy ready at the current stamp or None, the id of the export to follow).

    With a current copy, the id is that copy's. Otherwise a job prepares one: the one
    already queued or running at this stamp, or a new one queued now, with `params`
    (what `scope` names by its hash, if anything).
    """
    stamp = current_stamp(db.session)
    exports = recent(kind, scope, locale)
    ready = last_ready(exports)
    if ready is not None and ready.stamp == stamp and stamp is not None:
        return ready, ready.id
    pending = pending_at(exports, stamp)
    if pending is not None:
        return None, pending.id
    with side_transaction() as connection:
        export_id = connection.execute(
            sa.insert(_TABLE)
            .values(
                kind=kind,
                scope=scope,
                params=params,
                locale=locale,
                stamp=stamp,
                status="queued",
                progress=0,
                requested_at=utcnow(),
            )
            .returning(_TABLE.c.id)
        ).scalar_one()
    from sponsorship.jobs.queues import job_queue

    job_queue().enqueue("prepare-export", export_id=export_id)
    return None, export_id


def read_file(export: ReportExport) -> bytes | None:
    """The export's file, or None when it is not ready or no longer stored."""
    if export.status != "ready" or not export.file_key:
        return None
    try:
        return file_store().get(export.file_key)
    except NotStored:
        return None


def _update(export_id: int, **values) -> None:
    with side_transaction() as connection:
        connection.execute(sa.update(_TABLE).where(_TABLE.c.id == export_id).values(**values))


def _prune(export: ReportExport) -> None:
    """Drop the ready copies older than the newest KEEP_READY, files first; for a kind
    asked with parameters (the audit trail's filters), also every copy of any other
    filter older than KEPT_WITH_PARAMS."""
    stale = [e for e in recent(export.kind, export.scope, export.locale, 50) if e.id < export.id]
    old_ready = [e for e in stale if e.status == "ready"][KEEP_READY - 1 :]
    gone = old_ready + [e for e in stale if e.status == "failed"]
    if export.params is not None:
        gone += db.session.scalars(
            sa.select(ReportExport).where(
                ReportExport.kind == export.kind,
                ReportExport.scope != export.scope,
                ReportExport.requested_at < utcnow() - KEPT_WITH_PARAMS,
            )
        ).all()
    for old in gone:
        if old.file_key:
            file_store().delete(old.file_key)
    if gone:
        with side_transaction() as connection:
            connection.execute(sa.delete(_TABLE).where(_TABLE.c.id.in_([e.id for e in gone])))


def run_export(export_id: int) -> dict:
    """The job: build the export, store its file, mark it ready (or failed)."""
    export = db.session.get(ReportExport, export_id)
    if export is None or export.status == "ready":
        return {"export": export_id, "status": export.status if export else "gone"}
    kind = KINDS[export.kind]
    # A new transaction, and the stamp read before the data: what is built is at least
    # as new as the stamp it is kept under.
    db.session.commit()
    stamp = current_stamp(db.session)
    _update(export_id, status="running", progress=10, stamp=stamp, error=None)
    try:
        with current_app.test_request_context(), force_locale(export.locale or "en"):
            data = kind.build(subject_for(export), lambda p: _update(export_id, progress=p))
        _update(export_id, progress=90)
        key = f"exports/{export_id}/{kind.filename}"
        file_store().put(key, data, kind.mimetype)
    except Exception as error:  # noqa: BLE001 - recorded for the reader to see
        log.exception("export %s (%s) failed", export_id, export.kind)
        _update(export_id, status="failed", error=repr(error)[:2000], finished_at=utcnow())
        return {"export": export_id, "status": "failed"}
    _update(
        export_id,
        status="ready",
        progress=100,
        file_key=key,
        size=len(data),
        finished_at=utcnow(),
    )
    _prune(db.session.get(ReportExport, export_id))
    return {"export": export_id, "status": "ready", "bytes": len(data)}
