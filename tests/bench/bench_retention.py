"""The retention purge over twenty years: `python -m tests.bench.bench_retention`.

Generates the scale programme (`seed-scale --years 20`) in a scratch database, gives
every application a stored nomination note and every letter the passport the live
app copies into it (the generator leaves both out), then times on the day after the
last meeting's retention period would not yet have passed for the newest meetings:

* `plan_s`: the dry run (`flask retention run --dry-run`): counts per field per meeting;
* `run_s`: the purge itself, one transaction per meeting, files removed after each;
* `rerun_s`: a second run, which finds nothing (idempotent).

SQLite by default; BENCH_DATABASE_URL (emptied!) runs it on PostgreSQL. Prints the
figures as JSON. Not collected by pytest (the file name does not start with test_).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from sponsorship.devdata import scale
from sponsorship.extensions import db
from sponsorship.models import Application, Award, Delegate, Letter, StoredFile
from sponsorship.models.base import utcnow
from sponsorship.privacy import retention
from tests.applicant_data import pdf_bytes
from tests.apps import build_app

TODAY = date(2026, 11, 28)


def _personal_files_and_letters() -> tuple[int, int]:
    """A note per application (stored like an upload) and the passport in each letter."""
    note = pdf_bytes()
    digest = hashlib.sha256(note).hexdigest()
    ids = list(db.session.scalars(sa.select(Application.id)))
    now = utcnow()
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        db.session.execute(
            sa.insert(StoredFile),
            [
                {"key": f"notes/{i:032x}.pdf", "content": note, "size": len(note),
                 "sha256": digest, "content_type": "application/pdf", "created_at": now}
                for i in chunk
            ],
        )  # fmt: skip
        db.session.execute(
            sa.update(Application),
            [{"id": i, "note_path": f"{i:032x}.pdf"} for i in chunk],
        )
    rows = db.session.execute(
        sa.select(Letter.id, Letter.snapshot, Delegate.passport_number)
        .join(Award, Award.id == Letter.award_id)
        .join(Delegate, Delegate.id == Award.delegate_id)
    ).all()
    db.session.execute(
        sa.update(Letter),
        [
            {
                "id": i,
                "snapshot": {**s, "passport_number": p or "", "passport_expiry": "2030-01-01"},
            }
            for i, s, p in rows
        ],
    )
    db.session.commit()
    return len(ids), len(rows)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.db'}"
        app = build_app(url, reset=True)
        with app.app_context():
            started = time.perf_counter()
            made = scale.seed_scale(years=args.years, today=TODAY)
            notes, letters = _personal_files_and_letters()
            scale.analyze()
            seeded = time.perf_counter() - started
            started = time.perf_counter()
            plan = retention.plan(TODAY)
            plan_s = time.perf_counter() - started
            started = time.perf_counter()
            done = retention.run(TODAY)
            run_s = time.perf_counter() - started
            started = time.perf_counter()
            again = retention.run(TODAY)
            rerun_s = time.perf_counter() - started
            totals: dict[str, int] = {}
            for m in done:
                for k, v in m.counts.items():
                    totals[k] = totals.get(k, 0) + v
            figures = {
                "dialect": db.engine.dialect.name,
                "years": args.years,
                "delegates": made.delegates,
                "notes": notes,
                "letters": letters,
                "seed_s": round(seeded, 1),
                "meetings_due": len(plan),
                "plan_s": round(plan_s, 2),
                "run_s": round(run_s, 2),
                "rerun_s": round(rerun_s, 2),
                "second_run_meetings": len(again),
                "purged": totals,
            }
            db.session.remove()
            db.engine.dispose()
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
