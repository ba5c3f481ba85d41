"""A person's data on request and the audit viewer, through the administrators' pages
(issue 22, points 5 and 6)."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from sponsorship.models import AuditEvent, Delegate
from tests.applicant_data import offered_award
from tests.conftest import post_form
from tests.exports import download
from tests.factories import StateFactory, UserFactory


@pytest.fixture
def setting(db, client, auth):
    admin = UserFactory(locale="fr")
    award = offered_award(StateFactory(), name="=HYPERLINK(1) Amina")
    d = award.delegate
    d.email, d.phone, d.passport_number = "amina@example.org", "+235 1", "N0123456"
    d.accessibility_needs = "Wheelchair"
    db.session.commit()
    auth.login(admin.email)
    return admin, d


def _events(db, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_export_json_holds_everything_and_is_audited(db, client, setting):
    _admin, d = setting
    response = client.get(f"/admin/privacy/delegates/{d.id}/export.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    data = json.loads(response.data)
    assert data["delegate"]["passport_number"] == "N0123456"
    assert data["delegate"]["email"] == "amina@example.org"
    assert data["award"]["reference"] == d.award.reference
    assert {"application", "documents", "history", "messages"} <= data.keys()
    [event] = _events(db, "privacy.export")
    assert (event.object_type, event.object_id, event.after) == (
        "Delegate",
        d.id,
        {"format": "json"},
    )


def test_export_pdf_is_in_the_administrators_language(db, client, setting):
    _admin, d = setting
    response = client.get(f"/admin/privacy/delegates/{d.id}/export.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Données personnelles détenues sur" in text
    assert "N0123456" in text


def test_erasure_needs_a_reason_then_purges_and_is_audited(db, client, setting):
    _admin, d = setting
    page = f"/admin/privacy/delegates/{d.id}/erase"
    assert "N0123456" not in client.get(page).get_data(as_text=True), "counts, not values"
    refused = post_form(client, page, {"reason": ""}, page=page)
    assert refused.status_code == 422
    assert db.session.get(Delegate, d.id).passport_number == "N0123456"

    done = post_form(client, page, {"reason": "Request of 2 December"}, page=page)

    assert done.status_code == 302
    db.session.expire_all()
    d = db.session.get(Delegate, d.id)
    assert (d.email, d.phone, d.passport_number, d.accessibility_needs) == (None,) * 4
    assert d.name and d.award.reference, "the name and the award stay"
    [event] = _events(db, "privacy.erasure")
    assert event.after["reason"] == "Request of 2 December"
    assert event.after["fields"]["passport_number"] == 1
    assert "N0123456" not in json.dumps(event.after)


def test_audit_page_reads_in_french_and_exports_neutralised_csv(db, client, setting):
    _admin, d = setting
    client.get(f"/admin/privacy/delegates/{d.id}/export.json")
    page = client.get("/admin/audit/?person=Amina").get_data(as_text=True)
    assert "a exporté les données personnelles de =HYPERLINK(1) Amina" in page
    assert "privacy.export" not in page
    response = download(client, "/admin/audit/trail.csv?person=Amina")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "Quand (UTC)"
    assert all(not cell.startswith("=") for row in rows for cell in row)


def test_audit_filter_refuses_bad_dates_without_failing(db, client, setting):
    response = client.get("/admin/audit/?since=not-a-date&page=-4")
    assert response.status_code == 200
    assert "Aucun" in response.get_data(as_text=True) or "Rien" in response.get_data(as_text=True)


def test_erased_receipts_show_as_purged_gone_from_storage_and_export_keeps_sha256(
    db, client, setting
):
    """Receipts' images leave with the person's data (410, like a purged visa
    letter); the payment, the claim, their amounts and the receipts' sha256 stay."""
    from datetime import date
    from decimal import Decimal

    from sponsorship.models import Claim, ClaimCategory, ClaimReceipt, Payment, PaymentKind
    from sponsorship.payments.receipts import store_receipt
    from sponsorship.privacy import erasure
    from sponsorship.storage import file_store
    from tests.applicant_data import pdf_bytes

    admin, d = setting
    stored = store_receipt(pdf_bytes(), "signed.pdf")
    payment = Payment(
        award_id=d.award.id, kind=PaymentKind.ADVANCE, currency="CHF", amount=Decimal("120.00"),
        exchange_rate=Decimal(1), rate_date=date(2026, 11, 20), base_amount=Decimal("120.00"),
        paid_on=date(2026, 11, 20), receipt_key=stored.key, receipt_sha256=stored.sha256,
        receipt_type=stored.content_type, receipt_filename=stored.filename,
    )  # fmt: skip
    taxi = store_receipt(pdf_bytes(), "taxi.pdf")
    claim = Claim(award_id=d.award.id, category=ClaimCategory.TERMINAL, currency="CHF",
                  amount=Decimal("42.50"))  # fmt: skip
    claim.receipts = [ClaimReceipt(key=taxi.key, sha256=taxi.sha256, filename="taxi.pdf",
                                   content_type=taxi.content_type, size=taxi.size)]  # fmt: skip
    db.session.add_all([payment, claim])
    db.session.commit()
    receipt_id = claim.receipts[0].id
    assert client.get(f"/admin/payments/payments/{payment.id}/receipt").status_code == 200

    counts = erasure.erase(d, admin, "Request of 3 December")

    assert counts["receipt_images"] == 2
    assert file_store().stat(stored.key) is None and file_store().stat(taxi.key) is None
    assert client.get(f"/admin/payments/payments/{payment.id}/receipt").status_code == 410
    assert client.get(f"/admin/payments/receipts/{receipt_id}").status_code == 410
    page = client.get(f"/admin/payments/awards/{d.award.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count(stored.sha256[:12]) == 2, "both receipts (same bytes) show as purged"
    assert f"/receipts/{receipt_id}" not in html and f"{payment.id}/receipt" not in html
    data = json.loads(client.get(f"/admin/privacy/delegates/{d.id}/export.json").data)
    [paid] = data["payments"]
    assert (Decimal(paid["amount"]), paid["status"], paid["receipt_sha256"]) == (
        Decimal("120"), "entered", stored.sha256,
    )  # fmt: skip
    assert paid["receipt_stored"] is False and "receipt_key" not in paid
    [claimed] = data["claims"]
    assert Decimal(claimed["amount"]) == Decimal("42.5")
    assert claimed["receipts_sha256"] == [taxi.sha256]
    pdf = client.get(f"/admin/privacy/delegates/{d.id}/export.pdf")
    assert pdf.status_code == 200
