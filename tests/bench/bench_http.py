"""Pages under load at twenty years of data: `python -m tests.bench.bench_http`.

For SQLite (a scratch file) and, with BENCH_DATABASE_URL, PostgreSQL (emptied first):

1. builds the database with the real migrations and `flask seed-scale --years N`
   (`--reuse-data` keeps a database that already holds it);
2. walks every GET page of the authorization matrix (tests/web/test_authorization.py)
   as each role, in process, with real ids from the data, counting SQL statements per
   request: `max_queries_per_page` is the worst, `max_queries_page` names it; report
   exports are timed on the way (`report_<endpoint>_ms`);
3. serves the app (production configuration) and the reference
   (tests/bench/reference_app.py) with the same gunicorn settings on loopback, signs in
   over HTTP and runs wrk at 16 connections against the reference, the review queue,
   the applicant dashboard and the donor dashboard, in turn, for --rounds rounds:
   medians of requests per second, p50 and p99, and the median of each round's ratio
   of a page to the reference measured beside it.

Keys without a prefix come from PostgreSQL when BENCH_DATABASE_URL is set, else from
SQLite; `sqlite_...` keys always hold SQLite's. With --output the figures are merged
into that JSON file (other keys are kept). Needs wrk (`apt-get install wrk`). Not
collected by pytest.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: Flask-Login's strong session protection binds a session to its client's user agent:
#: the login, the checks and wrk all send this one.
USER_AGENT = "sponsorship-bench-http"


def _flask(url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "SPONSORSHIP_ENV": "development"}
    done = subprocess.run(  # noqa: S603 - our own venv's flask
        [str(BIN / "flask"), "--app", "sponsorship", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(url: str, years: int, reuse: bool) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            has_data = sa.inspect(conn).has_table("meetings") and conn.scalar(
                sa.text("SELECT count(*) FROM meetings")
            )
        if reuse and has_data:
            _flask(url, "db", "upgrade")  # indexes added since it was seeded
            _settle(url)
            return
        if engine.dialect.name == "postgresql":
            from tests.apps import empty_postgres

            empty_postgres(engine)
    finally:
        engine.dispose()
    _flask(url, "db", "upgrade")
    print(_flask(url, "seed-scale", "--years", str(years)).splitlines()[0], file=sys.stderr)
    _settle(url)


def _settle(url: str) -> None:
    """On PostgreSQL, vacuum and analyze now: after a bulk load autovacuum would do it
    during the measurements, on the same two cores (the queue once ran at half speed)."""
    engine = sa.create_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


# --- SQL statements per page ---------------------------------------------------------


def _ids() -> dict:
    """Real objects for the matrix's placeholders, and the accounts to sign in with."""
    from sponsorship.extensions import db
    from sponsorship.models import (
        Allocation,
        Application,
        Award,
        AwardStatus,
        Contribution,
        Delegate,
        Letter,
        Meeting,
        Role,
        User,
    )

    meeting = db.session.scalar(select(Meeting).order_by(Meeting.starts_on.desc()).limit(1))
    of_state = (
        select(Award.id, Application.state_id)
        .join(Delegate, Award.delegate_id == Delegate.id)
        .join(Application, Delegate.application_id == Application.id)
    )
    offered = of_state.where(
        Award.status == AwardStatus.OFFERED, Application.meeting_id == meeting.id
    )
    offer_id, state_id = db.session.execute(offered.order_by(Award.id).limit(1)).one()
    attended = db.session.scalar(
        of_state.where(Application.state_id == state_id, Award.status == AwardStatus.ATTENDED)
        .order_by(Award.id.desc())
        .with_only_columns(Award.id)
        .limit(1)
    )
    submitted = db.session.scalar(
        select(Application.id).where(
            Application.state_id == state_id, Application.meeting_id == meeting.id
        )
    )
    delegate_id, person_id = db.session.execute(
        select(Delegate.id, Delegate.person_id)
        .join(Award, Award.delegate_id == Delegate.id)
        .where(Award.id == offer_id)
    ).one()
    if person_id is None:  # the offer's delegate not yet linked: any person will do
        person_id = db.session.scalar(select(func.min(Delegate.person_id)))
    applicant = db.session.execute(
        select(User.id, User.email).where(User.role == Role.APPLICANT, User.state_id == state_id)
    ).first()
    contribution_id, donor_id = db.session.execute(
        select(Contribution.id, Contribution.donor_id)
        .join(Allocation, Allocation.contribution_id == Contribution.id)
        .group_by(Contribution.id, Contribution.donor_id)
        .order_by(func.count(Allocation.id).desc())
        .limit(1)
    ).one()
    return {
        "meeting": meeting.id,
        "fresh_meeting": meeting.id,
        "draft": submitted,
        "submitted": submitted,
        "offer": offer_id,
        "accepted": attended,
        "letter": db.session.scalar(select(Letter.id).where(Letter.award_id == offer_id)),
        "contribution": contribution_id,
        "donor": donor_id,
        "delegate": delegate_id,
        "person_record": person_id,
        # The administrator's page of an account: the applicant's.
        "person": applicant.id,
        "applicant": applicant.email,
        "donor_email": db.session.scalar(
            select(User.email).where(User.role == Role.DONOR, User.donor_id == donor_id)
        ),
    }


#: Matrix paths naming id 0 (the matrix only checks the role there), given real ids here.
REAL_PATHS = {
    "admin.meetings.edit": "/admin/meetings/{meeting}/edit",
    "admin.funds.donor": "/admin/funds/donors/{donor}",
    "admin.funds.contribution": "/admin/funds/contributions/{contribution}",
    "admin.funds.edit_contribution": "/admin/funds/contributions/{contribution}/edit",
    "admin.funds.meeting": "/admin/funds/meetings/{meeting}",
}


def get_pages(ids: dict) -> list[tuple[str, str]]:
    """(endpoint, path) of every GET route of the authorization matrix, with real ids."""
    from tests.web.test_authorization import MATRIX

    pages = []
    for (endpoint, method), case in sorted(MATRIX.items()):
        # An invitation's and a reset link's pages take a one-time token, not an id.
        if method != "GET" or "{invite}" in case.path or "{reset}" in case.path:
            continue
        if endpoint == "static":
            continue
        path = REAL_PATHS.get(endpoint, case.path)
        pages.append((endpoint, str.format_map(path, ids) if "{" in path else path))
    return pages


#: The pages under load (endpoint: figure name, role), also timed when rendered afresh.
LOADED_PAGES = {
    "admin.review.queue": ("queue", "administrator"),
    "applicant.dashboard": ("applicant_dashboard", "applicant"),
    "donor.dashboard": ("donor_dashboard", "donor"),
}


def _count_stamp_reads(app, counting: list) -> None:
    """Count the data stamp each signed-in request reads (web/signed_in.py) too: it runs
    on a bare DBAPI connection, which SQLAlchemy's events do not see."""
    users = app.extensions.get("signed_in_users")
    if users is None:
        return
    reader = users.reader
    read = reader.read

    def counted(session):
        for counter in counting:
            counter.statements.append("SELECT stamp FROM data_version WHERE id = 1")
        return read(session)

    reader.read = counted


def count_queries(url: str) -> dict:
    from sponsorship.devdata import scale
    from sponsorship.extensions import db
    from tests.apps import build_app
    from tests.conftest import QueryCounter, post_form

    # Statements and times of rendering each page, not of serving it from the page cache.
    app = build_app(url, PAGE_CACHE_ENTRIES=0)
    with app.app_context():
        ids = _ids()
        engine = db.engine
    logins = {
        "administrator": scale.ADMIN_EMAIL,
        "applicant": ids["applicant"],
        "donor": ids["donor_email"],
    }
    worst, worst_page, timings = 0, "", {}
    counting: list[QueryCounter] = []
    _count_stamp_reads(app, counting)
    for role, email in logins.items():
        client = app.test_client()
        post_form(client, "/login", {"email": email, "password": scale.SCALE_PASSWORD})
        for endpoint, path in get_pages(ids):
            started = time.perf_counter()
            client.get(path).close()  # warm: compiled statements, templates, caches
            first = time.perf_counter() - started
            counter = QueryCounter()
            sa.event.listen(engine, "before_cursor_execute", counter)
            counting.append(counter)
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
            counting.clear()
            sa.event.remove(engine, "before_cursor_execute", counter)
            response.close()
            if counter.count > worst:
                worst, worst_page = counter.count, f"{endpoint} as {role} ({response.status_code})"
            if role == LOADED_PAGES.get(endpoint, ("", ""))[1] and response.status_code == 200:
                # What a reader waits for when the page is not kept (after a change):
                # first with the data caches cold, then warm.
                name = LOADED_PAGES[endpoint][0]
                timings[f"{name}_render_cold_ms"] = round(first * 1000, 1)
                timings[f"{name}_render_ms"] = round(elapsed * 1000, 1)
            if response.status_code == 200 and path.endswith((".csv", ".xlsx", ".pdf", ".zip")):
                key = "report_" + endpoint.split(".")[-1] + "_ms"
                timings[key] = round(elapsed * 1000, 1)
    with app.app_context():
        db.engine.dispose()
    return {"max_queries_per_page": worst, "max_queries_page": worst_page, **timings}, ids


# --- Load: gunicorn and wrk ----------------------------------------------------------

#: The same for the app and the reference: the production settings of
#: sponsorship/gunicorn_conf.py (two workers per core, four threads each, keep-alive).
GUNICORN = [
    "--workers",
    str(2 * (os.cpu_count() or 1)),
    "--worker-class",
    "gthread",
    "--threads",
    "4",
    "--keep-alive",
    "5",
    "--timeout",
    "60",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(app_spec: str, env: dict, log: Path):
    port = _free_port()
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603
            [str(BIN / "gunicorn"), *GUNICORN, "--bind", f"127.0.0.1:{port}", app_spec],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/", timeout=2).close()  # noqa: S310
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if process.poll() is not None:
                    raise SystemExit(f"gunicorn {app_spec} exited; see {log}") from None
                time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(base: str, email: str, password: str) -> str:
    """The Cookie header of a session signed in through the real login form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    token = CSRF_RE.search(page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
    try:
        opener.open(base + "/login", data.encode())
    except urllib.error.HTTPError as answer:  # the 302 after a successful login
        if answer.code != 302:
            raise SystemExit(f"login as {email} answered {answer.code}") from None
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _check(url: str, cookie: str | None) -> int:
    """Fail unless `url` answers 200 with `cookie`; the size of its body."""
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as answer:
        status, body = answer.code, b""
    title = re.search(rb"<title>(.*?)</title>", body, re.S)
    print(
        f"{url}: {status}, {len(body)} bytes, {title and title.group(1).strip()}", file=sys.stderr
    )
    if status != 200:
        raise SystemExit(f"{url} answered {status}, not 200: the figures would measure that")
    return len(body)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return round(float(number) * _UNITS[unit], 2)


def _warm(url: str, headers: list[str], connections: int) -> None:
    """Load the page until every gunicorn worker serves it from its page cache.

    Each worker renders a kept page once (a second or more at twenty years, all the
    requests it holds meanwhile waiting): the figures measured after this are the
    steady state of reading, and what a page costs when it is not kept is the
    `_render_ms` figures. Connections go to whichever worker accepts first, so one may
    get none for a while: load with four times the connections until a run has no
    answer slower than WARM_MAX_MS (at most WARM_RUNS runs).
    """
    command = ["wrk", "-t", "2", "-c", str(4 * connections), "--timeout", "10s", "-d", "3s"]
    for _ in range(WARM_RUNS):
        out = subprocess.run(  # noqa: S603
            [*command, *headers, url], capture_output=True, text=True, check=True
        ).stdout
        slowest = re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", out)
        if slowest and _ms(slowest.group(1)) < WARM_MAX_MS:
            return


WARM_RUNS = 6
WARM_MAX_MS = 300


def wrk(url: str, cookie: str | None, seconds: int, connections: int, warm: bool) -> dict:
    size = _check(url, cookie)
    headers = ["-H", f"User-Agent: {USER_AGENT}"] + (["-H", f"Cookie: {cookie}"] if cookie else [])
    # A slow answer is a figure, not a failure: wrk's 2 s default would drop it unseen.
    base = ["wrk", "-t", "2", "-c", str(connections), "--timeout", "10s", "--latency"]
    base += [*headers, url]
    if warm:
        _warm(url, headers, connections)
    out = subprocess.run(  # noqa: S603
        [*base[:1], "-d", f"{seconds}s", *base[1:]], capture_output=True, text=True, check=True
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if errors or (socket_errors and any(int(n) for n in socket_errors.groups()[:3])):
        raise SystemExit(f"wrk saw failures on {url}:\n{out}")
    _check(url, cookie)
    # Every answer was the page, not a short redirect to /login: wrk counts a 302 as a
    # success, so compare the bytes it read with the page's size (headers are ~1 KB).
    count, amount, unit = re.search(
        r"(\d+) requests in .*?, ([\d.]+)(B|KB|MB|GB) read", out
    ).groups()
    per_request = (
        float(amount) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[unit] / int(count)
    )
    if not size <= per_request <= size + 4096:
        raise SystemExit(
            f"wrk read {per_request:.0f} bytes per answer from {url}, the page has {size}"
        )
    latency = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.M))
    if set(latency) != {"50", "99"}:
        raise SystemExit(f"no latency distribution in wrk's output:\n{out}")
    return {
        "timeouts": int(socket_errors.group(4)) if socket_errors else 0,
        "rps": round(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), 1),
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
    }


def load(url: str, ids: dict, seconds: int, connections: int, rounds: int, logs: Path) -> dict:
    from sponsorship.devdata import scale

    env = {
        "SPONSORSHIP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": url,
        "PUBLIC_BASE_URL": "http://127.0.0.1",
        # Plain HTTP on loopback: the browser-side Secure flag would drop the cookie.
        "SESSION_COOKIE_SECURE": "false",
        # The scale data's administrator has no authenticator: production would send it
        # to enrolment (302) instead of the page measured.
        "TWO_FACTOR_REQUIRED": "false",
        # The periodic jobs would change the data being measured.
        "JOBS_SCHEDULER": "off",
        "REDIS_URL": "",
    }
    figures = {}
    with (
        serve("sponsorship:create_app()", env, logs / "app.log") as app,
        serve(
            "tests.bench.reference_app:create()",
            {"REFERENCE_DATABASE_URL": url},
            logs / "reference.log",
        ) as reference,
    ):
        admin = sign_in(app, scale.ADMIN_EMAIL, scale.SCALE_PASSWORD)
        applicant = sign_in(app, ids["applicant"], scale.SCALE_PASSWORD)
        donor = sign_in(app, ids["donor_email"], scale.SCALE_PASSWORD)
        targets = [
            ("reference", reference + "/", None),
            ("queue", app + "/admin/review/", admin),
            ("applicant_dashboard", app + "/apply/", applicant),
            ("donor_dashboard", app + "/donor/", donor),
        ]
        # Rounds in turn (reference, queue, applicant, donor, reference, ...): the
        # machine is shared, and a page measured beside its reference in each round
        # gives a ratio that drifts less than one long run of each would.
        runs: dict[str, list[dict]] = {name: [] for name, _target, _cookie in targets}
        for round_ in range(rounds):
            for name, target, cookie in targets:
                runs[name].append(wrk(target, cookie, seconds, connections, warm=round_ == 0))
    for name, results in runs.items():
        for key in ("rps", "p50_ms", "p99_ms"):
            figures[f"{name}_{key}"] = round(statistics.median(r[key] for r in results), 2)
        figures[f"{name}_rps_rounds"] = [r["rps"] for r in results]
        figures[f"{name}_p99_ms_rounds"] = [r["p99_ms"] for r in results]
        timeouts = sum(r["timeouts"] for r in results)
        if timeouts:
            figures[f"{name}_timeouts_10s"] = timeouts
    for name in ("queue", "applicant_dashboard", "donor_dashboard"):
        ratios = [
            page["rps"] / reference["rps"]
            for page, reference in zip(runs[name], runs["reference"], strict=True)
        ]
        figures[f"{name}_ratio_to_reference"] = round(statistics.median(ratios), 3)
    # The name for the donor dashboard's median.
    figures["donor_dashboard_ms_p50"] = figures["donor_dashboard_p50_ms"]
    figures["http_connections"] = connections
    figures["http_seconds"] = seconds
    figures["http_rounds"] = rounds
    figures["http_gunicorn"] = " ".join(GUNICORN)
    return figures


def run(url: str, args) -> dict:
    prepare(url, args.years, args.reuse_data)
    if args.load_only:
        from sponsorship.extensions import db
        from tests.apps import build_app

        with build_app(url).app_context():
            queries, ids = {}, _ids()
            db.engine.dispose()
    else:
        queries, ids = count_queries(url)
    with tempfile.TemporaryDirectory() as tmp:
        figures = load(url, ids, args.seconds, args.connections, args.rounds, Path(tmp))
    return {**figures, **queries, "years": args.years}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=6, help="wrk duration per page and round")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each page, in turn")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--sqlite", help="SQLite file to use (default: a scratch file)")
    parser.add_argument("--reuse-data", action="store_true", help="keep a seeded database")
    parser.add_argument("--load-only", action="store_true", help="skip the page walk")
    parser.add_argument("--merge", type=Path, help="JSON file whose keys are kept")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed for the HTTP benchmarks: sudo apt-get install -y wrk")
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{Path(args.sqlite or Path(tmp) / 'bench.db').resolve()}"
        sqlite = run(sqlite_url, args)
    results.update({f"sqlite_{k}": v for k, v in sqlite.items()})
    pg_url = os.environ.get("BENCH_DATABASE_URL")
    primary = run(pg_url, args) if pg_url else sqlite
    results.update(primary)
    results["http_database"] = "postgresql" if pg_url else "sqlite"
    print(json.dumps(results, indent=2))
    if args.output:
        merged = json.loads(args.merge.read_text()) if args.merge and args.merge.exists() else {}
        merged.update(results)
        args.output.write_text(json.dumps(merged, indent=2) + "\n")


if __name__ == "__main__":
    main()
