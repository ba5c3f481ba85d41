"""A meeting's letters at once: what is missing, a pool of renderers, progress, the ZIP.

The database work stays in this process: each letter is prepared and stored through
`letters` (`prepare` -> render -> `store`), and only the rendering goes to a pool of
processes, one renderer each. A run issues only the letters still missing, so
rerunning it (after a crash, a killed worker, a second click) issues none twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from sponsorship.core import audit
from sponsorship.documents.context import LetterContext
from sponsorship.documents.letters import ISSUABLE, prepare, store
from sponsorship.extensions import db
from sponsorship.models import Application, Award, Delegate, Letter, LetterStatus

# The bulk path logged under the letters module before it had its own; keep the name
# that log filters and alerts already know.
log = logging.getLogger("sponsorship.documents.letters")

#: A letter that fails to render is tried again this many times, then reported.
RETRIES = 2
#: Bulk runs commit at least this often (seconds), so an interrupted run keeps
#: nearly all it issued while 200 letters do not cost 200 commits.
COMMIT_EVERY_S = 0.5


def meeting_awards(meeting_id: int) -> list[Award]:
    return list(
        db.session.scalars(
            select(Award)
            .join(Award.delegate)
            .join(Delegate.application)
            .where(Application.meeting_id == meeting_id, Award.status.in_(ISSUABLE))
            .options(
                selectinload(Award.cost_lines),
                selectinload(Award.delegate)
                .selectinload(Delegate.application)
                .selectinload(Application.state),
            )
            .order_by(Award.reference)
        )
    )


def pending_awards(meeting_id: int) -> list[Award]:
    """The meeting's issuable awards without a valid letter: what a bulk run issues."""
    have = set(
        db.session.scalars(
            select(Letter.award_id)
            .join(Award, Award.id == Letter.award_id)
            .join(Delegate, Delegate.id == Award.delegate_id)
            .join(Application, Application.id == Delegate.application_id)
            .where(Application.meeting_id == meeting_id, Letter.status == LetterStatus.VALID)
        )
    )
    return [a for a in meeting_awards(meeting_id) if a.id not in have]


def progress(meeting_id: int) -> dict:
    """How many of the meeting's issuable awards have a valid letter: one query (the
    page polls it every second or so while a bulk run is going)."""
    has_letter = sa.exists().where(Letter.award_id == Award.id, Letter.status == LetterStatus.VALID)
    total, issued = db.session.execute(
        select(func.count(Award.id), func.coalesce(func.sum(sa.case((has_letter, 1), else_=0)), 0))
        .join(Delegate, Delegate.id == Award.delegate_id)
        .join(Application, Application.id == Delegate.application_id)
        .where(Application.meeting_id == meeting_id, Award.status.in_(ISSUABLE))
    ).one()
    return {"total": total, "issued": int(issued), "pending": total - int(issued)}


@dataclass(frozen=True)
class RosterRow:
    award: Award
    #: The newest letter of the award (any kind), or None when none was issued.
    letter: Letter | None


def roster(meeting_id: int) -> list[RosterRow]:
    """Every awarded delegate of the meeting with the state of their newest letter, so
    the letters page says who is done, not only how many (two queries)."""
    awards = db.session.scalars(
        select(Award)
        .join(Delegate, Delegate.id == Award.delegate_id)
        .join(Application, Application.id == Delegate.application_id)
        .where(Application.meeting_id == meeting_id, Award.status.in_(ISSUABLE))
        .options(
            selectinload(Award.delegate)
            .selectinload(Delegate.application)
            .selectinload(Application.state)
        )
        .order_by(Delegate.name, Award.id)
    ).all()
    newest: dict[int, Letter] = {}
    if awards:
        letters = db.session.scalars(
            select(Letter)
            .where(Letter.award_id.in_([a.id for a in awards]))
            .order_by(Letter.issued_at, Letter.id)
        )
        for letter in letters:
            newest[letter.award_id] = letter
    return [RosterRow(a, newest.get(a.id)) for a in awards]


# --- The renderer pool ---------------------------------------------------------------


def _render_snapshot(snapshot: dict) -> bytes:
    """Process-pool entry point: one renderer per process, reused for every letter."""
    from sponsorship.documents.render import render_letter

    return render_letter(LetterContext.from_dict(snapshot))


def _warm_renderer() -> None:
    """Build the process's renderer and lay out one letter, so fonts and caches are hot."""
    from sponsorship.documents.render import warm_up

    warm_up()


def _start_renderer_process(warm: bool) -> None:
    """Pool initializer: a process that only renders letters.

    WeasyPrint allocates hundreds of thousands of short-lived objects per letter,
    none of them in cycles that matter for a process this short-lived; collecting
    rarely saves about 5% per letter. Objects inherited warm from the parent are
    frozen out of the collector's reach.
    """
    import gc

    if warm:
        _warm_renderer()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1_000)


def _render_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of rendering processes with their renderers already warm.

    With no other thread in this process (the CLI, an RQ worker), the renderer is
    warmed here once and the pool forks it: the children start in milliseconds with
    the parsed stylesheets and loaded fonts. A process that runs threads (the web
    app's embedded job queue) must not fork, so its pool spawns fresh interpreters,
    each warming its own renderer before the first letter.
    """
    import multiprocessing
    import threading

    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        _warm_renderer()
        method, warm_in_child = "fork", False
    else:
        method, warm_in_child = "spawn", True
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_start_renderer_process,
        initargs=(warm_in_child,),
    )


# --- The run -------------------------------------------------------------------------


@dataclass
class BulkResult:
    issued: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    retried: int = 0


class _Run:
    """One bulk run: the letters still to render, and what is stored but not committed."""

    def __init__(
        self,
        meeting_id: int,
        actor,
        render_fn: Callable[[dict], bytes],
        on_progress: Callable[[int], None] | None,
    ) -> None:
        self.actor = actor
        self.render_fn = render_fn
        self.on_progress = on_progress
        self.result = BulkResult()
        awards = pending_awards(meeting_id)
        self.contexts = {award.id: prepare(award) for award in awards}
        self.by_id = {a.id: a for a in awards}
        self.todo = list(self.contexts)
        self.attempts = dict.fromkeys(self.todo, 0)
        self.last_commit = time.monotonic()
        self.uncommitted = 0

    def commit(self) -> None:
        db.session.commit()
        if self.on_progress and self.uncommitted:
            self.on_progress(self.uncommitted)
        self.last_commit, self.uncommitted = time.monotonic(), 0

    def save(self, award_id: int, pdf: bytes) -> None:
        award = self.by_id[award_id]
        store(award, self.contexts[award_id], pdf, self.actor)
        self.result.issued.append(award.reference)
        self.uncommitted += 1
        if time.monotonic() - self.last_commit >= COMMIT_EVERY_S:
            self.commit()

    def outcomes(
        self, pool: ProcessPoolExecutor | None
    ) -> Iterable[tuple[int, Callable[[], bytes]]]:
        """Each letter still to do with the call that yields its PDF (or raises)."""
        render_fn, contexts = self.render_fn, self.contexts
        if pool is None:
            return ((i, lambda i=i: render_fn(contexts[i].to_dict())) for i in self.todo)
        futures = {i: pool.submit(render_fn, contexts[i].to_dict()) for i in self.todo}
        return ((i, f.result) for i, f in futures.items())

    def render_round(self, pool: ProcessPoolExecutor | None) -> tuple[list[tuple[int, str]], bool]:
        """Render and store what is to do; returns the failures, and whether the pool broke."""
        failures: list[tuple[int, str]] = []
        broken = False
        for award_id, outcome in self.outcomes(pool):
            try:
                pdf = outcome()
            except Exception as error:  # noqa: BLE001 - reported, then retried
                failures.append((award_id, repr(error)))
                broken = broken or isinstance(error, BrokenProcessPool)
            else:
                self.save(award_id, pdf)
        return failures, broken

    def retry_or_fail(self, failures: list[tuple[int, str]]) -> None:
        """The next round's letters: each failure again, up to RETRIES times, then reported."""
        self.todo = []
        for award_id, error in failures:
            self.attempts[award_id] += 1
            log.warning("letter %s failed: %s", self.by_id[award_id].reference, error)
            if self.attempts[award_id] <= RETRIES:
                self.result.retried += 1
                self.todo.append(award_id)
            else:
                self.result.failed.append((self.by_id[award_id].reference, error))


def bulk_issue(
    meeting_id: int,
    actor,
    *,
    workers: int = 1,
    on_progress: Callable[[int], None] | None = None,
    renderer: Callable[[dict], bytes] | None = None,
) -> BulkResult:
    """Issue every missing letter of the meeting; rerunning issues none twice.

    A letter that fails to render is retried up to RETRIES times, then reported; a
    rendering process that dies takes only its letters to the retry round, on a new
    pool. Letters are committed as they arrive (at most COMMIT_EVERY_S apart), so an
    interrupted run keeps what it issued and a rerun issues only the rest.
    """
    run = _Run(meeting_id, actor, renderer or _render_snapshot, on_progress)
    pool = None
    # The run commits every half second; expiring its awards and actor each time made
    # every later letter reload its award and actor, one SELECT each. They are only read
    # (ids and references, fixed once prepared), so they are kept as loaded.
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        while run.todo:
            if pool is None and workers > 1 and len(run.todo) > 1:
                pool = _render_pool(workers)
            failures, broken = run.render_round(pool)
            if broken:
                # A dead rendering process breaks the whole pool: retry on a new one.
                pool.shutdown(wait=False, cancel_futures=True)
                pool = None
            run.commit()
            run.retry_or_fail(failures)
    finally:
        session.expire_on_commit = expire_on_commit
        if pool is not None:
            pool.shutdown()
    result = run.result
    audit.record(
        actor,
        "letters.bulk",
        None,
        after={
            "meeting_id": meeting_id,
            "issued": len(result.issued),
            "failed": [f"{ref}: {why}" for ref, why in result.failed],
            "retried": result.retried,
        },
    )
    db.session.commit()
    return result


def letters_zip(meeting_id: int, on_progress: Callable[[int], None] | None = None) -> bytes:
    """Every valid letter of the meeting in one ZIP, each read from the storage and
    checked against its sha256. Built by a job (the "letters.zip" export,
    reporting/export_kinds.py), never in a request: a meeting has hundreds."""
    import io
    import zipfile

    from sponsorship.documents.letters import checked_pdf

    buffer = io.BytesIO()
    rows = db.session.execute(
        select(Award.reference, Letter.kind, Letter.version, Letter.file_key, Letter.sha256)
        .join(Letter, Letter.award_id == Award.id)
        .join(Delegate, Delegate.id == Award.delegate_id)
        .join(Application, Application.id == Delegate.application_id)
        .where(Application.meeting_id == meeting_id, Letter.status == LetterStatus.VALID)
        .order_by(Award.reference, Letter.kind)
    ).all()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for done, (reference, kind, version, key, digest) in enumerate(rows, 1):
            if key:  # a visa letter purged with its passport has none (sponsorship/privacy)
                # Named as one download is: an award has a valid letter of each series.
                archive.writestr(f"{reference}-{kind}-v{version}.pdf", checked_pdf(key, digest))
            if on_progress and done % 50 == 0:
                on_progress(10 + 80 * done // len(rows))
    return buffer.getvalue()
