"""What the server-side session check costs per request, in-process:
`python -m tests.bench.bench_sessions [REQUESTS]`.

Signs an applicant in with the test client and times GET /apply/ (their dashboard,
served again from the page cache while nothing is written: the cheapest signed-in
page, where the check weighs the most) with the check, and with it replaced by
`return True`; then the same after a write before every request (every process
cache misses: user, session rows and page are read again). Prints the median per
request and the SQL statements per request. On a scratch SQLite file, or on
BENCH_DATABASE_URL (which it EMPTIES). Not collected by pytest.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import timeit
from pathlib import Path

import sqlalchemy as sa
from flask import session

from sponsorship.accounts import sessions
from sponsorship.extensions import db
from sponsorship.models import data_version
from tests.apps import build_app
from tests.conftest import Auth, QueryCounter
from tests.factories import UserFactory


def _time(client, app, requests: int, write_first: bool) -> tuple[float, float]:
    times, statements = [], []
    for _ in range(requests):
        if write_first:
            with app.app_context():
                data_version.renew(db.session)
                db.session.commit()
        counter = QueryCounter()
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", counter)
        start = time.perf_counter()
        response = client.get("/apply/")
        times.append(time.perf_counter() - start)
        with app.app_context():
            sa.event.remove(db.engine, "before_cursor_execute", counter)
        assert response.status_code == 200, response.status_code
        statements.append(counter.count)
    return statistics.median(times) * 1000, statistics.mean(statements)


def _check_alone(app, client, user_id: int, calls: int = 20000) -> float:
    """Microseconds per call of the check itself, its rows kept (nothing written)."""
    with client.session_transaction() as cookie:
        key = cookie[sessions.COOKIE_KEY]
    with app.test_request_context("/apply/"):
        session[sessions.COOKIE_KEY] = key
        stamp = data_version.current(db.session)
        assert sessions.check(db.session, user_id, stamp)
        seconds = timeit.timeit(lambda: sessions.check(db.session, user_id, stamp), number=calls)
        db.session.remove()
    return seconds / calls * 1e6


def main(requests: int) -> None:
    url = os.environ.get("BENCH_DATABASE_URL") or (
        f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    )
    app = build_app(url, reset=True)
    with app.app_context():
        user = UserFactory(applicant=True)
        db.session.commit()
        email, user_id = user.email, user.id
        db.session.remove()
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    real = sessions.check
    print(f"{url.split(':')[0]}, {requests} requests each, median ms / statements per request")
    for write_first in (False, True):
        for label, check in (("with check", real), ("without", lambda *a, **k: True)):
            sessions.check = check
            try:
                _time(client, app, 20, write_first)  # warm up
                ms, sql = _time(client, app, requests, write_first)
            finally:
                sessions.check = real
            case = "after a write" if write_first else "nothing written"
            print(f"  {case:16} {label:11} {ms:7.3f} ms  {sql:.1f} statements")
    print(f"  the check alone, rows kept: {_check_alone(app, client, user_id):.1f} µs per call")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
