"""Accounts in Chromium: a forgotten password reset through a mail that really arrives
(aiosmtpd on loopback), after which the old session is refused; an administrator
enrols TOTP from the key the page shows and signs in with a code and a recovery code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from playwright.sync_api import Browser, Page

from sponsorship.extensions import db
from sponsorship.mail import outbox as mail
from tests.e2e.conftest import Site, demo_site, sign_in, submit_login
from tests.mailserver import SMTPServer

NEW_PASSWORD = "plum orbit kettle saga"  # noqa: S105


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[Site, SMTPServer]]:
    with (
        SMTPServer() as smtp,
        demo_site(tmp_path_factory, "accounts", links_here=True, **smtp.config()) as running,
    ):
        yield running, smtp


def _deliver(app) -> None:
    """What `flask mail send` does from cron, here at once."""
    with app.app_context():
        mail.deliver_due()
        db.session.remove()


def test_forgot_password_by_mail_then_old_session_is_refused(
    browser: Browser, page: Page, site
) -> None:
    running, smtp = site
    # Another browser stays signed in with the old password.
    old = browser.new_context(base_url=running.url).new_page()
    sign_in(old, "donor@demo.test")
    page.goto(f"{running.url}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail address").fill("donor@demo.test")
    page.get_by_role("button", name="Send the link").click()
    assert page.get_by_role("heading", name="Check your mail").is_visible()
    _deliver(running.app)
    # The demo's own mails (submissions, offers) go out in the same delivery.
    (message,) = [m for m in smtp.inbox.wait_for(1) if "donor@demo.test" in m["To"]]
    assert message["To"] == "donor@demo.test"
    link = re.search(r"http\S+/reset/\S+", message.get_content()).group(0)
    page.goto(link)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    assert page.url.endswith("/login")
    old.goto(f"{running.url}/donor/")
    assert "/login" in old.url  # the old session is refused
    submit_login(page, "donor@demo.test", NEW_PASSWORD, base=running.url)
    assert page.url.endswith("/donor/"), page.locator("main").inner_text()


def _code(secret: str, steps_ahead: int = 0) -> str:
    when = datetime.now(UTC) + timedelta(seconds=30 * steps_ahead)
    return pyotp.TOTP(secret).at(when)


def test_admin_enrols_totp_and_signs_in_with_code_and_recovery_code(
    browser: Browser, page: Page, site
) -> None:
    running, _smtp = site
    sign_in(page, "admin@demo.test", base=running.url)
    page.goto(f"{running.url}/account/")
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    assert page.get_by_role("img", name="QR code for the authenticator app").is_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Code").fill(_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    codes = [c.strip() for c in page.locator(".recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    for credential in (_code(secret, 1), codes[0]):
        other = browser.new_context(base_url=running.url).new_page()
        submit_login(other, "admin@demo.test")
        assert other.url.endswith("/login/two-factor")
        other.get_by_label("Code").fill(credential)
        other.get_by_role("button", name="Sign in").click()
        other.wait_for_load_state()
        assert other.url.endswith("/admin/"), other.url
        other.context.close()
