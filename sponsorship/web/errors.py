"""Friendly error pages in the user's language."""

from __future__ import annotations

import contextlib

from flask import Flask, g, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from sponsorship.extensions import db, login_manager

#: Seconds a client is told to wait after a 503: about a database restart.
RETRY_AFTER_S = 5


def _wants_json() -> bool:
    return request.path.startswith("/healthz") or (
        request.accept_mimetypes.best == "application/json"
    )


def init_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            return jsonify(error=error.name, status=error.code), error.code
        template = {
            400: "errors/400.html",
            403: "errors/403.html",
            404: "errors/404.html",
            429: "errors/429.html",
        }.get(error.code or 500, "errors/generic.html")
        return render_template(template, error=error), error.code

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        """The database is unreachable (restarting, connection killed): 503, not a 500.

        The broken connection is already dropped from the pool; pool_pre_ping replaces
        the others on their next use, so the app recovers by itself when the database
        is back. Any other database error is a bug and goes to the 500 handler.
        """
        if not (
            isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated
        ):
            return server_error(error)
        app.logger.warning("database unavailable on %s: %s", request.path, error.orig)
        with contextlib.suppress(DBAPIError):
            db.session.rollback()
        db.session.remove()
        # The page must render without the database: no signed-in user to load.
        g._login_user = login_manager.anonymous_user()
        headers = {"Retry-After": str(RETRY_AFTER_S)}
        if _wants_json():
            return jsonify(error="Service Unavailable", status=503), 503, headers
        return render_template("errors/503.html", error=error), 503, headers

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return render_template("errors/500.html"), 500
