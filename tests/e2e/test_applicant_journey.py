"""The applicant's journey in Debian's Chromium, from the demo applicant's account.

These tests serve their own copy of the demo app, set to deliver mail to an aiosmtpd
server on loopback, so they can read the messages a real SMTP server received.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from sponsorship.devdata import demo
from sponsorship.devdata.demo import DEMO_PASSWORD
from sponsorship.extensions import db
from sponsorship.mail import outbox as mail
from sponsorship.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Delegate,
    Meeting,
    MeetingKind,
    State,
)
from tests.applicant_data import pdf_bytes
from tests.e2e.conftest import demo_site, seed_offer_and_past_award
from tests.mailserver import SMTPServer

APPLICANT = "applicant@demo.test"
NOTE = "Note verbale 2026-14.pdf"
#: The two delegates as the applicant types them; the second e-mail has no top-level
#: domain, so the first submission is refused.
ACHTA = {
    "Full name": "Achta Mahamat",
    "Gender": "female",
    "Function": "Coordinator",
    "Organisation": "Haut-Commissariat au Déminage",
    "E-mail address": "achta.mahamat@example.org",
    "Nationality": "TCD",
    "Departure city": "N'Djamena",
    "Passport number": "P0012345",
}
IDRISS = {
    "Full name": "Idriss Abakar",
    "Gender": "male",
    "Function": "Counsellor",
    "Organisation": "Permanent Mission of Chad",
    "E-mail address": "idriss.abakar@example",
    "Nationality": "TCD",
    "Departure city": "Geneva",
    "Passport number": "P0067890",
}


@dataclass
class Journey:
    url: str
    app: Flask
    smtp: SMTPServer
    files: Path

    def deliver_mail(self) -> None:
        """What `flask mail send` does from cron, here at once."""
        with self.app.app_context():
            mail.deliver_due()
            db.session.remove()


@pytest.fixture(scope="module")
def journey(tmp_path_factory) -> Iterator[Journey]:
    """The demo app of its own, its mail delivered to an SMTP server on loopback."""
    with (
        SMTPServer() as smtp,
        demo_site(tmp_path_factory, "journey", links_here=True, **smtp.config()) as site,
    ):
        yield Journey(site.url, site.app, smtp, tmp_path_factory.mktemp("journey-files"))


@dataclass
class Steps:
    """Counts what a person does: each fill, choice, tick, upload or click is a step."""

    count: int = 0
    log: list[str] = field(default_factory=list)

    def __call__(self, what: str) -> None:
        self.count += 1
        self.log.append(what)


def sign_in(page: Page, base: str, steps: Steps) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(APPLICANT)
    steps("type e-mail")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    steps("type password")
    page.locator("main form button[type=submit]").click()
    steps("sign in")
    expect(page).to_have_url(re.compile(r"/apply/$"))


def fill_delegate(page: Page, n: int, steps: Steps, **values) -> None:
    box = page.locator(f"#delegate-{n}")
    for label, value in values.items():
        control = box.get_by_label(label, exact=False).first
        if label in ("Gender", "Nationality"):
            control.select_option(value)
        else:
            control.fill(value)
        steps(f"delegate {n + 1}: {label}")


def _intersessional(journey: Journey) -> tuple[int, str, str]:
    """(id, title, a passport expiry valid for it) of the demo's intersessional meeting."""
    with journey.app.app_context():
        meeting = db.session.scalar(
            select(Meeting).where(Meeting.kind == MeetingKind.INTERSESSIONAL)
        )
        found = meeting.id, meeting.title, (meeting.ends_on + timedelta(days=400)).isoformat()
        db.session.remove()
    return found


def _submit_with_a_bad_email(page: Page, title: str, passport: str, note: Path, steps: Steps):
    page.get_by_role("link", name=f"Apply for {title}").click()
    steps("open the meeting")
    expect(page.locator("h1")).to_contain_text(title)

    page.get_by_label("Committee on Article 5 Implementation").check()
    steps("tick a session")
    page.get_by_label("A national statement is planned").check()
    steps("tick statement")
    fill_delegate(page, 0, steps, **ACHTA, **{"Passport valid until": passport})
    page.get_by_role("button", name="Add a delegate").click()
    steps("add a delegate")
    expect(page.locator("#delegate-1")).to_be_visible()
    # What was typed before adding the row is still there.
    expect(page.locator("#delegates-0-name")).to_have_value("Achta Mahamat")
    fill_delegate(page, 1, steps, **IDRISS, **{"Passport valid until": passport})
    page.get_by_label("Nomination note").set_input_files(str(note))
    steps("upload the note")
    page.get_by_label("I confirm that the delegates agree").check()
    steps("tick consent")
    page.get_by_role("button", name="Submit application").click()
    steps("submit (refused)")


def _fix_the_error_and_save_a_draft(page: Page, steps: Steps) -> None:
    # The error sits by its field and in the summary; nothing typed is lost.
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#delegates-1-email-error")).to_be_visible()
    expect(page.locator("#delegates-0-name")).to_have_value("Achta Mahamat")
    expect(page.locator("#delegates-1-passport_number")).to_have_value("P0067890")
    expect(page.locator("#note-status")).to_contain_text(NOTE)
    expect(page.get_by_label("I confirm that the delegates agree")).to_be_checked()
    page.locator(".error-summary a[href='#delegates-1-email']").click()
    steps("follow the error link")
    page.locator("#delegates-1-email").fill("idriss.abakar@example.org")
    steps("fix the e-mail")
    page.get_by_role("button", name="Save draft").last.click()
    steps("save draft")
    expect(page.locator(".flash-success")).to_contain_text("Draft saved")


def _continue_the_draft_and_submit(page: Page, base: str, title: str, steps: Steps) -> None:
    page.get_by_role("button", name=re.compile("Sign out")).click()
    steps("sign out")
    sign_in(page, base, steps)
    page.get_by_role("link", name=f"Continue the draft for {title}").click()
    steps("continue the draft")
    expect(page.locator("#delegates-1-email")).to_have_value("idriss.abakar@example.org")
    expect(page.locator("#note-status")).to_contain_text(NOTE)
    page.get_by_role("button", name="Submit application").click()
    steps("submit")
    expect(page.locator("#application-status")).to_have_text("Submitted")


def _confirmation_mail_leads_to_the_application(page: Page, journey: Journey) -> None:
    journey.deliver_mail()
    messages = journey.smtp.inbox.wait_for(1)
    confirmation = [m for m in messages if m["Subject"].startswith("Application received")]
    assert [m["To"] for m in confirmation] == [APPLICANT]
    body = confirmation[0].get_content()
    assert "Achta Mahamat" in body and "Idriss Abakar" in body
    link = re.search(r"http://\S+/apply/applications/\d+", body).group(0)
    page.goto(link)
    expect(page.locator("#application-status")).to_have_text("Submitted")


def test_two_delegate_application_with_a_fix_a_draft_and_a_confirmation(
    page: Page, journey: Journey, capsys
) -> None:
    steps = Steps()
    note = journey.files / NOTE
    note.write_bytes(pdf_bytes())
    meeting_id, title, passport = _intersessional(journey)

    started = time.perf_counter()
    sign_in(page, journey.url, steps)
    _submit_with_a_bad_email(page, title, passport, note, steps)
    _fix_the_error_and_save_a_draft(page, steps)
    _continue_the_draft_and_submit(page, journey.url, title, steps)
    seconds = time.perf_counter() - started

    _confirmation_mail_leads_to_the_application(page, journey)
    with journey.app.app_context():
        # The demo's intersessional queue holds other States' applications too.
        app = db.session.scalar(
            select(Application)
            .join(State, Application.state_id == State.id)
            .where(Application.meeting_id == meeting_id, State.iso3 == demo.APPLICANT_STATE)
        )
        assert app.status == ApplicationStatus.SUBMITTED
        assert [d.name for d in app.delegates] == ["Achta Mahamat", "Idriss Abakar"]
        db.session.remove()
    with capsys.disabled():
        print(f"\n[e2e timing] two-delegate application: {steps.count} steps, {seconds:.1f} s")
    assert seconds < 60


def test_accept_an_offer_and_report_after_the_meeting(page: Page, journey: Journey) -> None:
    offered, attended = seed_offer_and_past_award(journey.app)
    journey.deliver_mail()
    offer_mail = [
        m for m in journey.smtp.inbox.wait_for(1) if m["Subject"].startswith("Sponsorship offer")
    ]
    assert offer_mail and offered in offer_mail[0]["Subject"]
    link = re.search(r"http://\S+/apply/awards/\d+", offer_mail[0].get_content()).group(0)

    steps = Steps()
    sign_in(page, journey.url, steps)
    expect(page.locator(".task-answer_offer")).to_contain_text(f"Offer for {offered} expires on")
    page.get_by_role("link", name=f"Answer the offer for {offered}").click()
    assert page.url == link
    expect(page.locator("#departure_city")).to_have_value("N'Djamena")
    page.get_by_role("button", name="Accept the offer").click()
    expect(page.locator("#award-status")).to_have_text("Accepted")

    page.get_by_role("link", name="My applications").click()
    page.get_by_role("link", name=f"Write the report on {attended}").click()
    page.get_by_label("Article 5 extension requests").check()
    page.get_by_label("Victim assistance").check()
    page.get_by_label("The national statement was delivered").check()
    page.get_by_role("textbox", name="Comments").fill(
        "Delivered the Article 5 update; met the co-chairs."
    )
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator("#report-received")).to_be_visible()
    expect(page.locator("main")).to_contain_text("met the co-chairs")

    with journey.app.app_context():
        statuses = dict(
            db.session.execute(
                select(Delegate.name, Award.status)
                .join(Award.delegate)
                .where(Delegate.name.in_([offered, attended]))
            ).all()
        )
        assert statuses == {offered: AwardStatus.ACCEPTED, attended: AwardStatus.ACCEPTED}
        db.session.remove()
