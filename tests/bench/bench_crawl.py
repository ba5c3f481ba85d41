"""Every page the three demo roles reach, rendered afresh at twenty years of data.

    python -m tests.bench.bench_crawl [--reuse-data] [--output bench.json]

Builds (or reuses) the database the HTTP bench uses: BENCH_DATABASE_URL (PostgreSQL)
or a scratch SQLite file, with `flask seed-scale --years 20`. Then, with the page cache
off, signs in as the administrator, an applicant and a donor and crawls every GET page
each reaches by following links from its landing page (tests/crawl.py: each route once),
timing each page as the median of three requests (fifteen for the pages with a render
target) after a first one (which compiles templates and fills the data caches) and
counting its SQL statements. Report files are not pages: they are prepared by jobs
(reporting/prepared.py) and their URLs redirect.

Writes crawl_pages, crawl_p50_ms, crawl_max_ms, crawl_slowest (endpoint and role),
crawl_slowest5, queue_render_ms, donor_dashboard_render_ms and
applicant_dashboard_render_ms (with their statements, *_queries), and
crawl_reference_ms (a bare Flask page on the same database, the machine's speed at the
time), merged into --output.
Not collected by pytest (the file name does not start with test_).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from tests.bench.bench_http import _ids, prepare
from tests.crawl import crawl

#: Landing page of each role, and the figure each render target is written as.
LANDINGS = {"administrator": "/admin/", "applicant": "/apply/", "donor": "/donor/"}
#: Timed requests per page; the median is kept (the machine is shared).
RUNS = 3
#: Timed requests of each page with a render target: on this machine the median of
#: three moved by half from one crawl to the next.
TARGET_RUNS = 15
TARGETS = {
    "admin.review.queue": "queue",
    "applicant.dashboard": "applicant_dashboard",
    "donor.dashboard": "donor_dashboard",
}


def _endpoint(app, path: str) -> str:
    adapter = app.url_map.bind("localhost")
    try:
        return adapter.match(path.split("?", 1)[0], method="GET")[0]
    except Exception:  # noqa: BLE001 - a redirect or unknown route: name it by its path
        return path


def _walk(app, engine, role: str, email: str, password: str) -> list[dict]:
    from tests.conftest import QueryCounter, post_form

    client = app.test_client()
    answer = post_form(client, "/login", {"email": email, "password": password})
    assert answer.status_code == 302, f"{role} could not sign in"

    def get(path: str):
        response = client.get(path)
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        return response.status_code, response.content_type or "", body

    pages = crawl(get, LANDINGS[role], per_route=1, limit=400)
    measured = []
    for path in pages:
        client.get(path).close()  # warm: templates compiled, data caches filled
        counter = QueryCounter()
        sa.event.listen(engine, "before_cursor_execute", counter)
        response = client.get(path)
        sa.event.remove(engine, "before_cursor_execute", counter)
        response.close()
        runs = []
        for _ in range(TARGET_RUNS if _endpoint(app, path) in TARGETS else RUNS):
            started = time.perf_counter()
            client.get(path).close()
            runs.append(time.perf_counter() - started)
        measured.append(
            {
                "role": role,
                "path": path,
                "endpoint": _endpoint(app, path),
                "status": response.status_code,
                "ms": round(statistics.median(runs) * 1000, 1),
                "queries": counter.count,
            }
        )
    return measured


def reference_ms(url: str) -> float:
    """The bare reference page (tests/bench/reference_app.py: Flask, SQLAlchemy, Jinja,
    50 rows of one table, nothing of ours) on the same database, timed as the pages
    are: how fast this machine is at the moment of the crawl. Its speed varies more
    than twofold from one hour to the next here; the pages' times are read beside it."""
    from tests.bench import reference_app

    os.environ["REFERENCE_DATABASE_URL"] = url
    client = reference_app.create().test_client()
    client.get("/").close()
    runs = []
    for _ in range(RUNS * 5):
        started = time.perf_counter()
        client.get("/").close()
        runs.append(time.perf_counter() - started)
    return round(statistics.median(runs) * 1000, 2)


def measure(url: str) -> dict:
    from sponsorship.devdata import scale
    from sponsorship.extensions import db
    from tests.apps import build_app

    app = build_app(url, PAGE_CACHE_ENTRIES=0, RATELIMIT_ENABLED=False)
    with app.app_context():
        ids = _ids()
        engine = db.engine
        db.session.remove()
    logins = {
        "administrator": scale.ADMIN_EMAIL,
        "applicant": ids["applicant"],
        "donor": ids["donor_email"],
    }
    pages = []
    for role, email in logins.items():
        pages += _walk(app, engine, role, email, scale.SCALE_PASSWORD)
    with app.app_context():
        db.engine.dispose()
    times = [p["ms"] for p in pages]
    slowest = sorted(pages, key=lambda p: p["ms"], reverse=True)
    figures = {
        "crawl_pages": len(pages),
        "crawl_p50_ms": round(statistics.median(times), 1),
        "crawl_max_ms": slowest[0]["ms"],
        "crawl_slowest": f"{slowest[0]['endpoint']} as {slowest[0]['role']}",
        "crawl_slowest5": [
            f"{p['endpoint']} as {p['role']}: {p['ms']} ms, {p['queries']} statements"
            for p in slowest[:5]
        ],
        "crawl_max_queries": max(p["queries"] for p in pages),
        "crawl_reference_ms": reference_ms(url),
    }
    for page in pages:
        name = TARGETS.get(page["endpoint"])
        if name and f"{name}_render_ms" not in figures:
            figures[f"{name}_render_ms"] = page["ms"]
            figures[f"{name}_render_queries"] = page["queries"]
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--reuse-data", action="store_true", help="keep a seeded database")
    parser.add_argument("--sqlite", help="SQLite file to use (default: a scratch file)")
    parser.add_argument("--output", type=Path, help="JSON file to merge the figures into")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or (
            f"sqlite:///{Path(args.sqlite or Path(tmp) / 'bench.db').resolve()}"
        )
        prepare(url, args.years, args.reuse_data)
        figures = {**measure(url), "crawl_database": sa.make_url(url).get_backend_name()}
    print(json.dumps(figures, indent=2))
    if args.output:
        merged = json.loads(args.output.read_text()) if args.output.exists() else {}
        merged.update(figures)
        args.output.write_text(json.dumps(merged, indent=2) + "\n")
    return figures


if __name__ == "__main__":
    main()
