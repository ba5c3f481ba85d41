"""Award letters and delegates' reports.

Letters are metadata (version, language, snapshot, verification code, sha256) with a
small placeholder PDF each: rendering 16,000 real letters would take about half an
hour and measure WeasyPrint, which the letters benchmark already does.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sponsorship.devdata import names
from sponsorship.devdata.scale.applications import PricedAward
from sponsorship.devdata.scale.bulk import Run, insert
from sponsorship.documents.context import CostLine, LetterContext
from sponsorship.documents.letters import PDF_TYPE, pdf_key
from sponsorship.models import DelegateReport, Letter, StoredFile, delegate_report_sessions
from sponsorship.models.base import utcnow
from sponsorship.storage import DatabaseStore, file_store

#: A one-page PDF, filled in per letter (see `_placeholder_pdf`).
_PDF_OBJECTS = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
    " /Resources << /Font << /F1 5 0 R >> >> >>",
    None,  # the content stream
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
]


def _placeholder_pdf(reference: str, version: int) -> bytes:
    """A valid one-page PDF naming the award: scale data stores letters' metadata, and
    a real letter per award would measure WeasyPrint rather than the pages under test."""
    text = f"Scale data: award letter {reference}, version {version}"
    stream = f"BT /F1 12 Tf 72 770 Td ({text}) Tj ET"
    objects = list(_PDF_OBJECTS)
    objects[3] = f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream"
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _context(
    run: Run, meeting: dict, award: PricedAward, issued: datetime, code: str
) -> LetterContext:
    """What the letter says, as the letters service freezes it."""
    iso3 = award.delegate["_app"]["_iso3"]
    lang = award.language

    def local(field: str) -> str:  # the meeting's typed text in the letter's language
        return meeting.get(f"{field}_{lang}") or meeting[field]

    title_key = "title" if lang == "en" else f"title_{lang}"
    return LetterContext(
        reference=award.reference,
        version=1,
        language=award.language,
        issue_date=issued.date().isoformat(),
        state_name=iso3,
        addressee=f"Permanent Mission ({iso3})",
        address_lines=("Geneva",),
        delegate_name=award.delegate["name"],
        delegate_function=award.delegate["function"],
        meeting_title=local("title"),
        meeting_start=meeting["starts_on"].isoformat(),
        meeting_end=meeting["ends_on"].isoformat(),
        venue=local("venue"),
        city=local("city"),
        departure_city="Capital",
        currency=run.base_currency,
        cost_lines=tuple(
            CostLine(
                line["kind"],
                line["description"],
                str(line["quantity"]),
                f"{line['unit_amount']:.2f}",
                f"{line['amount']:.2f}",
            )
            for line in award.lines
        ),
        total=f"{award.estimate:.2f}",
        dsa_nights=int(award.lines[1]["quantity"]),
        dsa_rate=f"{meeting['dsa_rate']:.2f}",
        terminal_expenses=f"{meeting['terminal_expenses']:.2f}",
        visa_covered=False,
        report_due_days=meeting["report_due_days"],
        answer_deadline=award.columns["offer_deadline"].isoformat(),
        answer_url=f"{run.public_url}/apply/awards/{award.id}",
        verification_code=code,
        verification_url=f"{run.public_url}/verify/{code}",
        signatory_name=names.SIGNATORY["name"],
        signatory_title=names.SIGNATORY[title_key],
    )


def _letter(run: Run, meeting: dict, award: PricedAward) -> dict:
    """Version 1 of the award's letter, issued five minutes after the offer."""
    issued = award.columns["offered_at"] + timedelta(minutes=5)
    code = run.code()
    ctx = _context(run, meeting, award, issued, code)
    pdf = _placeholder_pdf(award.reference, 1)
    digest = hashlib.sha256(pdf).hexdigest()
    return {
        "award_id": award.id,
        "version": 1,
        "language": award.language,
        "status": "valid",
        "sha256": digest,
        "file_key": pdf_key(digest),
        "_pdf": pdf,
        "snapshot": ctx.to_dict(),
        "verification_code": code,
        "issued_at": issued,
        "issued_by_id": run.admin(),
        "superseded_at": None,
    }


def _report(run: Run, award: PricedAward) -> dict:
    return {
        "award_id": award.id,
        "statement_delivered": run.rng.random() < 0.5,
        "comments": "Attended every session of the Committee.",
        "submitted_by_id": run.applicant_of[award.state_id],
        "submitted_at": award.columns["report_received_at"],
    }


def letters_and_reports(run: Run, meeting: dict, awards: list[PricedAward]) -> None:
    """A letter for every award offered; a report from most delegates who attended."""
    letters, reports = [], []
    for award in awards:
        if not award.columns.get("offered_at"):
            continue
        letters.append(_letter(run, meeting, award))
        if award.columns.get("report_received_at"):
            reports.append(_report(run, award))
    _keep_files(letters)
    letter_ids = insert(Letter, letters, returning=True)
    run.counts["letters"] += len(letter_ids)
    for letter_id, row in zip(letter_ids, letters, strict=True):
        run.event(
            row["issued_at"],
            row["issued_by_id"],
            "letter.issued",
            "Letter",
            letter_id,
            after={"version": 1, "sha256": row["sha256"], "code": row["verification_code"]},
        )
    ids = insert(DelegateReport, reports, returning=True)
    run.counts["reports"] += len(ids)
    sessions = meeting["session_ids"]
    insert(
        delegate_report_sessions,
        [{"report_id": rid, "session_id": sid} for rid in ids for sid in sessions[:2]],
    )


def _keep_files(letters: list[dict]) -> None:
    """The letters' PDFs into the storage: in bulk with the database backend (rows
    beside the letters', in the same transaction), one by one with S3."""
    store = file_store()
    if not isinstance(store, DatabaseStore):
        for row in letters:
            store.put(row["file_key"], row["_pdf"], PDF_TYPE)
        return
    now = utcnow()
    insert(
        StoredFile,
        [
            {
                "key": row["file_key"],
                "content": row["_pdf"],
                "size": len(row["_pdf"]),
                "sha256": row["sha256"],
                "content_type": PDF_TYPE,
                "created_at": now,
            }
            for row in letters
        ],
    )
