"""Award letters: build the frozen context from an award, issue, reissue, revoke, verify.

An issued letter never changes: its PDF, sha256 and snapshot are written once. A
change to the award (a new price, a new deadline) is a reissue: a new version, the
old one marked superseded. Rendering is split from storing (`prepare` -> render ->
`store`) so the bulk path can render in a pool of processes, one renderer each, while
the database work stays in this process.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from sponsorship.core import audit, money
from sponsorship.core.errors import DomainError
from sponsorship.documents.context import CostLine, LetterContext
from sponsorship.extensions import db
from sponsorship.mail.outbox import external_url
from sponsorship.models import Application, Award, AwardStatus, Delegate, Letter, LetterStatus
from sponsorship.models.awards import CostKind, CostStage
from sponsorship.models.base import utcnow

log = logging.getLogger(__name__)

#: Letters are issued only for what they announce: an offer, or an accepted one.
ISSUABLE = (AwardStatus.OFFERED, AwardStatus.ACCEPTED)
#: No 0/O, 1/I/L: a code read aloud or typed from paper is not mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8  # 31**8 ~ 8.5e11 codes
RETRIES = 2


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{cleaned[:4]}-{cleaned[4:]}" if len(cleaned) == CODE_LENGTH else code.upper()


def _unique_code() -> str:
    while True:
        code = new_code()
        if db.session.scalar(select(Letter.id).where(Letter.verification_code == code)) is None:
            return code


def _decimal(value: Decimal) -> str:
    return str(money.quantize(value))  # to the base currency's minor unit: the letter's


def current_letter(award: Award) -> Letter | None:
    return db.session.scalar(
        select(Letter)
        .where(Letter.award_id == award.id, Letter.status == LetterStatus.VALID)
        .order_by(Letter.version.desc())
        .limit(1)
    )


def _next_version(award: Award) -> int:
    latest = db.session.scalar(select(func.max(Letter.version)).where(Letter.award_id == award.id))
    return (latest or 0) + 1


def build_context(
    award: Award, *, version: int | None = None, code: str | None = None, today: date | None = None
) -> LetterContext:
    """The primitives-only context of `award`'s next letter."""
    delegate = award.delegate
    application = delegate.application
    meeting = application.meeting
    state = application.state
    language = application.language if application.language in ("en", "fr", "es") else "en"
    state_name = {"fr": state.name_fr, "es": state.name_es}.get(language) or state.name
    address = [line.strip() for line in (state.mission_address or "").splitlines() if line.strip()]
    addressee = address[0] if address else state_name
    lines = [line for line in award.cost_lines if line.stage == CostStage.ESTIMATE]
    dsa = next((line for line in lines if line.kind == CostKind.DSA), None)
    terminal = next((line for line in lines if line.kind == CostKind.TERMINAL), None)
    code = code or _unique_code()
    version = version or _next_version(award)
    deadline = award.offer_deadline or (today or date.today())
    return LetterContext(
        reference=award.reference,
        version=version,
        language=language,
        issue_date=(today or date.today()).isoformat(),
        state_name=state_name,
        addressee=addressee,
        address_lines=tuple(address[1:]),
        delegate_name=delegate.name,
        delegate_function=delegate.function,
        meeting_title=meeting.title,
        meeting_start=meeting.starts_on.isoformat(),
        meeting_end=meeting.ends_on.isoformat(),
        venue=meeting.venue,
        city=meeting.city,
        departure_city=award.confirmed_departure_city or delegate.departure_city,
        currency=money.base_currency(),
        cost_lines=tuple(
            CostLine(
                line.kind.value,
                line.description or "",
                str(line.quantity),
                _decimal(line.unit_amount),
                _decimal(line.amount),
            )
            for line in lines
        ),
        total=_decimal(money.total(lines)),
        dsa_nights=int(dsa.quantity) if dsa else 0,
        dsa_rate=_decimal(dsa.unit_amount if dsa else meeting.dsa_rate),
        terminal_expenses=_decimal(terminal.amount if terminal else meeting.terminal_expenses),
        visa_covered=any(line.kind == CostKind.VISA for line in lines),
        report_due_days=meeting.report_due_days,
        answer_deadline=deadline.isoformat(),
        answer_url=external_url("applicant.offer", award_id=award.id),
        verification_code=code,
        verification_url=external_url("public.verify", code=code),
        signatory_name=current_app.config.get("LETTER_SIGNATORY_NAME", "Sponsorship Programme"),
        signatory_title=current_app.config.get(
            "LETTER_SIGNATORY_TITLE", "Implementation Support Unit"
        ),
    )


def _check_issuable(award: Award) -> None:
    if award.status not in ISSUABLE:
        raise DomainError(f"{award.reference}: a letter is issued only for an offered award")


def prepare(award: Award, today: date | None = None) -> LetterContext:
    _check_issuable(award)
    return build_context(award, today=today)


def store(award: Award, ctx: LetterContext, pdf: bytes, actor) -> Letter:
    """Write the rendered letter; any older valid version becomes superseded."""
    previous = list(
        db.session.scalars(
            select(Letter).where(Letter.award_id == award.id, Letter.status == LetterStatus.VALID)
        )
    )
    now = utcnow()
    for old in previous:
        # Only the status moves; the PDF, hash and snapshot stay as issued.
        db.session.execute(
            update(Letter)
            .where(Letter.id == old.id)
            .values(status=LetterStatus.SUPERSEDED, superseded_at=now)
        )
        audit.record(
            actor,
            "letter.superseded",
            old,
            before={"status": "valid"},
            after={"status": "superseded", "by_version": ctx.version},
        )
    letter = Letter(
        award_id=award.id,
        version=ctx.version,
        language=ctx.language,
        status=LetterStatus.VALID,
        sha256=hashlib.sha256(pdf).hexdigest(),
        pdf=pdf,
        snapshot=ctx.to_dict(),
        verification_code=ctx.verification_code,
        issued_by_id=getattr(actor, "id", None),
    )
    db.session.add(letter)
    db.session.flush()
    audit.record(
        actor,
        "letter.issued",
        letter,
        after={
            "award": award.reference,
            "version": letter.version,
            "language": letter.language,
            "sha256": letter.sha256,
            "code": letter.verification_code,
        },
    )
    return letter


def render(ctx: LetterContext) -> bytes:
    from sponsorship.documents.render import render_letter

    return render_letter(ctx)


def preview(award: Award, as_pdf: bool = False) -> bytes | str:
    """What the next letter would look like; nothing is stored."""
    from sponsorship.documents.render import get_renderer

    ctx = build_context(award, code="PREV-IEW0")
    renderer = get_renderer()
    return renderer.render(ctx) if as_pdf else renderer.render_html(ctx)


def issue(award: Award, actor, today: date | None = None) -> Letter:
    """Issue (or reissue) `award`'s letter; commits."""
    ctx = prepare(award, today)
    letter = store(award, ctx, render(ctx), actor)
    db.session.commit()
    return letter


def revoke(letter: Letter, actor, reason: str = "") -> Letter:
    if letter.status == LetterStatus.REVOKED:
        raise DomainError("the letter is already revoked")
    before = letter.status.value
    db.session.execute(
        update(Letter).where(Letter.id == letter.id).values(status=LetterStatus.REVOKED)
    )
    audit.record(
        actor,
        "letter.revoked",
        letter,
        before={"status": before},
        after={"status": "revoked", "reason": reason},
    )
    db.session.commit()
    db.session.refresh(letter)
    return letter


@dataclass(frozen=True)
class Verification:
    status: str
    reference: str
    meeting_title: str
    delegate_name: str
    version: int


def verify(code: str) -> Verification | None:
    """What the public may know about a letter: nothing beyond these fields."""
    row = db.session.execute(
        select(Letter.status, Letter.snapshot, Letter.version).where(
            Letter.verification_code == normalise_code(code)
        )
    ).first()
    if row is None:
        return None
    status, snapshot, version = row
    return Verification(
        status=LetterStatus(status).value,
        reference=snapshot.get("reference", ""),
        meeting_title=snapshot.get("meeting_title", ""),
        delegate_name=snapshot.get("delegate_name", ""),
        version=version,
    )


# --- Bulk --------------------------------------------------------------------------------


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


@dataclass
class BulkResult:
    issued: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    retried: int = 0


#: Bulk runs commit at least this often (seconds), so an interrupted run keeps
#: nearly all it issued while 200 letters do not cost 200 commits.
COMMIT_EVERY_S = 0.5


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
    import time

    render_fn = renderer or _render_snapshot
    result = BulkResult()
    awards = pending_awards(meeting_id)
    contexts = {award.id: prepare(award) for award in awards}
    by_id = {a.id: a for a in awards}
    todo = list(contexts)
    attempts = dict.fromkeys(todo, 0)
    last_commit = time.monotonic()
    uncommitted = 0

    def _commit() -> None:
        nonlocal last_commit, uncommitted
        db.session.commit()
        if on_progress and uncommitted:
            on_progress(uncommitted)
        last_commit, uncommitted = time.monotonic(), 0

    def _save(award_id: int, pdf: bytes) -> None:
        nonlocal uncommitted
        award = by_id[award_id]
        store(award, contexts[award_id], pdf, actor)
        result.issued.append(award.reference)
        uncommitted += 1
        if time.monotonic() - last_commit >= COMMIT_EVERY_S:
            _commit()

    def _outcomes(pool: ProcessPoolExecutor | None) -> Iterable[tuple[int, Callable[[], bytes]]]:
        if pool is None:
            return ((i, lambda i=i: render_fn(contexts[i].to_dict())) for i in todo)
        futures = {i: pool.submit(render_fn, contexts[i].to_dict()) for i in todo}
        return ((i, f.result) for i, f in futures.items())

    pool = None
    try:
        while todo:
            if pool is None and workers > 1 and len(todo) > 1:
                pool = _render_pool(workers)
            failures: list[tuple[int, str]] = []
            broken = False
            for award_id, outcome in _outcomes(pool):
                try:
                    pdf = outcome()
                except Exception as error:  # noqa: BLE001 - reported, then retried
                    failures.append((award_id, repr(error)))
                    broken = broken or isinstance(error, BrokenProcessPool)
                else:
                    _save(award_id, pdf)
            if broken:
                # A dead rendering process breaks the whole pool: retry on a new one.
                pool.shutdown(wait=False, cancel_futures=True)
                pool = None
            _commit()
            todo = []
            for award_id, error in failures:
                attempts[award_id] += 1
                log.warning("letter %s failed: %s", by_id[award_id].reference, error)
                if attempts[award_id] <= RETRIES:
                    result.retried += 1
                    todo.append(award_id)
                else:
                    result.failed.append((by_id[award_id].reference, error))
    finally:
        if pool is not None:
            pool.shutdown()
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


def letters_zip(meeting_id: int) -> bytes:
    """Every valid letter of the meeting in one ZIP."""
    import io
    import zipfile

    buffer = io.BytesIO()
    rows = db.session.execute(
        select(Award.reference, Letter.version, Letter.pdf)
        .join(Letter, Letter.award_id == Award.id)
        .join(Delegate, Delegate.id == Award.delegate_id)
        .join(Application, Application.id == Delegate.application_id)
        .where(Application.meeting_id == meeting_id, Letter.status == LetterStatus.VALID)
        .order_by(Award.reference)
    )
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for reference, version, pdf in rows:
            archive.writestr(f"{reference}-v{version}.pdf", pdf)
    return buffer.getvalue()
