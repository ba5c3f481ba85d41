"""Time one allocation among 10,000 contributions.

    .venv/bin/python tests/bench/bench_ledger.py [--contributions 10000] [--awards 40]
        [--runs 5] [--database-url postgresql://.../scratch]

Builds a scratch database with the real migrations (a temporary SQLite file by default;
with --database-url the public schema of that database is DROPPED first, so give it a
scratch one), the 197 States, one meeting and N received contributions with a realistic
mix of earmarks (unearmarked, other kinds of meeting, regions, themes, spend-by dates
already past). Then, `--runs` times, allocates `--awards` fresh awards of about
CHF 3,500 one by one, each through `ledger.allocate` as a view would call it (its own
transaction, locks, audit events, commit), and prints the median milliseconds per award
of each run and of all runs, and the time of a refused allocation, which walks (and
locks) every allowed contribution before it gives up. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `sponsorship` imports the top-level config module
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from sponsorship.extensions import db  # noqa: E402
from sponsorship.funding import ledger  # noqa: E402
from sponsorship.funding.ledger import InsufficientFunds  # noqa: E402
from sponsorship.models import (  # noqa: E402
    Application,
    Contribution,
    Donor,
    MeetingKind,
    RegionalGroup,
    State,
    Theme,
)
from tests.apps import build_app  # noqa: E402
from tests.ledger_data import TODAY, D, airfare_award, ledger_meeting  # noqa: E402


def _earmarks(rng: random.Random, meeting_id: int) -> dict:
    roll = rng.random()
    if roll < 0.40:
        return {}
    if roll < 0.55:
        return {"earmark_meeting_kind": rng.choice([MeetingKind.MSP, MeetingKind.INTERSESSIONAL])}
    if roll < 0.65:
        return {"earmark_region": rng.choice(list(RegionalGroup))}
    if roll < 0.75:
        return {"earmark_theme": rng.choice(list(Theme))}
    if roll < 0.80:
        return {"earmark_meeting_id": meeting_id, "earmark_year": TODAY.year}
    if roll < 0.90:
        return {"earmark_year": rng.choice([TODAY.year - 1, TODAY.year, TODAY.year + 1])}
    return {"spend_by": TODAY - timedelta(days=rng.randint(1, 400))}


def build(n: int, seed: int = 7) -> tuple[int, list[int]]:
    rng = random.Random(seed)
    meeting = ledger_meeting(
        "Bench meeting",
        ("A5", Theme.MINE_CLEARANCE),
        ("VA", Theme.VICTIM_ASSISTANCE),
        dsa_rate=D(412),
    )
    donor = Donor(name="Bench donor")
    db.session.add_all([meeting, donor])
    db.session.flush()
    rows = []
    for i in range(n):
        amount = D(rng.randint(50_000, 500_000)) / 100
        rows.append(
            {
                "donor_id": donor.id,
                "reference": f"B-{i:06d}",
                "status": "received",
                "currency": "CHF",
                "amount": amount,
                "exchange_rate": D(1),
                "rate_date": TODAY - timedelta(days=rng.randint(0, 700)),
                "received_on": TODAY - timedelta(days=rng.randint(0, 700)),
                "pledged_on": TODAY - timedelta(days=800),
                "base_amount": amount,
                "committed": D(0),
                "spent": D(0),
                "spend_by": None,
                **_earmarks(rng, meeting.id),
            }
        )
    db.session.execute(sa.insert(Contribution), rows)
    states = db.session.scalars(sa.select(State.id).order_by(State.id)).all()
    applications = []
    for state_id in states[:40]:
        application = Application(meeting=meeting, state_id=state_id)
        application.sessions = list(meeting.sessions)
        applications.append(application)
    db.session.add_all(applications)
    db.session.commit()
    return meeting.id, [a.id for a in applications]


def fresh_awards(applications: list[int], count: int, serial: list[int], cost: Decimal):
    awards = []
    for _ in range(count):
        serial[0] += 1
        n = serial[0]
        award = airfare_award(
            f"BENCH-{n:06d}",
            cost,
            name=f"Bench {n}",
            email=f"bench{n}@example.org",
            nationality="KHM",
            application_id=applications[n % len(applications)],
        )
        awards.append(award)
    db.session.add_all(awards)
    db.session.commit()
    return [a.id for a in awards]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contributions", type=int, default=10_000)
    parser.add_argument("--awards", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        app = build_app(url, reset=True)
        with app.app_context():
            started = time.perf_counter()
            _meeting, applications = build(args.contributions)
            built = time.perf_counter() - started
            serial = [0]
            runs = []
            for _ in range(args.runs):
                timings = []
                for award_id in fresh_awards(applications, args.awards, serial, D("3512.40")):
                    t0 = time.perf_counter()
                    ledger.allocate(award_id, None, on=TODAY)
                    timings.append((time.perf_counter() - t0) * 1000)
                runs.append(statistics.median(timings))
            refused = []
            for award_id in fresh_awards(applications, 3, serial, D("999999999.00")):
                t0 = time.perf_counter()
                try:
                    ledger.allocate(award_id, None, on=TODAY)
                except InsufficientFunds:
                    refused.append((time.perf_counter() - t0) * 1000)
            allowed = sum(1 for _ in db.session.scalars(sa.select(Contribution.id)))
            print(
                json.dumps(
                    {
                        "database": db.engine.dialect.name,
                        "contributions": allowed,
                        "awards_per_run": args.awards,
                        "build_seconds": round(built, 2),
                        "median_ms_per_allocation_by_run": [round(r, 2) for r in runs],
                        "median_ms_per_allocation": round(statistics.median(runs), 2),
                        "refused_allocation_ms": round(statistics.median(refused), 1),
                        "python": sys.version.split()[0],
                    },
                    indent=2,
                )
            )
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
