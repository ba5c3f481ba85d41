"""The personal-data pages and the audit viewer in Chromium (issue 22): at 375 and
1280 px they reflow and have no serious axe violation, without JavaScript; an
administrator erases a delegate through the confirmation page."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from sponsorship.extensions import db
from sponsorship.models import Delegate
from tests.e2e.conftest import Site, sign_in
from tests.e2e.test_accessibility import axe_violations, overflow

SHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder: keep a PNG of each page


@pytest.fixture(scope="module")
def delegate_id(own_site: Site) -> int:
    with own_site.app.app_context():
        return db.session.scalar(select(Delegate.id).where(Delegate.email.isnot(None)).limit(1))


@pytest.mark.parametrize("width", [375, 1280])
def test_pages_reflow_and_pass_axe_without_javascript(
    browser: Browser, own_site: Site, delegate_id: int, width: int
):
    context = browser.new_context(
        base_url=own_site.url, locale="fr", java_script_enabled=True,
        viewport={"width": width, "height": 900},
    )  # fmt: skip
    page = context.new_page()
    sign_in(page, "admin@demo.test")
    for path in (
        "/admin/privacy/?q=a",
        f"/admin/privacy/delegates/{delegate_id}",
        f"/admin/privacy/delegates/{delegate_id}/erase",
        "/admin/audit/",
        "/admin/audit/?money=y",
    ):
        page.goto(path)
        assert overflow(page) <= 0, path
        assert axe_violations(page) == [], path
        if SHOTS:
            name = path.strip("/").replace("/", "_").replace("?", "_")
            page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    context.close()


def test_erasure_through_the_confirmation_page_without_javascript(
    browser: Browser, own_site: Site, delegate_id: int
):
    context = browser.new_context(base_url=own_site.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "admin@demo.test")
    page.goto(f"/admin/privacy/delegates/{delegate_id}/erase")
    page.locator("main form [name=reason]").fill("Request by e-mail, 1 December")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/admin/privacy/delegates/{delegate_id}")
    page.goto("/admin/audit/?delegate=" + str(delegate_id))
    assert "on request" in page.locator("main").inner_text()
    context.close()
    with own_site.app.app_context():
        d = db.session.get(Delegate, delegate_id)
        assert (d.email, d.passport_number) == (None, None)
