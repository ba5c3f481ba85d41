"""The payments pages through HTTP: forms as administrators fill them, receipts checked
by content, the four-eyes refusal, the applicant's own claims (issue 22)."""

from __future__ import annotations

import io
import re
from decimal import Decimal as D

import pytest
from PIL import Image

from sponsorship.extensions import db as _db
from sponsorship.models import (
    AwardStatus,
    Claim,
    ClaimStatus,
    Payment,
    PaymentStatus,
    Role,
)
from tests.applicant_data import accepted_award_after_meeting, html_polyglot, pdf_bytes
from tests.conftest import csrf_token
from tests.factories import ContributionFactory, StateFactory, UserFactory


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def world(app, monkeypatch, db):
    monkeypatch.setitem(app.config, "FOUR_EYES_THRESHOLD", "1000")
    state = StateFactory()
    award = accepted_award_after_meeting(state)
    award.status = AwardStatus.ATTENDED
    first = UserFactory(email="first@example.org")
    second = UserFactory(email="second@example.org")
    applicant = UserFactory(role=Role.APPLICANT, state=state, email="app@example.org")
    ContributionFactory(amount=D("50000"))
    db.session.commit()
    return award, first, second, applicant


def _enter(client, award, amount="1500", receipt=None, **extra):
    data = {
        "csrf_token": csrf_token(client, f"/admin/payments/awards/{award.id}"),
        "kind": "dsa_cash",
        "currency": "CHF",
        "amount": amount,
        "paid_on": "2026-11-20",
        "paid_by": "Cashier",
        **extra,
    }
    if receipt is not None:
        data["receipt"] = (io.BytesIO(receipt), "receipt.png")
    return client.post(
        f"/admin/payments/awards/{award.id}/payments",
        data=data,
        content_type="multipart/form-data",
    )


def test_dsa_cash_without_receipt_is_refused(client, auth, world):
    award, first, *_ = world
    auth.login(first.email)
    response = _enter(client, award)
    # Back on the award's page (issue 23's form pattern), the refusal at its field.
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed receipt" in page and 'id="amount-error"' in page


def test_html_disguised_as_receipt_is_refused(client, auth, world):
    award, first, *_ = world
    auth.login(first.email)
    response = _enter(client, award, receipt=html_polyglot())
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/payments/awards/{award.id}"
    assert _db.session.query(Payment).count() == 0


def test_same_person_approval_above_threshold_is_refused_over_http(client, auth, world):
    award, first, second, _ = world
    auth.login(first.email)
    assert _enter(client, award, receipt=png_bytes()).status_code == 302
    payment = _db.session.query(Payment).one()
    page = client.get(f"/admin/payments/awards/{award.id}").get_data(as_text=True)
    assert "Another administrator approves it." in page
    token = csrf_token(client, f"/admin/payments/awards/{award.id}")
    client.post(f"/admin/payments/payments/{payment.id}/approve", data={"csrf_token": token})
    _db.session.refresh(payment)
    assert payment.status == PaymentStatus.ENTERED
    receipt = client.get(f"/admin/payments/payments/{payment.id}/receipt")
    assert receipt.status_code == 200 and receipt.mimetype == "image/png"


def test_applicant_files_claim_for_own_award_only(client, auth, world):
    award, first, second, applicant = world
    auth.login(applicant.email)
    response = client.post(
        f"/apply/awards/{award.id}/claims",
        data={
            "csrf_token": csrf_token(client, f"/apply/awards/{award.id}/claims"),
            "category": "terminal",
            "currency": "EUR",
            "amount": "80",
            "receipts": [(io.BytesIO(pdf_bytes()), "taxi.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    claim = _db.session.query(Claim).one()
    assert claim.status == ClaimStatus.FILED and claim.receipts[0].filename == "taxi.pdf"
    assert re.search(r"taxi\.pdf", client.get(f"/apply/awards/{award.id}/claims").get_data(True))


def test_payments_pages_work_as_plain_forms(client, auth, world):
    """No page needs JavaScript: every action is a form posting to its route."""
    award, first, *_ = world
    auth.login(first.email)
    for url in (f"/admin/payments/awards/{award.id}", "/admin/payments/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "<script" not in response.get_data(as_text=True)


def test_write_off_above_threshold_is_approved_by_another_admin(client, auth, world):
    from sponsorship.models import Contribution, ContributionStatus

    _award, first, second, _ = world
    pledge = ContributionFactory(
        status=ContributionStatus.PLEDGED,
        exchange_rate=None,
        rate_date=None,
        base_amount=None,
        received_on=None,
        amount=D("5000"),
    )
    _db.session.commit()
    auth.login(first.email)
    page = f"/admin/funds/contributions/{pledge.id}"
    response = client.post(
        f"{page}/cancel",
        data={"csrf_token": csrf_token(client, page), "reason": "Cut"},
        follow_redirects=True,
    )
    assert "waits for a second administrator" in response.get_data(as_text=True)
    pending = client.get("/admin/payments/").get_data(as_text=True)
    assert "Write-off of a pledge" in pending and "Another administrator approves it." in pending
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/payments/")})
    auth.login(second.email)
    html = client.get("/admin/payments/").get_data(as_text=True)
    action = re.search(r'action="(/admin/payments/requests/\d+/approve)"', html).group(1)
    client.post(action, data={"csrf_token": csrf_token(client, "/admin/payments/")})
    _db.session.expire_all()
    assert _db.session.get(Contribution, pledge.id).status == ContributionStatus.CANCELLED
