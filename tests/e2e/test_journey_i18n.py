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
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from babel.dates import format_date
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from sponsorship.devdata.demo import APPLICANT_STATE
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
from tests.e2e.conftest import Site, demo_site, sign_in

APPLICANT = "applicant@demo.test"
ADMIN = "admin@demo.test"


@pytest.fixture(params=["fr", "es"])
def lang(request) -> str:
    return request.param


@pytest.fixture
def site(tmp_path_factory, lang) -> Iterator[Site]:
    """A demo app of its own per language: each journey applies to the same meeting."""
    with demo_site(tmp_path_factory, f"e2e-i18n-{lang}", links_here=True) as site:
        yield site


def tr(app: Flask, lang: str, message: str, **values) -> str:
    """`message` as the app says it in `lang`."""
    with app.test_request_context(), force_locale(lang):
        return _(message, **values)


def sign_out(page: Page) -> None:
    page.locator("header form[action$='/logout'] button").click()
    page.wait_for_load_state()


def english_browser(browser: Browser):
    return browser.new_context(locale="en-GB", java_script_enabled=False, accept_downloads=True)


@dataclass
class Applying:
    """What the journey needs to know of the demo, read before it starts."""

    meeting_id: int
    title: str
    passport: str
    state_name: str


def _applying(app: Flask, lang: str) -> Applying:
    with app.app_context():
        meeting = db.session.scalar(
            select(Meeting).where(Meeting.kind == MeetingKind.INTERSESSIONAL)
        )
        state = db.session.scalar(select(State).where(State.iso3 == APPLICANT_STATE))
        found = Applying(
            meeting.id,
            meeting.in_language("title", lang),  # the demo names it in each language
            (meeting.ends_on + timedelta(days=400)).isoformat(),
            state.localized_name(lang),
        )
        db.session.remove()
    return found


def _switch_language_once(browser: Browser, base: str, lang: str, state_name: str):
    """The applicant signs in (English, as the browser asks) and switches language once;
    then, in a fresh English browser, the saved preference wins over Accept-Language.
    Returns that second browser and its page."""
    applicant = english_browser(browser)
    page = applicant.new_page()
    sign_in(page, APPLICANT, base)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(f"header button[name=lang][value={lang}]").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert page.url.endswith("/apply/")
    # The State's name as pycountry translates it (Tchad, Chad).
    expect(page.locator("h1")).to_contain_text(state_name)

    applicant.close()
    applicant = english_browser(browser)
    page = applicant.new_page()
    sign_in(page, APPLICANT, base)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    return applicant, page


def _apply(page: Page, app: Flask, lang: str, applying: Applying, note: Path) -> None:
    page.locator(f"main a[href$='/apply/meetings/{applying.meeting_id}/apply']").click()
    expect(page.locator("h1")).to_contain_text(
        tr(app, lang, "Application: %(meeting)s", meeting=applying.title)
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
        "passport_expiry": applying.passport,
    }
    for name, value in values.items():
        page.locator(f"#delegates-0-{name}").fill(value)
    page.locator("#delegates-0-gender").select_option("female")
    page.locator("#delegates-0-nationality").select_option(APPLICANT_STATE)
    # The nationality list reads in the applicant's language.
    expect(page.locator("#delegates-0-nationality option:checked")).to_have_text(
        applying.state_name
    )
    page.locator("#note").set_input_files(str(note))
    page.locator("#consent_personal_data").check()
    page.locator("main form button[name=action][value=submit]").click()
    expect(page.locator("#application-status")).to_have_text(tr(app, lang, "Submitted"))
    expect(page.locator("html")).to_have_attribute("lang", lang)


def _submitted(app: Flask, lang: str, meeting_id: int) -> tuple[int, int]:
    """(application id, delegate id) of the demo State's application, checked submitted
    in `lang`."""
    with app.app_context():
        application = db.session.scalar(
            select(Application)
            .join(State, Application.state_id == State.id)
            .where(Application.meeting_id == meeting_id, State.iso3 == APPLICANT_STATE)
        )
        assert application.status == ApplicationStatus.SUBMITTED
        assert application.language == lang
        found = application.id, application.delegates[0].id
        db.session.remove()
    return found


def _offer_and_issue_letter(
    browser: Browser, site: Site, application_id: int, delegate_id: int
) -> int:
    """The administrator, in English, prices the delegate, offers and issues the letter.
    Returns the award's id."""
    app, base = site
    admin = english_browser(browser)
    admin_page = admin.new_page()
    sign_in(admin_page, ADMIN, base)
    admin_page.goto(f"{base}/admin/review/applications/{application_id}")
    card = admin_page.locator(f"#d{delegate_id}")
    card.locator("summary", has_text="Price").click()
    card.get_by_role("button", name=re.compile("^Save the price")).click()
    expect(admin_page.locator(".flash-success")).to_contain_text("priced at")
    admin_page.locator(f"#d{delegate_id}").get_by_role(
        "link", name=re.compile("^Offer")
    ).first.click()
    admin_page.get_by_role("button", name="Offer and commit the money").click()
    expect(admin_page.locator(".flash-success")).to_contain_text("offered")
    with app.app_context():
        award_id = db.session.scalar(select(Award.id).where(Award.delegate_id == delegate_id))
        db.session.remove()
    admin_page.locator(f"#issue-letter-{award_id}").click()
    expect(admin_page.locator(".flash-success")).to_contain_text("verification code")
    admin.close()
    return award_id


def _letter_text(page: Page, base: str, lang: str, award_id: int) -> str:
    """The offer, in the chosen language, and the text of its letter."""
    page.goto(f"{base}/apply/")
    page.locator(f"main a[href$='/apply/awards/{award_id}']").first.click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    with page.expect_download() as download:
        page.locator(f"main a[href$='/apply/awards/{award_id}/letter']").click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pdf.pages))


def test_applicant_journey_in_one_language_ends_with_letter_in_it(
    browser: Browser, site: Site, lang: str, tmp_path
) -> None:
    app, base = site
    applying = _applying(app, lang)
    note = tmp_path / "note.pdf"
    note.write_bytes(pdf_bytes())

    applicant, page = _switch_language_once(browser, base, lang, applying.state_name)
    _apply(page, app, lang, applying, note)
    application_id, delegate_id = _submitted(app, lang, applying.meeting_id)
    award_id = _offer_and_issue_letter(browser, site, application_id, delegate_id)

    text = _letter_text(page, base, lang, award_id)
    expected = [
        tr(app, lang, "Dear Sir or Madam,"),
        tr(app, lang, "What the sponsorship covers"),
        tr(app, lang, "Estimated costs"),
        applying.state_name,
    ]
    missing = [phrase for phrase in expected if phrase not in text]
    assert not missing, f"not in the {lang} letter: {missing}\n{text[:1500]}"
    # Not the English letter: its greeting is absent.
    assert "Dear Sir or Madam" not in text
    with app.app_context():
        starts_on = db.session.get(Meeting, applying.meeting_id).starts_on
        db.session.remove()
    assert format_date(starts_on, "long", locale=lang) in text
    sign_out(page)
    applicant.close()

    with app.app_context():
        saved = db.session.scalar(select(User.locale).where(User.email == APPLICANT))
        db.session.remove()
    assert saved == lang
