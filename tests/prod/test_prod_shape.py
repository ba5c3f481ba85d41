"""`make prod-demo`'s shape, run for real: gunicorn, an RQ worker, PostgreSQL, Redis."""

from __future__ import annotations

import json

import pytest

from tests.prod.conftest import Browser, letters_of, offered_meeting, wait_for

LETTERS = 12


def test_prod_shape_serves_login_and_issues_bulk_letters_through_redis_worker(stack, prod_database):
    meeting_id = offered_meeting(prod_database, LETTERS)
    stack.worker()
    base = stack.gunicorn(workers=2)

    health = stack.wait_healthy()
    assert health["status"] == "ok", health
    assert (health["database"], health["queue"]) == ("ok", "ok")

    browser = Browser(base)
    browser.login()
    status, _body, _ = browser.get("/admin/")
    assert status == 200

    # The administrator's bulk button: the job goes to Redis and a worker issues it.
    url = f"/admin/review/meetings/{meeting_id}/letters"
    status, _body, _headers = browser.post_form(url, page=url)
    assert status == 302

    def finished():
        code, text, _ = browser.get(url + "/status")
        state = json.loads(text) if code == 200 else {}
        return state if state and not state["running"] and state["pending"] == 0 else None

    state = wait_for(finished, 180, "the bulk letter run on the Redis worker")
    assert state == {"total": LETTERS, "issued": LETTERS, "pending": 0, "running": False}
    assert letters_of(prod_database, meeting_id) == (LETTERS, LETTERS, 0)

    # Structured logs: one JSON line per request with its method, path, status,
    # duration and request id.
    log = stack.log("gunicorn").splitlines()
    lines = [json.loads(line) for line in log if line.startswith("{")]
    requests = [line for line in lines if line["logger"] == "sponsorship.request"]
    health_lines = [line for line in requests if line["path"] == "/healthz"]
    assert health_lines, "no request line for /healthz"
    assert {"method", "path", "status", "duration_ms", "request_id"} <= set(health_lines[-1])
    assert any(line["path"] == url and line["status"] == 302 for line in requests)


def test_make_prod_demo_serves_with_a_worker_and_stops_on_ctrl_c(prod_template, tmp_path):
    """The README's `make prod-demo`, run as written, on a scratch database."""
    import os
    import shutil
    import signal
    import subprocess
    import time

    from sqlalchemy.engine import make_url

    from tests.mailserver import free_port
    from tests.prod.conftest import REDIS_URL, ROOT, admin_engine, drop_database

    if shutil.which("psql") is None or shutil.which("make") is None:
        pytest.skip("make prod-demo needs make and psql (postgresql-client)")
    url = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{url.database}_demo"
    engine = admin_engine(url.render_as_string(hide_password=False))
    drop_database(engine, name)  # the target creates it
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SPONSORSHIP_", "FLASK_", "DATABASE_URL", "SECRET_KEY"))
    }
    env |= {
        "PROD_DEMO_SERVER": url.set(database="").render_as_string(hide_password=False).rstrip("/"),
        "PROD_DEMO_DB": name,
        "REDIS_URL": REDIS_URL,
        "JOBS_QUEUE_NAME": f"prod-demo-test-{port}",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }
    log = (tmp_path / "prod-demo.log").open("wb")
    # Not remade here: the virtualenv and the compiled catalogues are the suite's own.
    demo = subprocess.Popen(
        ["make", "-o", "translations", "-o", ".venv/.installed", "prod-demo"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        browser = Browser(f"http://127.0.0.1:{port}")

        def healthy():
            try:
                status, body, _ = browser.get("/healthz")
            except OSError:
                return None
            health = json.loads(body) if status == 200 else {}
            return health if health.get("workers") else None

        health = wait_for(healthy, 180, "make prod-demo to serve with a worker")
        assert (health["database"], health["queue"]) == ("ok", "ok")
        browser.login()
        assert browser.get("/admin/")[0] == 200
    finally:
        # Ctrl-C: the terminal sends SIGINT to the whole foreground process group.
        os.killpg(demo.pid, signal.SIGINT)
        try:
            demo.wait(timeout=60)
        except subprocess.TimeoutExpired:
            # It has happened on a loaded machine and the reason was lost with the log:
            # say which processes were still there, and what the demo last wrote.
            still = subprocess.run(
                ["ps", "-o", "pid,stat,etime,args", "-g", str(demo.pid)],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            tail = (tmp_path / "prod-demo.log").read_text(errors="replace")[-4000:]
            message = f"make prod-demo still running after Ctrl-C:\n{still}\n{tail}"
            raise AssertionError(message) from None
        finally:
            log.close()
            time.sleep(1)
            leftovers = subprocess.run(
                ["pgrep", "-g", str(demo.pid)], capture_output=True, text=True, check=False
            ).stdout.split()
            for pid in leftovers:
                os.kill(int(pid), signal.SIGKILL)
            if demo.poll() is None:  # reaped here, not left to fail the next test
                demo.wait(timeout=30)
            drop_database(engine, name)
            engine.dispose()
    output = (tmp_path / "prod-demo.log").read_text(errors="replace")
    assert "Demo logins (password: demo-password)" in output and "admin@demo.test" in output
    assert not leftovers, f"processes left after Ctrl-C: {leftovers}"
