"""Issue 22, done when: in Chromium, an administrator records a DSA cash payment with the
delegate's signed receipt, a second administrator approves it, the award reconciles
from its payments and the donor's page shows the spend; a payment above the threshold
entered and approved by the same person is refused.

The server has its own demo database; what a browser cannot do (an accepted award whose
meeting has ended, holding the demo donor's money; a second administrator's account)
is arranged through the services on the same database.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal
from flask import Flask
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from sponsorship.accounts.services import hash_password
from sponsorship.core.transaction import unit_of_work
from sponsorship.devdata.demo import APPLICANT_STATE, DEMO_PASSWORD
from sponsorship.extensions import db
from sponsorship.funding import ledger
from sponsorship.models import (
    Award,
    AwardCostLine,
    AwardStatus,
    Contribution,
    CostKind,
    Role,
    State,
    User,
)
from tests.applicant_data import accepted_award_after_meeting
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import axe_violations, overflow

ESTIMATE, DSA = Decimal("1500.00"), Decimal("1200.00")


def _arrange(app: Flask) -> tuple[int, int, int, Decimal]:
    """An attended award holding 1,500 of the demo donor's (Norway's) money, and a
    second administrator. Returns (award id, application id, contribution id, spent)."""
    with app.app_context():
        state = db.session.scalar(select(State).where(State.iso3 == APPLICANT_STATE))
        award = accepted_award_after_meeting(state, name="Achta Moussa")
        award.cost_lines.append(
            AwardCostLine(
                kind=CostKind.DSA,
                description="DSA",
                unit_amount=ESTIMATE,
                amount=ESTIMATE,
                quantity=Decimal(1),
            )
        )
        award.status = AwardStatus.ATTENDED
        norway = db.session.scalar(
            select(Contribution).where(Contribution.reference == "NO-2025-01")
        )
        admin = db.session.scalar(select(User).where(User.email == "admin@demo.test"))
        db.session.add(
            User(
                email="second@demo.test",
                name="Second Admin",
                role=Role.ADMINISTRATOR,
                password_hash=hash_password(DEMO_PASSWORD),
            )
        )
        db.session.commit()
        with unit_of_work():
            locked = ledger.lock_award(award.id)
            ledger._commit_row(locked, norway, ESTIMATE, admin, "allocate")
        db.session.refresh(norway)
        ids = (award.id, award.delegate.application_id, norway.id, norway.spent)
        db.session.remove()
    return ids


def _receipt_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 60), "white").save(out, "PNG")
    return out.getvalue()


def _amount(value: Decimal) -> str:
    return format_decimal(value, format="#,##0.00", locale="en")


def test_dsa_cash_payment_approved_by_a_second_admin_is_spent(
    own_site, page: Page, browser: Browser
):
    app, url = own_site
    app.config["FOUR_EYES_THRESHOLD"] = "1000"
    award_id, application_id, contribution_id, spent_before = _arrange(app)

    # The first administrator records the DSA paid in cash, with the signed receipt.
    sign_in(page, "admin@demo.test", base=url)
    page.goto(f"{url}/admin/payments/awards/{award_id}")
    form = page.locator("form", has=page.locator("[name=kind]"))
    form.locator("[name=kind]").select_option("dsa_cash")
    form.locator("[name=currency]").select_option("CHF")
    form.locator("[name=amount]").fill(str(DSA))
    form.locator("[name=paid_on]").fill(date.today().isoformat())
    form.locator("[name=paid_by]").fill("Cashier at the Palais")
    form.locator("[name=receipt]").set_input_files(
        {"name": "signed-receipt.png", "mimeType": "image/png", "buffer": _receipt_png()}
    )
    form.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("it waits for approval")
    expect(page.locator("body")).to_contain_text("Another administrator approves it.")
    # The page with its payment table and forms is accessible and reflows at 375 px.
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    assert overflow(page) == 0
    page.set_viewport_size({"width": 1280, "height": 900})

    # Above the threshold, the same person's approval is refused (sent by hand, since
    # the page offers no button), and no money moved.
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    with app.app_context():
        from sponsorship.models import Payment

        payment_id = db.session.scalar(select(Payment.id).where(Payment.award_id == award_id))
        db.session.remove()
    response = page.request.post(
        f"{url}/admin/payments/payments/{payment_id}/approve", form={"csrf_token": token}
    )
    assert response.ok and "a second administrator approves" in response.text()
    page.goto(f"{url}/admin/payments/awards/{award_id}")
    expect(page.locator("body")).to_contain_text("waiting for approval")

    # The second administrator approves it from the pending list.
    second = browser.new_context(locale="en-GB").new_page()
    sign_in(second, "second@demo.test", base=url)
    second.goto(f"{url}/admin/payments/")
    row = second.locator("tr", has_text="Payment")
    expect(row).to_contain_text(_amount(DSA))
    assert axe_violations(second) == []
    row.locator("button", has_text="Approve the payment").click()
    expect(second.locator("body")).to_contain_text("Payment approved and spent.")

    # The award reconciles from its payments: 1,200 spent, the other 300 released.
    second.goto(f"{url}/admin/review/applications/{application_id}")
    # Reconciling moves money: it goes through its confirmation page (issue 23).
    second.get_by_role("link", name="Reconcile from the approved payments").click()
    second.get_by_role("button", name="Reconcile").click()
    expect(second.locator("body")).to_contain_text("Reconciled: actual costs")
    expect(second.locator("body")).to_contain_text(_amount(ESTIMATE - DSA))
    with app.app_context():
        award = db.session.get(Award, award_id)
        assert award.reconciled_at is not None
        db.session.remove()

    # The donor's page shows the spend.
    donor = browser.new_context(locale="en-GB").new_page()
    sign_in(donor, "donor@demo.test", base=url)
    donor.goto(f"{url}/donor/contributions/{contribution_id}")
    expect(donor.locator("main")).to_contain_text(_amount(spent_before + DSA))
