"""`make prod-demo`'s shape, run for real: gunicorn, an RQ worker, PostgreSQL, Redis."""

from __future__ import annotations

import json

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
