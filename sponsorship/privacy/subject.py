"""Everything the programme holds about one delegate, as plain data for an export.

Sections are functions of the delegate, listed in SECTIONS; a feature that keeps more
about a delegate (payments and receipts, a person across meetings) appends its own.
Values are primitives (text, numbers as text, ISO dates), so JSON and the PDF
template render the same dictionary. The audit history is given as sentences in the
reader's language (audit_viewer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from sponsorship.extensions import db
from sponsorship.models import Allocation, Delegate, DelegateReport, Letter, OutboxMessage


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _text(value) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if hasattr(value, "value"):  # an enum
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def delegate_section(d: Delegate) -> tuple[str, Any]:
    columns = (
        "name", "gender", "function", "organisation", "email", "phone", "nationality",
        "passport_number", "passport_expiry", "departure_city", "first_time", "survivor",
        "accessibility_needs", "personal_data_purged_at",
    )  # fmt: skip
    return "delegate", {"id": d.id, **{c: _text(getattr(d, c)) for c in columns}}


def application_section(d: Delegate) -> tuple[str, Any]:
    a = d.application
    return "application", {
        "id": a.id,
        "state": a.state.name,
        "meeting": a.meeting.title,
        "meeting_ends_on": _iso(a.meeting.ends_on),
        "status": a.status.value,
        "language": a.language,
        "statement_planned": a.statement_planned,
        "presentation_planned": a.presentation_planned,
        "national_role": a.national_role,
        "consent_personal_data": a.consent_personal_data,
        "submitted_at": _iso(a.submitted_at),
        "note": {
            "filename": a.note_filename,
            "stored": a.note_path is not None,
            "sha256": a.note_sha256,
            "purged_at": _iso(a.note_purged_at),
        },
    }


def award_section(d: Delegate) -> tuple[str, Any]:
    award = d.award
    if award is None:
        return "award", None
    allocations = db.session.scalars(
        sa.select(Allocation).where(Allocation.award_id == award.id).order_by(Allocation.id)
    )
    return "award", {
        "reference": award.reference,
        "status": award.status.value,
        "offered_at": _iso(award.offered_at),
        "offer_deadline": _iso(award.offer_deadline),
        "responded_at": _iso(award.responded_at),
        "decision_reason": award.decision_reason,
        "decline_reason": award.decline_reason,
        "confirmed_departure_city": award.confirmed_departure_city,
        "travel_out_on": _iso(award.travel_out_on),
        "travel_back_on": _iso(award.travel_back_on),
        "report_received_at": _iso(award.report_received_at),
        "reconciled_at": _iso(award.reconciled_at),
        "cost_lines": [
            {
                "kind": line.kind.value,
                "stage": line.stage.value,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit_amount": str(line.unit_amount),
                "amount": str(line.amount),
                "paid_on": _iso(line.paid_on),
            }
            for line in award.cost_lines
        ],
        "allocations": [
            {
                "contribution": a.contribution.reference,
                "donor": a.contribution.donor.name,
                "amount": str(a.amount),
                "status": a.status.value,
            }
            for a in allocations
        ],
    }


def letters_section(d: Delegate) -> tuple[str, Any]:
    if d.award is None:
        return "documents", []
    letters = db.session.scalars(
        sa.select(Letter).where(Letter.award_id == d.award.id).order_by(Letter.kind, Letter.version)
    )
    return "documents", [
        {
            "kind": letter.kind,
            "version": letter.version,
            "language": letter.language,
            "status": letter.status.value,
            "issued_at": _iso(letter.issued_at),
            "sha256": letter.sha256,
            "verification_code": letter.verification_code,
            "data": letter.snapshot,
        }
        for letter in letters
    ]


def report_section(d: Delegate) -> tuple[str, Any]:
    if d.award is None:
        return "report", None
    report = db.session.scalar(
        sa.select(DelegateReport).where(DelegateReport.award_id == d.award.id)
    )
    if report is None:
        return "report", None
    return "report", {
        "submitted_at": _iso(report.submitted_at),
        "statement_delivered": report.statement_delivered,
        "comments": report.comments,
        "sessions": [s.title for s in report.sessions],
    }


def mail_section(d: Delegate) -> tuple[str, Any]:
    """Messages about the delegate's award (sent to the State's applicants)."""
    if d.award is None:
        return "messages", []
    rows = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.object_type == "Award", OutboxMessage.object_id == d.award.id)
        .order_by(OutboxMessage.id)
    )
    return "messages", [
        {"kind": m.kind, "subject": m.subject, "status": m.status.value,
         "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at)}
        for m in rows
    ]  # fmt: skip


def history_section(d: Delegate) -> tuple[str, Any]:
    from sponsorship.audit_viewer.trail import TrailFilter, page_of

    page = page_of(TrailFilter(delegate_id=d.id), page=1, per_page=1000)
    return "history", [
        {"at": _iso(e.at), "who": e.who, "what": e.sentence, "details": e.details}
        for e in page.entries
    ]


SECTIONS: list[Callable[[Delegate], tuple[str, Any]]] = [
    delegate_section,
    application_section,
    award_section,
    letters_section,
    report_section,
    mail_section,
    history_section,
]


def export(delegate: Delegate) -> dict[str, Any]:
    """Every section about `delegate`, in order."""
    return dict(section(delegate) for section in SECTIONS)
