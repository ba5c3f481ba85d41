"""Friendly error pages in the user's language."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


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

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return render_template("errors/500.html"), 500
