"""Issue 18, done when: an applicant whose correspondence language is French goes
through offer -> acceptance -> visa letter -> attendance -> certificate in Chromium,
receives every mail in French at the real SMTP test server, every PDF has no English
string of the catalogue, and each document's QR address opens /verify saying valid.

The site is served on a free port (never 5000) with PUBLIC_BASE_URL unset, so every
link in the letters and mails must name the host the requests came on.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from sponsorship.documents.context import LetterContext
from sponsorship.documents.letters import letter_pdf
from sponsorship.documents.render import get_renderer, qr_png
from sponsorship.extensions import db
from sponsorship.mail import outbox
from sponsorship.models import (
    Application,
    Award,
    AwardStatus,
    Delegate,
    Letter,
    Meeting,
    OutboxMessage,
    State,
)
from tests.documents_text import english_in_text, english_left, flat, pdf_text
from tests.e2e.conftest import demo_site, sign_in
from tests.mailserver import SMTPServer


@pytest.fixture(scope="module")
def smtp():
    with SMTPServer() as server:
        yield server


@pytest.fixture(scope="module")
def site(tmp_path_factory, smtp):
    with demo_site(tmp_path_factory, "e2e-documents", PUBLIC_BASE_URL="", **smtp.config()) as s:
        yield s


def _french_offer(app) -> tuple[int, int, str]:
    """Chad's first priced award, offered, its application in French, its meeting today."""
    with app.app_context():
        chad = db.session.scalar(select(State).where(State.iso3 == "TCD"))
        priced = select(Award).join(Award.delegate).join(Delegate.application)
        priced = priced.where(Award.cost_lines.any()).order_by(Award.id)
        award = db.session.scalar(priced.where(Application.state_id == chad.id))
        award = award or db.session.scalar(priced)
        application = award.delegate.application
        english_title = application.meeting.title
        application.state_id = chad.id
        application.language = "fr"
        meeting: Meeting = application.meeting
        meeting.starts_on, meeting.ends_on = date.today(), date.today() + timedelta(days=4)
        meeting.applications_open_on = date.today() - timedelta(days=60)
        meeting.applications_close_on = date.today()
        # Its names in French are the demo's own (devdata/names.py), not set here.
        award.status = AwardStatus.OFFERED
        award.offer_deadline = date.today() + timedelta(days=10)
        db.session.commit()
        ids = award.id, application.id, english_title
        db.session.remove()
    return ids


def _documents(app, award_id: int) -> list[tuple[str, str, str, bytes, dict]]:
    with app.app_context():
        rows = db.session.execute(
            select(Letter.kind, Letter.language, Letter.status, Letter.id, Letter.snapshot)
            .where(Letter.award_id == award_id)
            .order_by(Letter.id)
        ).all()
        # The PDFs are in the file storage, read back checked against their sha256.
        found = [
            (k, lang, str(status.value), letter_pdf(letter_id)[1], snap)
            for k, lang, status, letter_id, snap in rows
        ]
        db.session.remove()
    return found


def test_french_delegate_documents_and_mails_from_offer_to_certificate(
    page: Page, site, smtp, browser
):
    app, base = site
    assert urlparse(base).port != 5000
    award_id, application_id, english_title = _french_offer(app)
    with app.app_context():
        # The demo's own mails were queued while seeding, before any request told the
        # app its host; the journey's are the ones after.
        first_id = (db.session.scalar(select(func.max(OutboxMessage.id))) or 0) + 1
        db.session.remove()
    admin_page = f"{base}/admin/review/applications/{application_id}"

    sign_in(page, "admin@demo.test", base)
    page.goto(admin_page)
    form = page.locator(f"#letters-{award_id} form.document-issue")
    form.locator("select[name=kind]").select_option("offer")
    form.locator("select[name=language]").select_option("fr")
    form.locator("button").click()
    expect(page.locator(".flash-success")).to_be_visible()

    applicant = browser.new_context(locale="fr-FR").new_page()
    sign_in(applicant, "applicant@demo.test", base)
    applicant.goto(f"{base}/apply/awards/{award_id}")
    applicant.locator("form[action$='/accept'] button[type=submit]").click()
    applicant.goto(f"{base}/apply/awards/{award_id}/documents")
    visa = applicant.locator("#visa-form")
    visa.locator("[name='visa-passport_name']").fill("ABAKAR Idriss")
    visa.locator("[name='visa-passport_number']").fill("P0012345")
    visa.locator("[name='visa-passport_expiry']").fill("2031-05-01")
    visa.locator("button[type=submit]").click()
    expect(applicant.locator(".flash-success")).to_be_visible()

    page.goto(admin_page)
    page.locator(f"form[action$='/awards/{award_id}/attendance'] button").first.click()

    documents = _documents(app, award_id)
    assert [(k, lang) for k, lang, *_ in documents] == [
        ("offer", "fr"),
        ("confirmation", "fr"),
        ("visa", "fr"),
        ("certificate", "fr"),
    ]
    for kind, _lang, status, pdf, snapshot in documents:
        url = snapshot["verification_url"]
        assert english_left(pdf, "fr") == [], kind
        # The printed address and the QR code (the same encoder on the same address gives
        # the same code) both name the serving host.
        assert flat(url) in flat(pdf_text(pdf)), kind
        assert snapshot["answer_url"].startswith(base + "/"), kind
        assert qr_png(url) in get_renderer().render_html(LetterContext.from_dict(snapshot))
        assert flat(english_title) not in flat(pdf_text(pdf)), kind  # the meeting's French name
        assert url.startswith(base + "/verify/"), url
        applicant.goto(url)
        expected = "superseded" if kind == "offer" else "valid"
        expect(applicant.locator("#verify-status")).to_have_attribute("data-status", expected)
        assert status == expected

    with app.app_context():
        outbox.deliver_due()
        db.session.remove()
    mails = [
        mail
        for mail in smtp.inbox.wait_for(4)
        if int(re.search(r"outbox-(\d+)", mail["Message-ID"]).group(1)) >= first_id
    ]
    assert len(mails) == 4  # letter ready, award confirmed, visa letter, certificate
    for mail in mails:
        body = mail.get_body(("plain",)).get_content()
        assert body.startswith("Madame, Monsieur"), body[:80]
        assert english_in_text(f"{mail['Subject']}\n{body}", "fr") == [], mail["Subject"]
        assert english_title not in body, mail["Subject"]
        links = [word for word in body.split() if word.startswith("http")]
        assert links and all(link.startswith(base + "/") for link in links), (
            mail["Subject"],
            links,
            award_id,
        )
        assert [a.get_content_type() for a in mail.iter_attachments()] == ["application/pdf"]
