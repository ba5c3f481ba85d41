"""Fixtures every test builds on: app, db (rolled back per test), client, runner, login."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession

from sponsorship.extensions import db as _db
from tests.apps import build_app, reset_schema

# Test modules that still build their own app import these two from here.
from tests.apps import make_config as make_config

# Fixtures some modules in different folders share (a module's own fixture of the same
# name still wins in that module).
from tests.shared_fixtures import admin, applicant, award, signed_in  # noqa: F401

_reset_schema = reset_schema

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )


class _ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy's session picks the engine by bind key and so ignores a
    session-level `bind`; the tests need every statement on their one connection."""

    def get_bind(self, *args, **kwargs):
        return self.bind if self.bind is not None else super().get_bind(*args, **kwargs)


class IsolatedClient(FlaskClient):
    """Gives every request its own app context, as in production.

    The `db` fixture keeps an app context pushed for the test's own code; Flask
    would reuse it for requests, sharing `g` (the signed-in user, the locale)
    between requests that must not share it.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def app(database_url) -> Iterator[Flask]:
    app = build_app(database_url, reset=True)
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app) -> Iterator:
    """The database, with everything a test writes rolled back afterwards.

    Every session the app opens during the test is bound to one outer connection
    and commits only to savepoints inside its transaction.
    """
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        _db.session = _db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": _ConnectionBoundSession,
            }
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app, db) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The session's CSRF token, read from a real page's form."""
    match = CSRF_RE.search(client.get(path, follow_redirects=True).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict | None = None, **kwargs):
    """POST like a browser would: with the session's CSRF token."""
    page = kwargs.pop("page", "/login")
    return client.post(
        path, data={"csrf_token": csrf_token(client, page), **(data or {})}, **kwargs
    )


class Auth:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = "correct-horse-battery"):
        return post_form(self.client, "/login", {"email": email, "password": password})

    def logout(self):
        return post_form(self.client, "/logout", page="/")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


# --- Counting SQL statements (appended for the review queue) -------------------------


class QueryCounter:
    """The SQL statements run while counting; savepoint bookkeeping left out."""

    _BOOKKEEPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, _params, _context, _executemany) -> None:
        if not statement.lstrip().upper().startswith(self._BOOKKEEPING):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(db):
    """`with count_queries() as counter: ...` then `counter.count` statements ran."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()
        sa.event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", counter)

    return counting
