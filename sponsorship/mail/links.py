"""Absolute links for mail, letters and QR codes: which host they name.

In production every link uses PUBLIC_BASE_URL (the app refuses to start without it):
a request's Host header is the client's to choose, and a link built from it could
send a delegate to someone else's site. In development and tests
(`LINKS_FOLLOW_REQUEST_HOST`) a link made during a request names the host that
request came on, so a server on any port prints links that work; a link made
outside a request (a background job) uses PUBLIC_BASE_URL, else the host the last
request came on, else the development default.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request

#: Where `flask run` serves when nothing else is known.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
#: app.extensions key under which the host of the last request is kept (development).
_SEEN_KEY = "sponsorship.links.seen_base_url"


def base_url() -> str:
    """The scheme and host every absolute link starts with, without a trailing slash."""
    app = current_app
    configured = (app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if app.config.get("LINKS_FOLLOW_REQUEST_HOST") and has_request_context():
        seen = request.host_url.rstrip("/")
        app.extensions[_SEEN_KEY] = seen
        return seen
    if configured:
        return configured
    return app.extensions.get(_SEEN_KEY) or DEVELOPMENT_BASE_URL


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link to `endpoint`: `base_url()` plus the route's path."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base_url() + path
