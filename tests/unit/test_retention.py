"""Retention (issue 22, point 4): RETENTION_DAYS after a meeting its delegates'
passport, e-mail, phone, accessibility needs, nomination notes, the passport copied
into documents and receipts' images are purged; names, awards, money (with receipts'
sha256), reports and verification stay."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from sponsorship.applications import uploads
from sponsorship.documents import letters
from sponsorship.models import (
    Application,
    AuditEvent,
    Award,
    AwardStatus,
    Claim,
    ClaimCategory,
    ClaimReceipt,
    Delegate,
    Letter,
    Meeting,
    MeetingKind,
    Payment,
    PaymentKind,
)
from sponsorship.payments.receipts import store_receipt
from sponsorship.privacy import registry, retention
from sponsorship.reporting import donor, programme
from sponsorship.storage import file_store
from tests.applicant_data import pdf_bytes, stub_letter

FIELDS = ("passport_number", "passport_expiry", "email", "phone", "accessibility_needs")


@pytest.fixture
def demo(db, runner):
    """The demo programme, with a note and a visa letter on its past MSP."""
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    past = db.session.scalar(sa.select(Meeting).where(Meeting.kind == MeetingKind.MSP))
    application = db.session.scalar(
        sa.select(Application).where(Application.meeting_id == past.id).limit(1)
    )
    note = uploads.store_note(pdf_bytes(), "note.pdf")
    application.note_path, application.note_filename = note.stored_name, note.filename
    award = db.session.scalar(
        sa.select(Award)
        .join(Delegate)
        .join(Application)
        .where(Application.meeting_id == past.id, Award.status == AwardStatus.ATTENDED)
        .limit(1)
    )
    award.delegate.accessibility_needs = "Step-free access"
    visa = stub_letter(award, "VISA-0001", pdf=b"%PDF-1.7 passport P0000001")
    visa.kind = "visa"
    visa.snapshot = {
        "kind": "visa",
        "state_name": "Chad",
        "meeting_title": past.title,
        "issue_date": "2025-11-01",
        "delegate_name": award.delegate.name,
        "passport_name": award.delegate.name,
        "passport_number": "P0000001",
        "passport_expiry": "2029-01-01",
    }
    db.session.add(visa)
    _add_receipts(db, award)
    db.session.commit()
    upcoming = db.session.scalar(sa.select(Meeting).where(Meeting.id != past.id))
    return past, upcoming, note.stored_name, visa.id


def _add_receipts(db, award) -> None:
    """A DSA payment waiting for approval and a filed claim, each with a stored receipt
    (neither moves money, so the ledger's checks are untouched)."""
    paid = store_receipt(pdf_bytes(), "dsa-signed.pdf")
    db.session.add(
        Payment(
            award_id=award.id, kind=PaymentKind.DSA_CASH, currency="CHF",
            amount=Decimal("310.00"), exchange_rate=Decimal(1), rate_date=date(2025, 11, 3),
            base_amount=Decimal("310.00"), paid_on=date(2025, 11, 3), paid_by="Cashier",
            receipt_key=paid.key, receipt_sha256=paid.sha256, receipt_type=paid.content_type,
            receipt_filename=paid.filename,
        )
    )  # fmt: skip
    taxi = store_receipt(pdf_bytes(), "taxi.pdf")
    claim = Claim(
        award_id=award.id, category=ClaimCategory.TERMINAL, currency="CHF",
        amount=Decimal("42.50"), description="Taxi",
    )  # fmt: skip
    claim.receipts = [
        ClaimReceipt(key=taxi.key, sha256=taxi.sha256, content_type=taxi.content_type,
                     filename=taxi.filename, size=taxi.size)
    ]  # fmt: skip
    db.session.add(claim)


def _fields(meeting_id: int) -> dict[str, int]:
    """Values held per field by the meeting's delegates (what the test lists)."""
    return registry.count(registry.Scope.meeting(meeting_id))


def _after_period(meeting: Meeting, app):
    return meeting.ends_on + timedelta(days=app.config["RETENTION_DAYS"] + 1)


def test_retention_purges_each_field_of_meetings_past_the_period_only(app, db, demo):
    past, upcoming, note_name, visa_id = demo
    before, before_upcoming = _fields(past.id), _fields(upcoming.id)
    print("before:", before)
    images = [db.session.scalar(sa.select(Payment.receipt_key)),
              db.session.scalar(sa.select(ClaimReceipt.key))]  # fmt: skip
    assert all(file_store().stat(k) for k in images)
    held = (*FIELDS, "nomination_notes", "letter_passport_copies", "receipt_images")
    assert all(before[f] > 0 for f in held)

    done = retention.run(_after_period(past, app))

    after = _fields(past.id)
    print("after:", after)
    assert [m.meeting_id for m in done] == [past.id]
    assert done[0].counts == before
    assert set(after.values()) == {0}
    assert _fields(upcoming.id) == before_upcoming, "a meeting within its period keeps its data"
    delegates = db.session.scalars(
        sa.select(Delegate).join(Application).where(Application.meeting_id == past.id)
    ).all()
    assert all(d.name and d.personal_data_purged_at for d in delegates), "names stay"
    assert all(getattr(d, f) is None for d in delegates for f in FIELDS)
    noted = db.session.scalar(sa.select(Application).where(Application.note_filename == "note.pdf"))
    assert noted.note_path is None and len(noted.note_sha256) == 64
    assert file_store().stat(uploads.note_key(note_name)) is None, "the file is gone"
    assert letters.letter_pdf(visa_id) is None, "the visa letter printed the passport"
    payment = db.session.scalar(sa.select(Payment))
    receipt = db.session.scalar(sa.select(ClaimReceipt))
    assert payment.receipt_key is None and len(payment.receipt_sha256) == 64
    assert payment.amount == Decimal("310.00"), "amounts stay"
    assert receipt.key == "" and len(receipt.sha256) == 64
    assert receipt.claim.amount == Decimal("42.50")
    assert all(file_store().stat(k) is None for k in images), "the images are gone"


def test_purge_keeps_verification_ledger_and_reports_working(app, db, demo, runner):
    past, _upcoming, _note, _visa = demo
    lines_before = programme.lines("meeting")
    donor_id = db.session.scalar(
        sa.select(sa.func.min(sa.text("id"))).select_from(sa.table("donors"))
    )
    totals_before = donor.totals(donor_id)

    retention.run(_after_period(past, app))

    check = runner.invoke(args=["funds", "check"])
    assert check.exit_code == 0, check.output
    verified = letters.verify("VISA-0001")
    assert verified.status == "valid" and verified.delegate_name
    snapshot = db.session.scalar(
        sa.select(Letter.snapshot).where(Letter.verification_code == "VISA-0001")
    )
    assert not any(snapshot[k] for k in registry.PASSPORT_KEYS)
    assert programme.lines("meeting") == lines_before
    assert donor.totals(donor_id) == totals_before


def test_dry_run_lists_counts_per_field_and_changes_nothing(app, db, demo, runner):
    past, _upcoming, _note, _visa = demo
    before = _fields(past.id)
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    day = _after_period(past, app).isoformat()

    result = runner.invoke(args=["retention", "run", "--dry-run", "--today", day])

    assert result.exit_code == 0, result.output
    assert f"meeting {past.id}" in result.output
    assert f"passport_number {before['passport_number']}" in result.output
    assert _fields(past.id) == before
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events


def test_second_run_changes_nothing(app, db, demo):
    past, _upcoming, _note, _visa = demo
    day = _after_period(past, app)
    assert retention.run(day)
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))

    assert retention.run(day) == []
    assert retention.plan(day) == []
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events


def test_purge_is_audited_with_counts_never_values(app, db, demo):
    past, _upcoming, _note, _visa = demo
    before = _fields(past.id)
    secrets = [
        v
        for d in db.session.scalars(
            sa.select(Delegate).join(Application).where(Application.meeting_id == past.id)
        )
        for v in (d.passport_number, d.email, d.phone)
        if v
    ]

    retention.run(_after_period(past, app))

    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "privacy.retention_purge")
    )
    assert (event.object_type, event.object_id) == ("Meeting", past.id)
    assert event.after["fields"] == before
    assert event.after["retention_days"] == app.config["RETENTION_DAYS"]
    assert not any(s in str(event.after) for s in secrets)


def test_meeting_within_the_period_is_not_due(app, db, demo):
    past, _upcoming, _note, _visa = demo
    day = past.ends_on + timedelta(days=app.config["RETENTION_DAYS"])
    assert retention.plan(day) == []
    assert retention.run(day) == []


def test_retention_job_runs_through_the_jobs_registry(app, db, demo):
    from sponsorship.jobs.definitions import execute

    past, _upcoming, _note, _visa = demo
    result = execute("retention", {"today": _after_period(past, app).isoformat()})
    assert result["meetings"] == 1 and result["values"] > 0


def test_count_meetings_equals_each_meetings_own_count(app, db, demo):
    past, upcoming, _note, _visa = demo
    ids = [past.id, upcoming.id, 10**6]  # the last holds nothing: zeros, not a gap
    together = registry.count_meetings(ids)
    assert together == {m: _fields(m) for m in ids}
    assert any(together[past.id].values())
    assert set(together[10**6].values()) == {0}


def test_retention_plan_counts_every_meeting_in_a_fixed_number_of_queries(
    app, db, demo, count_queries
):
    past, *_rest = demo
    with count_queries() as counted:
        found = retention.plan(_after_period(past, app))
    assert [m.meeting_id for m in found] == [past.id]
    # Due meetings, then one query per kind (two for receipts), whatever their number.
    assert counted.count <= 7


def test_letters_keep_whether_they_hold_a_passport_until_the_purge(app, db, demo):
    past, _upcoming, _note, _visa = demo
    held = sa.select(Letter.verification_code).where(Letter.passport_held)
    assert "VISA-0001" in db.session.scalars(held).all()
    letter = db.session.scalar(sa.select(Letter).where(Letter.verification_code == "VISA-0001"))
    assert letter.passport_held == registry.holds_passport(
        letter.kind, letter.snapshot, letter.file_key
    )

    retention.run(_after_period(past, app))

    db.session.expire_all()
    assert "VISA-0001" not in db.session.scalars(held).all()
