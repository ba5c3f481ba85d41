"""Logs a machine can read: one JSON object per line, one line per request.

In production (LOG_FORMAT=json) every record of the app, gunicorn and the RQ workers
goes to stderr as a JSON object, and each request adds one line with its method, path,
status, duration and request id. The id comes from the proxy's ``X-Request-ID`` when it
sends a sane one (so the proxy's and the app's lines join up), else it is made here; it
is returned in the response header and stamped on every record logged during the
request, so an error's traceback is found from the id a user reports.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_request_context, request

#: A proxy's id is taken only if it looks like one: it ends up in logs and headers.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
#: Attributes every LogRecord has; anything else was passed through `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}

request_log = logging.getLogger("sponsorship.request")


class JsonFormatter(logging.Formatter):
    """A record as one JSON line: time, level, logger, message, then its extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            # Which of gunicorn's workers (or which job worker) wrote it.
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    """Stamps the current request's id on every record logged while serving it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and "request_id" in g and not hasattr(record, "request_id"):
            record.request_id = g.request_id
        return True


def configure_json_logging(level: str = "INFO") -> None:
    """Send every logger's records to stderr as JSON (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_sponsorship_json", False):
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler._sponsorship_json = True  # type: ignore[attr-defined]
    root.handlers = [handler]
    root.setLevel(level.upper())
    # WeasyPrint logs each layout step at INFO: noise, thousands of lines a bulk run.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    # Alembic announces each of its plugins at INFO whenever the app is created.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _start() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def loaded_id(user) -> int | None:
    """The user's id without touching the database.

    After a view commits, the user is expired, and reading `user.id` would reload it:
    if the database went away meanwhile, the request log would turn a finished
    response into a 500. The identity map keeps the key without a query.
    """
    state = sa.inspect(user, raiseerr=False) if user is not None else None
    if state is None:  # the anonymous user, or none: no row
        return getattr(user, "id", None)
    return state.identity[0] if state.identity else None


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:  # a response made before our before_request ran
        return response
    response.headers["X-Request-ID"] = request_id
    if not current_app.config["LOG_REQUESTS"]:
        return response
    duration_ms = (time.perf_counter() - g.request_started) * 1000
    # The signed-in user only if already loaded: logging must not query the database.
    user = g.get("_login_user")
    request_log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(duration_ms, 1),
            "user_id": loaded_id(user),
            "remote_addr": request.remote_addr,
        },
    )
    return response


def init_logging(app: Flask) -> None:
    """LOG_FORMAT=json: JSON records on stderr; LOG_REQUESTS: a line per request."""
    app.config.setdefault("LOG_FORMAT", "text")
    app.config.setdefault("LOG_LEVEL", "INFO")
    app.config.setdefault("LOG_REQUESTS", False)
    if app.config["LOG_FORMAT"] == "json":
        from flask.logging import default_handler

        configure_json_logging(app.config["LOG_LEVEL"])
        app.logger.removeHandler(default_handler)
    if app.config["LOG_REQUESTS"]:
        request_log.setLevel(logging.INFO)
    app.before_request(_start)
    app.after_request(_finish)
