"""Time the review queue page at scale: `python -m tests.bench.bench_queue [N]`.

Builds a scratch SQLite database (or empties BENCH_DATABASE_URL) with the real
migrations, the 197 States plus generated ones, N submitted applications (one or two
delegates each) to one meeting,
then requests the queue page repeatedly as an administrator and prints the median
time and the number of SQL statements per request. Not collected by pytest.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import select

from sponsorship.extensions import db
from sponsorship.models import Application, Delegate, RegionalGroup, State
from tests.apps import build_app
from tests.conftest import QueryCounter, post_form
from tests.factories import PASSWORD, MeetingFactory, UserFactory

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def code(i: int) -> str:
    """Three lower-case base-36 characters: unique, and never a real ISO code."""
    return DIGITS[i // 1296 % 36] + DIGITS[i // 36 % 36] + DIGITS[i % 36]


def build(n: int) -> int:
    db.session.execute(
        sa.insert(State),
        [
            {
                "iso3": code(i),
                "name": f"Scale State {i}",
                "regional_group": list(RegionalGroup)[i % 6],
                "convention_status": "state_party" if i % 7 else "signatory",
                "entry_into_force": date(1999, 3, 1) if i % 7 else None,
                "article5_deadline": date(2027 + i % 6, 1, 1) if i % 2 else None,
                "ldc": i % 3 == 0,
                "significant_survivors": i % 5 == 0,
            }
            for i in range(n)
        ],
    )
    meeting = MeetingFactory()
    UserFactory(email="bench@example.org")
    db.session.flush()
    states = db.session.scalars(select(State.id).where(State.name.like("Scale State %"))).all()
    db.session.execute(
        sa.insert(Application),
        [
            {
                "meeting_id": meeting.id,
                "state_id": s,
                "status": "submitted",
                "language": "en",
                "statement_planned": s % 2 == 0,
                "submitted_at": datetime(2026, 1, 1, tzinfo=UTC),
            }
            for s in states
        ],
    )
    apps = db.session.scalars(select(Application.id)).all()
    db.session.execute(
        sa.insert(Delegate),
        [
            {
                "application_id": a,
                "position": p,
                "name": f"Delegate {a}-{p}",
                "gender": "female" if (a + p) % 2 else "male",
                "function": "Director",
                "organisation": "MAC",
                "email": f"d{a}-{p}@example.org",
                "nationality": "TCD",
                "departure_city": "Capital",
                "first_time": a % 4 == 0,
            }
            for a in apps
            for p in range(1 + a % 2)
        ],
    )
    db.session.commit()
    return meeting.id


def main(n: int = 5000, runs: int = 25) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # BENCH_DATABASE_URL (e.g. a scratch PostgreSQL database) is emptied first.
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.db'}"
        # The queue rendered each time: with the page cache it would time a kept copy.
        app = build_app(url, reset=True, PAGE_CACHE_ENTRIES=0)
        with app.app_context():
            meeting_id = build(n)
            if db.engine.dialect.name == "postgresql":
                # What autovacuum does soon after a bulk load; without it the planner guesses.
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.exec_driver_sql("ANALYZE")
            engine = db.engine
        client = app.test_client()
        post_form(client, "/login", {"email": "bench@example.org", "password": PASSWORD})
        path = f"/admin/review/?meeting={meeting_id}"
        client.get(path)
        times = []
        counter = QueryCounter()
        for run in range(runs):
            if run == 0:
                sa.event.listen(engine, "before_cursor_execute", counter)
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
            if run == 0:
                sa.event.remove(engine, "before_cursor_execute", counter)
            assert response.status_code == 200
        print(
            f"{n} applications: median {statistics.median(times) * 1000:.0f} ms,"
            f" min {min(times) * 1000:.0f} ms over {runs} requests;"
            f" {counter.count} SQL statements per request ({engine.dialect.name})"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
