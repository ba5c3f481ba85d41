"""The health check names what is down; each request is one JSON log line with its id."""

from __future__ import annotations

import json
import logging
import sys

from sponsorship.logs import JsonFormatter
from tests.apps import build_app
from tests.mailserver import free_port


def test_healthz_answers_503_naming_redis_when_queue_is_down(tmp_path):
    # Nothing listens on this port: Redis is "down" for this app only.
    app = build_app(
        f"sqlite:///{tmp_path / 'health.db'}", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "ok", "queue": "error"}
    assert response.headers["Cache-Control"] == "no-store"


def test_request_log_is_one_json_line_with_request_id(tmp_path, caplog):
    app = build_app(f"sqlite:///{tmp_path / 'logs.db'}", LOG_REQUESTS=True)
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="sponsorship.request"):
        mine = client.get("/healthz", headers={"X-Request-ID": "proxy-id-0123456789"})
        forged = client.get("/login", headers={"X-Request-ID": "bad id <Evil> ;"})
    first, second = (
        json.loads(JsonFormatter().format(r))
        for r in caplog.records
        if r.name == "sponsorship.request"
    )
    assert mine.headers["X-Request-ID"] == "proxy-id-0123456789"
    assert first["request_id"] == "proxy-id-0123456789"
    assert {k: first[k] for k in ("method", "path", "status")} == {
        "method": "GET",
        "path": "/healthz",
        "status": 200,
    }
    assert isinstance(first["duration_ms"], float)
    # A malformed id from outside is replaced, never echoed into logs or headers.
    assert forged.headers["X-Request-ID"] == second["request_id"]
    assert "Evil" not in second["request_id"] and len(second["request_id"]) == 32


def test_json_formatter_keeps_exception_on_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("job",), None)
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "failed job" and "ValueError: boom" in entry["exception"]


def test_client_address_comes_from_trusted_proxy_only(tmp_path, caplog):
    def logged_address(proxies: int) -> str:
        app = build_app(
            f"sqlite:///{tmp_path / f'p{proxies}.db'}", LOG_REQUESTS=True, PROXY_COUNT=proxies
        )
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="sponsorship.request"):
            app.test_client().get(
                "/healthz",
                headers={"X-Forwarded-For": "203.0.113.7"},
                environ_base={"REMOTE_ADDR": "10.0.0.2"},
            )
        [record] = [r for r in caplog.records if r.name == "sponsorship.request"]
        return record.remote_addr

    # Behind one proxy the client is the one it names; without, the header is ignored
    # (else anyone could pick an address to dodge the login rate limit).
    assert logged_address(1) == "203.0.113.7"
    assert logged_address(0) == "10.0.0.2"


def test_request_log_names_an_expired_user_without_a_query(tmp_path):
    # A view that commits expires the signed-in user; if the log reloaded it and the
    # database had gone meanwhile, a finished response would become a 500 (seen under
    # the load-and-fault test).
    import sqlalchemy as sa

    from sponsorship.extensions import db
    from sponsorship.logs import loaded_id
    from tests.conftest import QueryCounter
    from tests.factories import UserFactory

    app = build_app(f"sqlite:///{tmp_path / 'logs.db'}", reset=True)
    with app.app_context():
        user = UserFactory()
        db.session.commit()  # expires it
        counter = QueryCounter()
        sa.event.listen(db.engine, "before_cursor_execute", counter)
        try:
            found = loaded_id(user)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", counter)
        assert found is not None
        assert counter.statements == []
        assert found == user.id  # the same id, read now with a query
    assert loaded_id(None) is None
