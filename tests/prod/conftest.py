"""The production shape, for real: gunicorn, RQ workers and the scheduler as processes,
on PostgreSQL and Redis, configured only by environment variables.

Needs TEST_DATABASE_URL on PostgreSQL and a Redis (TEST_REDIS_URL, default database 12
of the local one); each test skips with the reason when one is missing. Every test gets
its own database, copied from a template built once with the deploy steps (`flask db
upgrade`, then the demo data), and its own queue name, so runs never see each other.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.mailserver import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
SECRET = "prod-test-" + "k" * 40
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: The demo's logins (sponsorship/devdata/demo.py).
ADMIN, PASSWORD = "admin@demo.test", "demo-password"
#: Applications waiting for review in the template, for the offers under load.
EXTRA_APPLICATIONS = 40


def _pg_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("the production shape needs TEST_DATABASE_URL on PostgreSQL")
    return url


def _redis_ok() -> None:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except RedisError:
        pytest.skip(f"the production shape needs Redis at {REDIS_URL}")


def admin_engine(url: str) -> sa.Engine:
    """An AUTOCOMMIT engine on the server's `postgres` database (CREATE/DROP DATABASE)."""
    target = make_url(url).set(drivername="postgresql+psycopg", database="postgres")
    return sa.create_engine(target, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)


def drop_database(engine: sa.Engine, name: str) -> None:
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def prod_env(database_url: str, queue: str, **extra: str) -> dict[str, str]:
    """The environment of every process of the shape: this is the whole configuration."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TEST_DATABASE", "SPONSORSHIP_", "FLASK_"))
    }
    env.update(
        SPONSORSHIP_ENV="production",
        SECRET_KEY=SECRET,
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        JOBS_QUEUE_NAME=queue,
        JOBS_SCHEDULER="off",
        # Plain HTTP on loopback: the test client must get its session cookie back.
        SESSION_COOKIE_SECURE="false",
        # The demo administrator signs in with the password alone (tests/prod/
        # test_sessions_prod.py checks the production default separately).
        TWO_FACTOR_REQUIRED="false",
        LOGIN_RATE_LIMIT="1000 per minute",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(free_port()),  # nothing listens unless a test starts a server
        MAIL_TIMEOUT="3",
        PUBLIC_BASE_URL="http://127.0.0.1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def flask(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "sponsorship", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _extra_applications(database_url: str) -> None:
    """Submitted applications on the demo's upcoming meeting, to offer under load."""
    from datetime import date

    from sqlalchemy import select

    from sponsorship.extensions import db
    from sponsorship.models import ApplicationStatus, Meeting
    from tests.factories import ApplicationFactory, DelegateFactory, StateFactory

    with local_app(database_url).app_context():
        upcoming = db.session.scalars(
            select(Meeting).where(Meeting.starts_on > date.today()).order_by(Meeting.starts_on)
        ).first()
        for _ in range(EXTRA_APPLICATIONS):
            application = ApplicationFactory(
                meeting=upcoming, state=StateFactory(), status=ApplicationStatus.SUBMITTED
            )
            DelegateFactory(application=application)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def prod_template() -> Iterator[str]:
    """A database built by the deploy steps, copied for each test; yields its name."""
    url = _pg_url()
    _redis_ok()
    if shutil.which("gunicorn", path=str(BIN)) is None:
        pytest.skip("gunicorn is not installed in the virtualenv: pip install -e .")
    name = f"{make_url(url).database}_prodtpl"
    engine = admin_engine(url)
    drop_database(engine, name)
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    database_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    env = prod_env(database_url, "template")
    deploy = flask(env, "db", "upgrade")
    assert deploy.returncode == 0, deploy.stderr
    # Demo data are refused in production; the demo loads them as development does.
    demo = flask({**env, "SPONSORSHIP_ENV": "development"}, "bootstrap")
    assert demo.returncode == 0, demo.stderr
    _extra_applications(database_url)
    yield name
    drop_database(engine, name)
    engine.dispose()


_serial = itertools.count()


@pytest.fixture
def prod_database(prod_template) -> Iterator[str]:
    """This test's own copy of the template database; yields its URL."""
    url = _pg_url()
    name = f"{make_url(url).database}_prod{next(_serial)}"
    engine = admin_engine(url)
    drop_database(engine, name)
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{prod_template}"'))
    yield make_url(url).set(database=name).render_as_string(hide_password=False)
    drop_database(engine, name)
    engine.dispose()


@dataclass
class Stack:
    """The processes of the production shape, started and stopped by the test."""

    database_url: str
    queue: str
    tmp: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: list = field(default_factory=list)
    base_url: str = ""

    @property
    def env(self) -> dict[str, str]:
        return prod_env(self.database_url, self.queue, **self.extra_env)

    def _start(self, name: str, argv: list[str], **env: str) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("ab")
        self.logs.append(log)
        # Its own process group, so stopping it also stops the renderers it forks.
        process = subprocess.Popen(  # noqa: S603
            argv,
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def gunicorn(self, workers: int = 2) -> str:
        port = free_port()
        self._start(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "-c",
                "python:sponsorship.gunicorn_conf",
                "sponsorship:create_app()",
            ],
            BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY=str(workers),
        )
        self.base_url = f"http://127.0.0.1:{port}"
        self.wait_healthy()
        return self.base_url

    def worker(self, name: str = "worker") -> subprocess.Popen:
        return self._start(name, [str(BIN / "flask"), "--app", "sponsorship", "jobs", "worker"])

    def scheduler(self, **env: str) -> subprocess.Popen:
        argv = [str(BIN / "flask"), "--app", "sponsorship", "jobs", "scheduler"]
        return self._start("scheduler", argv, **env)

    def wait_healthy(self, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=5) as response:  # noqa: S310
                    return json.load(response)
            except OSError as error:  # refused, reset or timed out while starting
                if time.monotonic() > deadline:
                    log = self.log("gunicorn")
                    raise AssertionError(f"gunicorn is not healthy: {error}\n{log}") from error
                time.sleep(0.3)

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def gunicorn_workers(self) -> set[int]:
        """The pids of gunicorn's worker processes (children of the master)."""
        master = self.processes["gunicorn"].pid
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=False
        ).stdout
        return {int(pid) for pid in out.split()}

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group of `name` (the worker and its renderers)."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop(self) -> None:
        for name in list(self.processes):
            process = self.processes[name]
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name in list(self.processes):
            process = self.processes.pop(name)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for log in self.logs:
            log.close()


@pytest.fixture
def stack(prod_database, tmp_path) -> Iterator[Stack]:
    from sponsorship.jobs.queues import RedisQueue

    queue = f"prodtest-{uuid.uuid4().hex[:10]}"
    running = Stack(prod_database, queue, tmp_path)
    try:
        yield running
    finally:
        running.stop()
        target = RedisQueue(REDIS_URL, name=queue)
        target.queue.delete(delete_jobs=True)
        for key in target.connection.scan_iter(match=f"{queue}:*"):
            target.connection.delete(key)


class Browser:
    """A real HTTP client with its own cookies, like one signed-in user."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect()
        )
        #: The session's CSRF token: valid for the session, read once from a form.
        self.token: str | None = None

    def request(self, path: str, data: dict | None = None, timeout: float = 30):
        """(status, body, headers); HTTP errors are answers here, not exceptions."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base_url + path, data=body)  # noqa: S310
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, response.read().decode(errors="replace"), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), error.headers

    def get(self, path: str):
        return self.request(path)

    def post_form(self, path: str, data: dict | None = None, page: str = "/login"):
        if self.token is None:
            status, body, _headers = self.get(page)
            match = CSRF_RE.search(body)
            assert match, f"no CSRF token on {page} ({status})"
            self.token = match.group(1)
        return self.request(path, {"csrf_token": self.token, **(data or {})})

    def login(self, email: str = ADMIN, password: str = PASSWORD) -> None:
        status, _body, headers = self.post_form("/login", {"email": email, "password": password})
        assert status == 302 and "/login" not in headers.get("Location", ""), status
        self.token = None  # signing in starts a new session


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def upcoming_meeting_id(database_url: str) -> int:
    engine = sa.create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            return conn.scalar(
                sa.text(
                    "SELECT id FROM meetings WHERE starts_on > CURRENT_DATE "
                    "ORDER BY starts_on LIMIT 1"
                )
            )
    finally:
        engine.dispose()


def local_app(database_url: str, queue: str | None = None):
    """The app in this process, on the test's database (and its queue, if given)."""
    from tests.apps import build_app

    extra = {"REDIS_URL": REDIS_URL, "JOBS_QUEUE_NAME": queue} if queue else {}
    return build_app(database_url, **extra)


def offered_meeting(database_url: str, awards: int) -> int:
    """A new meeting with `awards` offered awards and no letters yet; returns its id."""
    from sponsorship.extensions import db
    from tests.applicant_data import offered_award
    from tests.factories import AwardCostLineFactory, StateFactory

    app = local_app(database_url)
    with app.app_context():
        first = offered_award(StateFactory())
        meeting = first.delegate.application.meeting
        made = [first] + [offered_award(StateFactory(), meeting=meeting) for _ in range(awards - 1)]
        for award in made:
            AwardCostLineFactory(award=award)
        db.session.commit()
        meeting_id = meeting.id
        db.session.remove()
        db.engine.dispose()
    return meeting_id


def letters_of(database_url: str, meeting_id: int) -> tuple[int, int, int]:
    """(letters, distinct awards with a letter, letters above version 1) of the meeting."""
    engine = sa.create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            return tuple(
                conn.execute(
                    sa.text(
                        "SELECT count(l.id), count(DISTINCT l.award_id),"
                        " count(*) FILTER (WHERE l.version > 1)"
                        " FROM letters l JOIN awards a ON a.id = l.award_id"
                        " JOIN delegates d ON d.id = a.delegate_id"
                        " JOIN applications ap ON ap.id = d.application_id"
                        " WHERE ap.meeting_id = :m"
                    ),
                    {"m": meeting_id},
                ).one()
            )
    finally:
        engine.dispose()


def wait_for(predicate, timeout: float, what: str, poll: float = 0.3):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(poll)
