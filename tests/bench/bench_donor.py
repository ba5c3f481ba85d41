"""The donor's pages at twenty years of data: `python -m tests.bench.bench_donor`.

Builds a scratch SQLite database (or empties BENCH_DATABASE_URL) with the real
migrations and `seed-scale --years 20` (sponsorship/devdata/scale/), signs in as
the donor whose money funds the most awards, then measures:

* the donor dashboard rendered afresh (page cache off): median time over --runs
  requests (`donor_dashboard_render_ms_p50`; the HTTP bench gives the issue's
  `donor_dashboard_ms_p50`, under load), SQL statements per request;
* the PDF report: the job's time and pages, and the request's (it only queues the
  job); the XLSX report: the job's time.

Prints the figures and, with --output, merges them into that JSON file (other keys
are kept). Not collected by pytest (the file name does not start with test_).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy import func, select

from sponsorship.devdata import scale
from sponsorship.extensions import db
from sponsorship.models import Allocation, Contribution, Role, User
from tests.apps import build_app
from tests.conftest import QueryCounter, post_form

#: A fixed day, so every run measures the same rows.
TODAY = date(2026, 11, 28)


def _biggest_donor_login() -> str:
    donor_id = db.session.scalar(
        select(Contribution.donor_id)
        .join(Allocation, Allocation.contribution_id == Contribution.id)
        .group_by(Contribution.donor_id)
        .order_by(func.count(sa.distinct(Allocation.award_id)).desc())
        .limit(1)
    )
    return db.session.scalar(
        select(User.email).where(User.role == Role.DONOR, User.donor_id == donor_id).limit(1)
    )


def _timed(client, path: str):
    started = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (path, response.status_code)
    return response, elapsed


def _prepared(app, client, path: str):
    """(file, seconds the job took, seconds the request took): a report is prepared by a
    job (reporting/prepared.py); a new data stamp first, so each run builds afresh."""
    from sponsorship.jobs.queues import job_queue
    from sponsorship.models import data_version

    with app.app_context():
        data_version.renew(db.session)
        db.session.commit()
    started = time.perf_counter()
    first = client.get(path)
    request_s = time.perf_counter() - started
    assert first.status_code == 303, (path, first.status_code)
    with app.app_context():
        started = time.perf_counter()
        job_queue(app).run_pending()
        job_s = time.perf_counter() - started
        db.session.remove()
    response, _elapsed = _timed(client, path)
    return response, job_s, request_s


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--pdf-runs", type=int, default=3)
    parser.add_argument("--output", type=Path, help="JSON file to merge the figures into")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.db'}"
        # As in production: the programme-wide figures are reused between requests
        # (the testing configuration turns that off).
        # Rendered each time: the page cache would measure serving a kept copy (the
        # HTTP bench measures that); the programme totals are kept, as in production.
        app = build_app(
            url,
            reset=True,
            RATELIMIT_ENABLED=False,
            PROGRAMME_REPORT_CACHE_SECONDS=60,
            PAGE_CACHE_ENTRIES=0,
        )
        with app.app_context():
            started = time.perf_counter()
            result = scale.seed_scale(years=args.years, today=TODAY)
            scale.analyze()
            seeded = time.perf_counter() - started
            email = _biggest_donor_login()
            dialect = db.engine.dialect.name
            engine = db.engine
            db.session.remove()
        client = app.test_client()
        response = post_form(client, "/login", {"email": email, "password": scale.SCALE_PASSWORD})
        assert response.status_code == 302, "the donor could not sign in"

        _timed(client, "/donor/")  # warm: templates compiled, caches filled
        counter = QueryCounter()
        sa.event.listen(engine, "before_cursor_execute", counter)
        _timed(client, "/donor/")
        sa.event.remove(engine, "before_cursor_execute", counter)
        times = [_timed(client, "/donor/")[1] for _ in range(args.runs)]

        _prepared(app, client, "/donor/report.pdf")  # warm: fonts and stylesheet loaded once
        pdf_times, pdf_requests, pages = [], [], 0
        for _ in range(args.pdf_runs):
            response, elapsed, request_s = _prepared(app, client, "/donor/report.pdf")
            pdf_times.append(elapsed)
            pdf_requests.append(request_s)
            pages = len(PdfReader(io.BytesIO(response.data)).pages)
        xlsx_times = [_prepared(app, client, "/donor/report.xlsx")[1] for _ in range(args.pdf_runs)]
        with app.app_context():
            db.engine.dispose()

    figures = {
        "donor_dashboard_render_ms_p50": round(statistics.median(times) * 1000, 1),
        "donor_dashboard_queries": counter.count,
        "report_pdf_s": round(statistics.median(pdf_times), 2),
        # The request that asks for it: it queues the job and answers at once.
        "report_pdf_request_ms": round(statistics.median(pdf_requests) * 1000, 1),
        "report_pdf_pages": pages,
        "report_xlsx_s": round(statistics.median(xlsx_times), 2),
        "donor_bench_years": args.years,
        "donor_bench_awards": result.awards,
        "donor_bench_allocations": result.allocations,
        "donor_bench_database": dialect,
    }
    print(
        f"{args.years} years ({result.awards} awards, {result.allocations} allocations,"
        f" seeded in {seeded:.0f} s, {dialect}): donor dashboard median"
        f" {figures['donor_dashboard_render_ms_p50']} ms over {args.runs} requests,"
        f" {counter.count} SQL statements; PDF report {figures['report_pdf_s']} s,"
        f" {pages} pages; XLSX report {figures['report_xlsx_s']} s"
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
