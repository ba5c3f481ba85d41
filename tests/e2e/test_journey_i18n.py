"""Issue 8, done when: in a real Chromium, the applicant journey done entirely in French,
and again in Spanish, ends with an award letter in that language.

Both browsers run with JavaScript off, which is how the journey also proves that no
page needs it. The applicant's browser asks for English: the language comes from the
switch on the page, then from the preference it saved, never from the browser.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from babel.dates import format_date
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from sponsorship.devdata.demo import APPLICANT_STATE, DEMO_PASSWORD
from sponsorship.extensions import db
from sponsorship.models import (
    Application,
    ApplicationStatus,
    Award,
    Meeting,
    MeetingKind,
    State,
    User,
)
from tests.applicant_data import pdf_bytes
from tests.e2e.conftest import demo_app, serving

APPLICANT = "applicant@demo.test"
ADMIN = "admin@demo.test"


@pytest.fixture(params=["fr", "es"])
def lang(request) -> str:
    return request.param


@pytest.fixture
def site(tmp_path_factory, lang) -> Iterator[tuple[Flask, str]]:
    """A demo app of its own per language: each journey applies to the same meeting."""
    app = demo_app(tmp_path_factory, f"e2e-i18n-{lang}")
    with serving(app, f"e2e-i18n-{lang}") as url:
        app.config["PUBLIC_BASE_URL"] = url
        yield app, url


def tr(app: Flask, lang: str, message: str, **values) -> str:
    """`message` as the app says it in `lang`."""
    with app.test_request_context(), force_locale(lang):
        return _(message, **values)


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    form = page.locator("main form")
    form.locator("[name=email]").fill(email)
    form.locator("[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url


def sign_out(page: Page) -> None:
    page.locator("header form[action$='/logout'] button").click()
    page.wait_for_load_state()


def english_browser(browser: Browser):
    return browser.new_context(locale="en-GB", java_script_enabled=False, accept_downloads=True)


def test_applicant_journey_in_one_language_ends_with_letter_in_it(
    browser: Browser, site, lang: str, tmp_path
) -> None:
    app, base = site
    with app.app_context():
        meeting = db.session.scalar(
            select(Meeting).where(Meeting.kind == MeetingKind.INTERSESSIONAL)
        )
        meeting_id, title = meeting.id, meeting.title
        passport = (meeting.ends_on + timedelta(days=400)).isoformat()
        state = db.session.scalar(select(State).where(State.iso3 == APPLICANT_STATE))
        state_name = state.localized_name(lang)
        db.session.remove()
    note = tmp_path / "note.pdf"
    note.write_bytes(pdf_bytes())

    # The applicant signs in (English, as the browser asks) and switches language once.
    applicant = english_browser(browser)
    page = applicant.new_page()
    sign_in(page, base, APPLICANT)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(f"header button[name=lang][value={lang}]").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert page.url.endswith("/apply/")
    # The State's name as pycountry translates it (Tchad, Chad).
    expect(page.locator("h1")).to_contain_text(state_name)

    # A fresh English browser: the saved preference wins over Accept-Language.
    applicant.close()
    applicant = english_browser(browser)
    page = applicant.new_page()
    sign_in(page, base, APPLICANT)
    expect(page.locator("html")).to_have_attribute("lang", lang)

    page.locator(f"main a[href$='/apply/meetings/{meeting_id}/apply']").click()
    expect(page.locator("h1")).to_contain_text(
        tr(app, lang, "Application: %(meeting)s", meeting=title)
    )
    # Letters and mails will follow the language the form was filled in.
    expect(page.locator("#language")).to_have_value(lang)
    page.locator("#sessions-0").check()
    page.locator("#statement_planned").check()
    values = {
        "name": "Achta Mahamat",
        "function": "Coordinatrice" if lang == "fr" else "Coordinadora",
        "organisation": "Haut-Commissariat national au déminage",
        "email": "achta.mahamat@example.org",
        "departure_city": "N'Djamena",
        "passport_number": "P0012345",
        "passport_expiry": passport,
    }
    for name, value in values.items():
        page.locator(f"#delegates-0-{name}").fill(value)
    page.locator("#delegates-0-gender").select_option("female")
    page.locator("#delegates-0-nationality").select_option(APPLICANT_STATE)
    # The nationality list reads in the applicant's language.
    expect(page.locator("#delegates-0-nationality option:checked")).to_have_text(state_name)
    page.locator("#note").set_input_files(str(note))
    page.locator("#consent_personal_data").check()
    page.locator("main form button[name=action][value=submit]").click()
    expect(page.locator("#application-status")).to_have_text(tr(app, lang, "Submitted"))
    expect(page.locator("html")).to_have_attribute("lang", lang)

    with app.app_context():
        application = db.session.scalar(
            select(Application)
            .join(State, Application.state_id == State.id)
            .where(Application.meeting_id == meeting_id, State.iso3 == APPLICANT_STATE)
        )
        assert application.status == ApplicationStatus.SUBMITTED
        assert application.language == lang
        application_id = application.id
        delegate_id = application.delegates[0].id
        db.session.remove()

    # The administrator, in English, prices the delegate, offers and issues the letter.
    admin = english_browser(browser)
    admin_page = admin.new_page()
    sign_in(admin_page, base, ADMIN)
    admin_page.goto(f"{base}/admin/review/applications/{application_id}")
    card = admin_page.locator(f"#d{delegate_id}")
    card.locator("summary", has_text="Price").click()
    card.get_by_role("button", name=re.compile("^Save the price")).click()
    expect(admin_page.locator(".flash-success")).to_contain_text("priced at")
    admin_page.locator(f"#d{delegate_id}").get_by_role(
        "button", name=re.compile("^Offer")
    ).first.click()
    expect(admin_page.locator(".flash-success")).to_contain_text("offered")
    with app.app_context():
        award_id = db.session.scalar(select(Award.id).where(Award.delegate_id == delegate_id))
        db.session.remove()
    admin_page.locator(f"#issue-letter-{award_id}").click()
    expect(admin_page.locator(".flash-success")).to_contain_text("verification code")
    admin.close()

    # Back to the applicant: the offer, in the chosen language, and its letter.
    page.goto(f"{base}/apply/")
    page.locator(f"main a[href$='/apply/awards/{award_id}']").first.click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    with page.expect_download() as download:
        page.locator(f"main a[href$='/apply/awards/{award_id}/letter']").click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pdf.pages))
    expected = [
        tr(app, lang, "Dear Sir or Madam,"),
        tr(app, lang, "What the sponsorship covers"),
        tr(app, lang, "Estimated costs"),
        state_name,
    ]
    missing = [phrase for phrase in expected if phrase not in text]
    assert not missing, f"not in the {lang} letter: {missing}\n{text[:1500]}"
    # Not the English letter: its greeting is absent.
    assert "Dear Sir or Madam" not in text
    with app.app_context():
        starts_on = db.session.get(Meeting, meeting_id).starts_on
        db.session.remove()
    assert format_date(starts_on, "long", locale=lang) in text
    sign_out(page)
    applicant.close()

    with app.app_context():
        saved = db.session.scalar(select(User.locale).where(User.email == APPLICANT))
        db.session.remove()
    assert saved == lang
