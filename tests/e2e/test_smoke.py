"""Smoke test in a real browser: the demo accounts sign in and land where they should."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import submit_login


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


@pytest.mark.parametrize(
    ("email", "path", "heading"),
    [
        ("admin@demo.test", "/admin/", re.compile(r"^\s*Administration\s*$")),
        ("applicant@demo.test", "/apply/", re.compile("Chad")),
        ("donor@demo.test", "/donor/", re.compile(r"^\s*Norway\s*$")),
    ],
    ids=["admin", "applicant", "donor"],
)
def test_sign_in_lands_on_dashboard(page: Page, email: str, path: str, heading) -> None:
    submit_login(page, email)

    expect(page).to_have_url(re.compile(rf"^https?://[^/]+{re.escape(path)}$"))
    expect(page.locator("h1")).to_have_text(heading)


def test_sign_in_wrong_password_shows_error(page: Page) -> None:
    submit_login(page, "admin@demo.test", "not-the-password")

    assert path_of(page) == "/login"
    # Shown by the password field (and repeated in the error summary at the top).
    expect(
        page.get_by_text("The e-mail address or password is not correct.", exact=True)
    ).to_be_visible()
    expect(page.locator("h1")).to_have_text("Sign in")


def test_language_switch_french_sets_html_lang(page: Page) -> None:
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.locator("header form button[name=lang][value=fr]").click()

    # The French catalogue may not be compiled yet: check the locale, not the text.
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert path_of(page) == "/login"
    expect(page.get_by_role("button", name="Français")).to_have_attribute("aria-current", "true")


def test_applicant_opens_admin_forbidden(page: Page) -> None:
    submit_login(page, "applicant@demo.test")
    expect(page).to_have_url(re.compile(r"/apply/"))

    response = page.goto("/admin/")

    assert response is not None
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("You do not have access to this page")
