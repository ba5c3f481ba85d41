"""End-to-end fixtures: the app served over real HTTP, driven by Debian's Chromium.

The browser is never downloaded: Playwright launches /usr/bin/chromium (apt-get
install chromium). pytest-flask's `live_server` breaks with the spawn start method,
so the app is served by werkzeug's `make_server` in a thread of this process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pytest
from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from sponsorship.applications import offers
from sponsorship.devdata.demo import APPLICANT_STATE, DEMO_PASSWORD
from sponsorship.extensions import db
from sponsorship.models import Meeting, MeetingKind, MeetingSession, State, Theme
from tests.applicant_data import accepted_award_after_meeting, offered_award
from tests.apps import build_app
from tests.factories import MeetingFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this folder `e2e`, and skip them all without a system Chromium."""
    skip = pytest.mark.skip(
        reason=f"Debian's chromium is not installed at {CHROMIUM}: apt-get install chromium"
    )
    for item in items:
        if HERE not in item.path.resolve().parents:
            continue
        item.add_marker(pytest.mark.e2e)
        if not CHROMIUM.exists():
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


class _QuietRequestHandler(WSGIRequestHandler):
    """Keeps the one-line-per-request access log out of the test output; errors still log."""

    def log_request(self, *args, **kwargs) -> None:
        pass


def closes_its_body(app: WSGIApplication) -> WSGIApplication:
    """`app`, its response body closed however the request ends.

    werkzeug's server (3.1) skips the body's close() when the browser resets the
    connection while the server drains the socket after a failed write: the file of a
    static response is then left to the garbage collector, whose ResourceWarning fails
    whichever test is running. A generator's `finally` runs even when only the
    collector ends it, so the file is closed, not collected.
    """

    def wrapped(environ: WSGIEnvironment, start_response: StartResponse) -> Iterator[bytes]:
        body = app(environ, start_response)

        def chunks() -> Iterator[bytes]:
            try:
                yield from body
            finally:
                if hasattr(body, "close"):
                    body.close()

        return chunks()

    return wrapped


def demo_app(tmp_path_factory: pytest.TempPathFactory, name: str, **config) -> Flask:
    """The app with the demo data, as `make run` builds it, on its own SQLite file.

    Always SQLite, even with TEST_DATABASE_URL set, so it never shares a database
    with the unit and web tests (nor with another e2e module).
    """
    # Jobs (reports being prepared) run in the app's thread, as in `make run`.
    config.setdefault("JOBS_EMBEDDED_THREAD", True)
    return build_app(
        f"sqlite:///{tmp_path_factory.mktemp(name) / 'e2e.db'}",
        demo=True,
        UPLOAD_DIR=str(tmp_path_factory.mktemp(f"{name}-uploads")),
        **config,
    )


@contextmanager
def serving(app: Flask, name: str) -> Iterator[str]:
    """Serve `app` on a free loopback port in a thread; yields its base URL."""
    server = make_server(
        "127.0.0.1", 0, closes_its_body(app), threaded=True, request_handler=_QuietRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


class Site(NamedTuple):
    """A demo app and the base URL it is served at."""

    app: Flask
    url: str


@contextmanager
def demo_site(
    tmp_path_factory: pytest.TempPathFactory, name: str, *, links_here: bool = False, **config
) -> Iterator[Site]:
    """A demo app of its own (`demo_app`), served over HTTP (`serving`).

    For the tests that change its data. `links_here`: the links in its mail and
    letters (PUBLIC_BASE_URL) lead to where it is served.
    """
    app = demo_app(tmp_path_factory, name, **config)
    with serving(app, name) as url:
        if links_here:
            app.config["PUBLIC_BASE_URL"] = url
        yield Site(app, url)


@pytest.fixture(scope="module")
def own_site(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Site]:
    """The test module's own demo site, for tests that change its data."""
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    with demo_site(tmp_path_factory, f"e2e-{module.replace('_', '-')}") as site:
        yield site


def submit_login(page: Page, email: str, password: str = DEMO_PASSWORD, base: str = "") -> None:
    """Fill and send the login form; `base` is the site's URL, else the page's base URL."""
    page.goto(f"{base}/login")
    form = page.locator("main form")
    form.locator("[name=email]").fill(email)
    form.locator("[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def sign_in(page: Page, email: str, base: str = "") -> None:
    """Sign in with the demo password through the login form."""
    submit_login(page, email, base=base)
    assert "/login" not in page.url, f"{email} could not sign in"


def _msp(title: str, starts: date) -> Meeting:
    """A Meeting of the States Parties at Geneva with two sessions, its window closed."""
    return MeetingFactory(
        kind=MeetingKind.MSP,
        title=title,
        starts_on=starts,
        ends_on=starts + timedelta(days=4),
        applications_open_on=starts - timedelta(days=150),
        applications_close_on=starts - timedelta(days=90),
        window_open=False,
        sessions=[
            MeetingSession(
                title="Article 5 extension requests", theme=Theme.MINE_CLEARANCE, held_on=starts
            ),
            MeetingSession(
                title="Victim assistance",
                theme=Theme.VICTIM_ASSISTANCE,
                held_on=starts + timedelta(days=1),
            ),
        ],
    )


def seed_offer_and_past_award(app: Flask) -> tuple[str, str]:
    """An offer to the demo State for the next MSP (its mail queued), and an accepted
    award whose meeting has just ended: what the administrators' workflow would have
    left. Returns the two delegates' names (offered, attended)."""
    offered, attended = "Mahamat Saleh", "Hawa Brahim"
    today = date.today()
    with app.app_context():
        state = db.session.scalar(select(State).where(State.iso3 == APPLICANT_STATE))
        upcoming = _msp("Twenty-Third Meeting of the States Parties", today + timedelta(days=60))
        offer = offered_award(
            state, meeting=upcoming, deadline=today + timedelta(days=7), name=offered
        )
        ended = _msp("Intersessional Meetings (last week)", today - timedelta(days=5))
        accepted_award_after_meeting(state, meeting=ended, name=attended)
        offers.notify_offer(offer)
        db.session.commit()
        db.session.remove()
    return offered, attended


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo app served over HTTP for the smoke tests; yields its base URL."""
    with demo_site(tmp_path_factory, "e2e") as site:
        yield site.url


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """pytest-playwright resolves relative `page.goto()` paths against this."""
    return live_server


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """An English browser, so the language tests start from a known locale."""
    return {**browser_context_args, "locale": "en-GB"}
