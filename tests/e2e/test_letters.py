"""Issue 6, done when: an administrator issues a letter, downloads it and verifies it;
after a price change and a reissue the old code shows superseded.

The server has its own demo database; the price change is made through the database
(what the pricing form does is tested elsewhere).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlparse

from playwright.sync_api import Page, expect
from sqlalchemy import select

from sponsorship.extensions import db
from sponsorship.models import Award, AwardStatus, Letter, LetterStatus
from tests.e2e.conftest import sign_in


def _letters(app, award_id: int) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Letter.verification_code, Letter.status, Letter.snapshot)
            .where(Letter.award_id == award_id)
            .order_by(Letter.version)
        ).all()
        db.session.remove()
    return [
        (code, LetterStatus(status).value, snap["verification_url"]) for code, status, snap in rows
    ]


def test_admin_issues_downloads_verifies_and_reissues_letter(page: Page, own_site):
    app, base = own_site
    with app.app_context():
        # An offer as the workflow leaves it (the demo's may have been answered).
        award = db.session.scalar(select(Award).where(Award.cost_lines.any()).order_by(Award.id))
        award.status = AwardStatus.OFFERED
        award.offer_deadline = date.today() + timedelta(days=10)
        db.session.commit()
        award_id, application_id = award.id, award.delegate.application_id
        db.session.remove()

    sign_in(page, "admin@demo.test", base)

    page.goto(f"{base}/admin/review/applications/{application_id}")
    page.locator(f"#issue-letter-{award_id}").click()
    expect(page.locator(".flash-success")).to_contain_text("verification code")
    [(code, status, url)] = _letters(app, award_id)
    assert status == "valid"
    assert urlparse(url).path == f"/verify/{code}"

    section = page.locator(f"#letters-{award_id}")
    with page.expect_download() as info:
        section.locator(".download-link").first.click()
    path = info.value.path()
    with open(path, "rb") as downloaded:
        assert downloaded.read(5) == b"%PDF-"

    page.goto(f"{base}{urlparse(url).path}")
    expect(page.locator("#verify-status")).to_have_attribute("data-status", "valid")

    # A new price, then a reissue: the old code now says superseded.
    with app.app_context():
        award = db.session.get(Award, award_id)
        line = award.cost_lines[0]
        line.amount = line.amount + Decimal("100.00")
        db.session.commit()
        db.session.remove()
    page.goto(f"{base}/admin/review/applications/{application_id}")
    page.locator(f"#issue-letter-{award_id}").click()
    expect(page.locator(".flash-success")).to_contain_text("version 2")
    (old_code, old_status, _), (new_code, new_status, _) = _letters(app, award_id)
    assert (old_status, new_status) == ("superseded", "valid")
    page.goto(f"{base}/verify/{old_code}")
    expect(page.locator("#verify-status")).to_have_attribute("data-status", "superseded")
    page.goto(f"{base}/verify/{new_code}")
    expect(page.locator("#verify-status")).to_have_attribute("data-status", "valid")
