"""Twenty years of history through the import: `python -m tests.bench.bench_history`.

Generates the scale programme (`seed-scale --years 20`, sponsorship/devdata/scale/)
in one scratch database, writes the meetings that have ended to the history
workbook (sponsorship/history/export.py), then imports that workbook into a second,
empty database (States loaded, as after `flask states load`) and times it:
`history_import_s`, the whole import (reading the workbook, every row through the
services and the ledger, one transaction), against a target of 60 s.

SQLite by default; BENCH_DATABASE_URL (emptied!) puts the import on PostgreSQL.
Prints the figures and, with --output, merges them into that JSON file (other keys
are kept). Not collected by pytest (the file name does not start with test_).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from sponsorship.devdata import scale
from sponsorship.extensions import db
from sponsorship.history import export, importer
from sponsorship.models import State
from tests.apps import build_app

#: A fixed day, so every run measures the same rows.
TODAY = date(2026, 11, 28)
TARGET_S = 60


def _workbook(url: str, years: int) -> tuple[bytes, dict[str, int], list[dict]]:
    """The scale programme's past as a workbook, its rows per sheet, and the States
    it names (the generator makes up 300 beyond the reference list)."""
    app = build_app(url, reset=True)
    with app.app_context():
        scale.seed_scale(years=years, today=TODAY)
        rows = export.programme_rows(TODAY)
        data = export.workbook(rows)
        columns = [c for c in State.__table__.columns if c.name != "id"]
        states = [dict(r._mapping) for r in db.session.execute(sa.select(*columns))]
        db.session.remove()
        db.engine.dispose()
    return data, {sheet: len(found) for sheet, found in rows.items()}, states


def _add_states(states: list[dict]) -> None:
    """The States the workbook names, as `flask states load` and the generator left them."""
    known = set(db.session.scalars(sa.select(State.iso3)))
    missing = [s for s in states if s["iso3"] not in known]
    if missing:
        db.session.execute(sa.insert(State), missing)
    db.session.commit()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--output", type=Path, help="JSON file to merge the figures into")
    parser.add_argument("--keep", type=Path, help="also write the workbook to this file")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        data, rows, states = _workbook(f"sqlite:///{Path(tmp) / 'source.db'}", args.years)
        exported = time.perf_counter() - started
        if args.keep:
            args.keep.write_bytes(data)
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.db'}"
        app = build_app(url, reset=True)
        with app.app_context():
            _add_states(states)
            dialect = db.engine.dialect.name
            started = time.perf_counter()
            outcome = importer.run(data, None, filename="scale.xlsx")
            elapsed = time.perf_counter() - started
            db.session.remove()
            db.engine.dispose()
    assert outcome.ok, outcome.errors[:10]
    figures = {
        "history_import_s": round(elapsed, 1),
        "history_import_target_s": TARGET_S,
        "history_import_years": args.years,
        "history_import_rows": sum(rows.values()),
        "history_import_awards": rows["awards"],
        "history_import_workbook_mb": round(len(data) / 1e6, 1),
        "history_import_database": dialect,
    }
    print(
        f"{args.years} years exported in {exported:.0f} s ({figures['history_import_rows']} rows,"
        f" {figures['history_import_workbook_mb']} MB: {rows}); imported in"
        f" {figures['history_import_s']} s on {dialect} (target {TARGET_S} s)"
    )
    if args.output:
        merged = {}
        if args.output.exists():
            merged.update(json.loads(args.output.read_text(encoding="utf-8")))
        merged.update(figures)
        args.output.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    return figures


if __name__ == "__main__":
    main()
