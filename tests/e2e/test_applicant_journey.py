"""The applicant's journey in Debian's Chromium, from the demo applicant's account.

These tests serve their own copy of the demo app, set to deliver mail to an aiosmtpd
server on loopback, so they can read the messages a real SMTP server received.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from config import TestingConfig
from sponsorship import create_app
from sponsorship.applications import offers
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
    Gender,
    Meeting,
    MeetingKind,
    MeetingSession,
    State,
    Theme,
)
from sponsorship.models.base import utcnow
from sponsorship.programme import states
from tests.applicant_data import pdf_bytes
from tests.e2e.conftest import _QuietRequestHandler
from tests.mailserver import SMTPServer

APPLICANT = "applicant@demo.test"


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
    root = tmp_path_factory.mktemp("journey")
    with SMTPServer() as smtp:
        config = type(
            "JourneyConfig",
            (TestingConfig,),
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'journey.db'}",
                "RATELIMIT_ENABLED": False,
                "UPLOAD_DIR": str(root / "uploads"),
                **smtp.config(),
            },
        )
        app = create_app(config)
        with app.app_context():
            flask_migrate.upgrade()
            states.load_states()
            demo.seed_demo()
            db.session.remove()
        server = make_server(
            "127.0.0.1", 0, app, threaded=True, request_handler=_QuietRequestHandler
        )
        url = f"http://127.0.0.1:{server.server_port}"
        app.config["PUBLIC_BASE_URL"] = url
        thread = threading.Thread(target=server.serve_forever, name="journey", daemon=True)
        thread.start()
        try:
            yield Journey(url, app, smtp, root)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
            with app.app_context():
                db.engine.dispose()


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


def test_two_delegate_application_with_a_fix_a_draft_and_a_confirmation(
    page: Page, journey: Journey, capsys
) -> None:
    base = journey.url
    steps = Steps()
    note = journey.files / "Note verbale 2026-14.pdf"
    note.write_bytes(pdf_bytes())
    with journey.app.app_context():
        meeting = db.session.scalar(
            select(Meeting).where(Meeting.kind == MeetingKind.INTERSESSIONAL)
        )
        passport = (meeting.ends_on + timedelta(days=400)).isoformat()
        title = meeting.title
        db.session.remove()

    started = time.perf_counter()
    sign_in(page, base, steps)
    page.get_by_role("link", name=f"Apply for {title}").click()
    steps("open the meeting")
    expect(page.locator("h1")).to_contain_text(title)

    page.get_by_label("Committee on Article 5 Implementation").check()
    steps("tick a session")
    page.get_by_label("A national statement is planned").check()
    steps("tick statement")
    fill_delegate(
        page,
        0,
        steps,
        **{
            "Full name": "Achta Mahamat",
            "Gender": "female",
            "Function": "Coordinator",
            "Organisation": "Haut-Commissariat au Déminage",
            "E-mail address": "achta.mahamat@example.org",
            "Nationality": "TCD",
            "Departure city": "N'Djamena",
            "Passport number": "P0012345",
            "Passport valid until": passport,
        },
    )
    page.get_by_role("button", name="Add a delegate").click()
    steps("add a delegate")
    expect(page.locator("#delegate-1")).to_be_visible()
    # What was typed before adding the row is still there.
    expect(page.locator("#delegates-0-name")).to_have_value("Achta Mahamat")
    fill_delegate(
        page,
        1,
        steps,
        **{
            "Full name": "Idriss Abakar",
            "Gender": "male",
            "Function": "Counsellor",
            "Organisation": "Permanent Mission of Chad",
            "E-mail address": "idriss.abakar@example",  # no top-level domain: refused
            "Nationality": "TCD",
            "Departure city": "Geneva",
            "Passport number": "P0067890",
            "Passport valid until": passport,
        },
    )
    page.get_by_label("Nomination note").set_input_files(str(note))
    steps("upload the note")
    page.get_by_label("I confirm that the delegates agree").check()
    steps("tick consent")
    page.get_by_role("button", name="Submit application").click()
    steps("submit (refused)")

    # The error sits by its field and in the summary; nothing typed is lost.
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#delegates-1-email-error")).to_be_visible()
    expect(page.locator("#delegates-0-name")).to_have_value("Achta Mahamat")
    expect(page.locator("#delegates-1-passport_number")).to_have_value("P0067890")
    expect(page.locator("#note-status")).to_contain_text("Note verbale 2026-14.pdf")
    expect(page.get_by_label("I confirm that the delegates agree")).to_be_checked()
    page.locator(".error-summary a[href='#delegates-1-email']").click()
    steps("follow the error link")
    page.locator("#delegates-1-email").fill("idriss.abakar@example.org")
    steps("fix the e-mail")
    page.get_by_role("button", name="Save draft").last.click()
    steps("save draft")
    expect(page.locator(".flash-success")).to_contain_text("Draft saved")

    page.get_by_role("button", name=re.compile("Sign out")).click()
    steps("sign out")
    sign_in(page, base, steps)
    page.get_by_role("link", name=f"Continue the draft for {title}").click()
    steps("continue the draft")
    expect(page.locator("#delegates-1-email")).to_have_value("idriss.abakar@example.org")
    expect(page.locator("#note-status")).to_contain_text("Note verbale 2026-14.pdf")
    page.get_by_role("button", name="Submit application").click()
    steps("submit")
    expect(page.locator("#application-status")).to_have_text("Submitted")
    seconds = time.perf_counter() - started

    journey.deliver_mail()
    messages = journey.smtp.inbox.wait_for(1)
    confirmation = [m for m in messages if m["Subject"].startswith("Application received")]
    assert [m["To"] for m in confirmation] == [APPLICANT]
    body = confirmation[0].get_content()
    assert "Achta Mahamat" in body and "Idriss Abakar" in body
    link = re.search(r"http://\S+/apply/applications/\d+", body).group(0)
    page.goto(link)
    expect(page.locator("#application-status")).to_have_text("Submitted")

    with journey.app.app_context():
        # The demo's intersessional queue holds other States' applications too.
        app = db.session.scalar(
            select(Application)
            .join(State, Application.state_id == State.id)
            .where(Application.meeting_id == meeting.id, State.iso3 == demo.APPLICANT_STATE)
        )
        assert app.status == ApplicationStatus.SUBMITTED
        assert [d.name for d in app.delegates] == ["Achta Mahamat", "Idriss Abakar"]
        db.session.remove()
    with capsys.disabled():
        print(f"\n[e2e timing] two-delegate application: {steps.count} steps, {seconds:.1f} s")
    assert seconds < 60


def _seed_offer_and_past_award(app: Flask) -> tuple[str, str]:
    """An offer to the demo State for the next MSP, and an accepted award whose meeting
    has just ended: what the administrators' workflow would have left."""
    today = date.today()
    with app.app_context():
        chad = db.session.scalar(select(State).where(State.iso3 == "TCD"))

        def meeting(title, starts, window_open=False):
            return Meeting(
                kind=MeetingKind.MSP,
                title=title,
                venue="Palais des Nations",
                city="Geneva",
                starts_on=starts,
                ends_on=starts + timedelta(days=4),
                applications_open_on=starts - timedelta(days=150),
                applications_close_on=starts - timedelta(days=90),
                window_open=window_open,
                dsa_rate=412,
                dsa_currency="CHF",
                delegate_cap=2,
                sessions=[
                    MeetingSession(
                        title="Article 5 extension requests",
                        theme=Theme.MINE_CLEARANCE,
                        held_on=starts,
                    ),
                    MeetingSession(
                        title="Victim assistance",
                        theme=Theme.VICTIM_ASSISTANCE,
                        held_on=starts + timedelta(days=1),
                    ),
                ],
            )

        def award(meeting, name, status, **fields):
            application = Application(
                meeting=meeting,
                state=chad,
                status=ApplicationStatus.IN_REVIEW,
                consent_personal_data=True,
            )
            delegate = Delegate(
                application=application,
                name=name,
                gender=Gender.MALE,
                function="Director",
                organisation="HCND",
                email="d@example.org",
                nationality="TCD",
                passport_number="P1",
                passport_expiry=date(2035, 1, 1),
                departure_city="N'Djamena",
            )
            a = Award(
                delegate=delegate, reference=f"SP-E2E-{name[:4].upper()}", status=status, **fields
            )
            db.session.add(a)
            return a

        upcoming = meeting("Twenty-Third Meeting of the States Parties", today + timedelta(days=60))
        offered = award(
            upcoming,
            "Mahamat Saleh",
            AwardStatus.OFFERED,
            offered_at=utcnow(),
            offer_deadline=today + timedelta(days=7),
        )
        ended = meeting("Intersessional Meetings (last week)", today - timedelta(days=5))
        award(
            ended,
            "Hawa Brahim",
            AwardStatus.ACCEPTED,
            offer_deadline=today - timedelta(days=40),
            confirmed_departure_city="N'Djamena",
        )
        db.session.flush()
        offers.notify_offer(offered)
        db.session.commit()
        db.session.remove()
    return "Mahamat Saleh", "Hawa Brahim"


def test_accept_an_offer_and_report_after_the_meeting(page: Page, journey: Journey) -> None:
    offered, attended = _seed_offer_and_past_award(journey.app)
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
    page.get_by_label("Comments").fill("Delivered the Article 5 update; met the co-chairs.")
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
