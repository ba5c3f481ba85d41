"""Award letters: build the frozen context from an award, issue, reissue, revoke, verify.

An issued letter never changes: its PDF, sha256 and snapshot are written once. A
change to the award (a new price, a new deadline) is a reissue: a new version, the
old one marked superseded. Rendering is split from storing (`prepare` -> render ->
`store`) so the bulk path (`documents.bulk`) can render in a pool of processes, one
renderer each, while the database work stays in this process.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select, update

from sponsorship.core import audit, money
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.documents.context import CostLine, LetterContext
from sponsorship.extensions import db
from sponsorship.mail.outbox import external_url
from sponsorship.models import Award, AwardStatus, Letter, LetterStatus, Signatory
from sponsorship.models.awards import CostKind, CostStage
from sponsorship.models.base import utcnow
from sponsorship.storage import StorageError, file_store, put_with_data

log = logging.getLogger(__name__)

#: Letters are issued only for what they announce: an offer, or an accepted one.
ISSUABLE = (AwardStatus.OFFERED, AwardStatus.ACCEPTED)
#: Each kind of document belongs to a series; a new version supersedes the older
#: ones of its series: the award confirmation supersedes the offer.
SERIES = {
    "offer": ("offer", "confirmation"),
    "confirmation": ("offer", "confirmation"),
    "visa": ("visa",),
    "certificate": ("certificate",),
}
#: The award statuses in which each kind of document may be issued.
ISSUABLE_FOR = {
    "offer": (AwardStatus.OFFERED,),
    "confirmation": (AwardStatus.ACCEPTED, AwardStatus.ATTENDED),
    "visa": (AwardStatus.ACCEPTED,),
    "certificate": (AwardStatus.ATTENDED,),
}
#: No 0/O, 1/I/L: a code read aloud or typed from paper is not mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8  # 31**8 ~ 8.5e11 codes
#: Where the letters' PDFs are stored (documents/letters.pdf_key).
LETTERS = "letters"
PDF_TYPE = "application/pdf"


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


def award_kind(award: Award) -> str:
    """The award letter's kind for the award as it stands: an offer until accepted."""
    return "offer" if award.status == AwardStatus.OFFERED else "confirmation"


def pdf_key(digest: str) -> str:
    """The storage key of a letter's PDF: its sha256 names it, so the key of an issued
    letter can only ever hold its bytes, and storing it again stores the same file."""
    return f"{LETTERS}/{digest}.pdf"


def keep_pdf(pdf: bytes) -> tuple[str, str]:
    """Store a rendered PDF with the letter being written: (its sha256, its key)."""
    digest = hashlib.sha256(pdf).hexdigest()
    key = pdf_key(digest)
    put_with_data(key, pdf, PDF_TYPE)
    return digest, key


def checked_pdf(key: str, digest: str) -> bytes:
    """The stored PDF under `key`, if it is still the one issued (its sha256)."""
    pdf = file_store().get(key)
    if hashlib.sha256(pdf).hexdigest() != digest:
        log.error("letter file %s does not match its sha256 %s", key, digest)
        raise StorageError(f"{key} is not the letter issued")
    return pdf


def letter_pdf(letter_id: int) -> tuple[str, bytes] | None:
    """(file name, PDF bytes) of an issued document: the one place its bytes are read,
    from the storage, checked against the sha256 recorded when it was issued."""
    row = db.session.execute(
        select(Award.reference, Letter.kind, Letter.version, Letter.file_key, Letter.sha256)
        .join(Award, Award.id == Letter.award_id)
        .where(Letter.id == letter_id)
    ).first()
    if row is None:
        return None
    reference, kind, version, key, digest = row
    if not key:
        return None  # purged with the passport it printed (sponsorship/privacy)
    return f"{reference}-{kind}-v{version}.pdf", checked_pdf(key, digest)


def current_letter(award: Award, kind: str = "offer") -> Letter | None:
    """The valid document of `kind`'s series (the award letter by default)."""
    return db.session.scalar(
        select(Letter)
        .where(
            Letter.award_id == award.id,
            Letter.kind.in_(SERIES[kind]),
            Letter.status == LetterStatus.VALID,
        )
        .order_by(Letter.version.desc())
        .limit(1)
    )


def _next_version(award: Award, kind: str = "offer") -> int:
    latest = db.session.scalar(
        select(func.max(Letter.version)).where(
            Letter.award_id == award.id, Letter.kind.in_(SERIES[kind])
        )
    )
    return (latest or 0) + 1


def build_context(
    award: Award,
    *,
    version: int | None = None,
    code: str | None = None,
    today: date | None = None,
    kind: str | None = None,
    language: str | None = None,
    passport: dict[str, str] | None = None,
) -> LetterContext:
    """The primitives-only context of `award`'s next document of `kind`, in `language`
    (by default the application's correspondence language)."""
    delegate = award.delegate
    application = delegate.application
    meeting = application.meeting
    state = application.state
    kind = kind or award_kind(award)
    language = language or application.language
    language = language if language in ("en", "fr", "es") else "en"
    state_name = {"fr": state.name_fr, "es": state.name_es}.get(language) or state.name
    address = [line.strip() for line in (state.mission_address or "").splitlines() if line.strip()]
    addressee = address[0] if address else state_name
    lines = [line for line in award.cost_lines if line.stage == CostStage.ESTIMATE]
    dsa = next((line for line in lines if line.kind == CostKind.DSA), None)
    terminal = next((line for line in lines if line.kind == CostKind.TERMINAL), None)
    code = code or _unique_code()
    version = version or _next_version(award, kind)
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
        meeting_title=meeting.in_language("title", language),
        meeting_start=meeting.starts_on.isoformat(),
        meeting_end=meeting.ends_on.isoformat(),
        venue=meeting.in_language("venue", language),
        city=meeting.in_language("city", language),
        departure_city=award.confirmed_departure_city or delegate.departure_city,
        currency=money.base_currency(),
        cost_lines=tuple(
            CostLine(
                line.kind.value,
                # Only what an administrator typed: the generated descriptions are
                # English, and the letter words its own in the letter's language.
                (line.description or "") if line.kind == CostKind.OTHER else "",
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
        **signature(language),
        kind=kind,
        travel_out_on=award.travel_out_on.isoformat() if award.travel_out_on else "",
        travel_back_on=award.travel_back_on.isoformat() if award.travel_back_on else "",
        nationality=delegate.nationality or "",
        **_passport(delegate, passport),
        **_cofunding(award),
    )


def _cofunding(award) -> dict[str, str]:
    """Who pays what, when the State or another body pays a share (else nothing)."""
    if not award.cofunded_amount:
        return {}
    return {
        "cofunded_by": award.cofunded_by or "",
        "cofunded_amount": _decimal(award.cofunded_amount),
        "fund_share": _decimal(award.fund_share()),
    }


def _passport(delegate, given: dict[str, str] | None) -> dict[str, str]:
    """The passport as the delegate's request gave it, else as the nomination did."""
    given = given or {}
    expiry = given.get("passport_expiry") or (
        delegate.passport_expiry.isoformat() if delegate.passport_expiry else ""
    )
    return {
        "passport_name": given.get("passport_name") or delegate.name,
        "passport_number": given.get("passport_number") or delegate.passport_number or "",
        "passport_expiry": expiry,
    }


def signature(language: str) -> dict[str, str]:
    """The signatory block in `language`; empty parts print the programme's own name."""
    row = db.session.get(Signatory, 1)
    if row is None:
        return {
            "signatory_name": current_app.config.get("LETTER_SIGNATORY_NAME", ""),
            "signatory_title": current_app.config.get("LETTER_SIGNATORY_TITLE", ""),
        }
    return {"signatory_name": row.name, "signatory_title": row.in_language("title", language)}


def _check_issuable(award: Award, kind: str) -> None:
    if award.status not in ISSUABLE_FOR[kind]:
        raise DomainError(
            f"{award.reference}: a {kind} document is not issued for a {award.status.value} award"
        )


def prepare(
    award: Award,
    today: date | None = None,
    *,
    kind: str | None = None,
    language: str | None = None,
    passport: dict[str, str] | None = None,
) -> LetterContext:
    kind = kind or award_kind(award)
    _check_issuable(award, kind)
    return build_context(award, today=today, kind=kind, language=language, passport=passport)


def store(award: Award, ctx: LetterContext, pdf: bytes, actor) -> Letter:
    """Write the rendered letter; any older valid version becomes superseded."""
    previous = list(
        db.session.scalars(
            select(Letter).where(
                Letter.award_id == award.id,
                Letter.kind.in_(SERIES[ctx.kind]),
                Letter.status == LetterStatus.VALID,
            )
        )
    )
    digest, key = keep_pdf(pdf)
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
        kind=ctx.kind,
        version=ctx.version,
        language=ctx.language,
        status=LetterStatus.VALID,
        sha256=digest,
        file_key=key,
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
            "kind": letter.kind,
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


def preview(award: Award, as_pdf: bool = False, kind: str | None = None) -> bytes | str:
    """What the next letter would look like; nothing is stored."""
    from sponsorship.documents.render import get_renderer

    ctx = build_context(award, code="PREV-IEW0", kind=kind)
    renderer = get_renderer()
    return renderer.render(ctx) if as_pdf else renderer.render_html(ctx)


def issue(
    award: Award,
    actor,
    today: date | None = None,
    *,
    kind: str | None = None,
    language: str | None = None,
    passport: dict[str, str] | None = None,
) -> Letter:
    """Issue (or reissue) `award`'s document of `kind` (by default its award letter,
    offer or confirmation) in `language` (by default the correspondence one); commits."""
    ctx = prepare(award, today, kind=kind, language=language, passport=passport)
    pdf = render(ctx)  # outside the unit: a render must not hold the write lock
    with unit_of_work():
        letter = store(award, ctx, pdf, actor)
    return letter


def revoke(letter: Letter, actor, reason: str = "") -> Letter:
    with unit_of_work():
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
    db.session.refresh(letter)
    return letter


@dataclass(frozen=True)
class Verification:
    """What the public may know about a document: nothing beyond these fields."""

    status: str
    kind: str
    state_name: str
    meeting_title: str
    issue_date: date | None
    delegate_name: str
    #: A later version of the same document was issued (never which, nor its code).
    newer_version: bool


def verify(code: str) -> Verification | None:
    row = db.session.execute(
        select(Letter.award_id, Letter.status, Letter.snapshot, Letter.version).where(
            Letter.verification_code == normalise_code(code)
        )
    ).first()
    if row is None:
        return None
    award_id, status, snapshot, version = row
    kind = snapshot.get("kind", "offer")
    newer = db.session.scalar(
        select(func.count(Letter.id)).where(
            Letter.award_id == award_id, Letter.kind.in_(SERIES[kind]), Letter.version > version
        )
    )
    return Verification(
        status=LetterStatus(status).value,
        kind=kind,
        state_name=snapshot.get("state_name", ""),
        meeting_title=snapshot.get("meeting_title", ""),
        issue_date=date.fromisoformat(snapshot["issue_date"])
        if snapshot.get("issue_date")
        else None,
        delegate_name=snapshot.get("delegate_name", ""),
        newer_version=bool(newer),
    )
