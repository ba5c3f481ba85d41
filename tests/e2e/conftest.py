"""End-to-end fixtures: the app served over real HTTP, driven by Debian's Chromium.

The browser is never downloaded: Playwright launches /usr/bin/chromium (apt-get
install chromium). pytest-flask's `live_server` breaks with the spawn start method,
so the app is served by werkzeug's `make_server` in a thread of this process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from config import TestingConfig
from sponsorship import create_app
from sponsorship.extensions import db

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


def demo_app(tmp_path_factory: pytest.TempPathFactory, name: str) -> Flask:
    """The app with the demo data, as `make run` builds it, on its own SQLite file.

    Always SQLite, even with TEST_DATABASE_URL set, so it never shares a database
    with the unit and web tests (nor with another e2e module).
    """
    config = type(
        f"E2E{name.title()}Config",
        (TestingConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp(name) / 'e2e.db'}",
            "RATELIMIT_ENABLED": False,
            "UPLOAD_DIR": str(tmp_path_factory.mktemp(f"{name}-uploads")),
        },
    )
    app = create_app(config)
    with app.app_context():
        from sponsorship.devdata import demo
        from sponsorship.programme import states

        flask_migrate.upgrade()
        states.load_states()
        demo.seed_demo()
        db.session.remove()
    return app


@contextmanager
def serving(app: Flask, name: str) -> Iterator[str]:
    """Serve `app` on a free loopback port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietRequestHandler)
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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo app served over HTTP for the smoke tests; yields its base URL."""
    with serving(demo_app(tmp_path_factory, "e2e"), "e2e-server") as url:
        yield url


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """pytest-playwright resolves relative `page.goto()` paths against this."""
    return live_server


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """An English browser, so the language tests start from a known locale."""
    return {**browser_context_args, "locale": "en-GB"}
