"""Rendered pages reused while the data they show has not changed.

The busiest pages (the review queue, the applicant and donor dashboards) are built
from many rows and change only when something is written. `@cached_page` keeps the
HTML a view rendered, per process, under everything the page depends on besides the
data: the view and its full path with the query string, the signed-in user, the
language and time zone, and the day (deadlines read "expired" from one day to the
next). It is kept in a stamped cache (core/cache.py) and served again only while the
data version (models/data_version.py) is the one it was rendered at, so a reader
never sees a page older than the last commit before its request began.

Per-request parts are kept out of the stored copy: a page is neither stored nor
served while the session holds flashed messages (rendering consumes them), and in
another session than the one it was rendered in, its CSRF token is replaced by one
signed for the current session.
Only the body is stored, already encoded (encoding the queue's 90 KB again cost about
0.02 ms a request); status 200 and headers are made afresh (no-store included).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import wraps

from flask import current_app, g, request, session
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from sponsorship.core.cache import StampedCache
from sponsorship.extensions import db
from sponsorship.models import data_version


@dataclass(frozen=True, slots=True)
class _Entry:
    day: date  # checked here, not hashed in the key: a fresh date there cost 0.25 us
    page: bytes
    parts: tuple[bytes, ...]  # the page split at its CSRF token
    session_token: str | None = None  # the session secret that token was signed from

    def for_this_session(self, field: str) -> bytes:
        """The page with a CSRF token valid in the current session."""
        if len(self.parts) == 1 or session.get(field) == self.session_token:
            return self.page
        return generate_csrf().encode().join(self.parts)


class PageCache(StampedCache[_Entry]):
    """Rendered pages at their data stamp (core/cache.py), rendered one at a time."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self._flights_lock = threading.Lock()
        self._flights: dict[tuple, tuple[threading.Lock, int]] = {}

    @contextmanager
    def single_flight(self, key: tuple) -> Iterator[None]:
        """One thread at a time renders a page; the others wait, then find it kept.

        Without it, the requests that arrive while a slow page renders (a second at
        twenty years of data) would each render it too, and all finish late.
        """
        with self._flights_lock:
            lock, waiting = self._flights.get(key, (None, 0))
            lock = lock or threading.Lock()
            self._flights[key] = (lock, waiting + 1)
        try:
            with lock:
                yield
        finally:
            with self._flights_lock:
                lock, waiting = self._flights[key]
                if waiting == 1:
                    del self._flights[key]
                else:
                    self._flights[key] = (lock, waiting - 1)


def init_page_cache(app) -> None:
    size = app.config.get("PAGE_CACHE_ENTRIES", 0)
    app.extensions["page_cache"] = PageCache(size) if size > 0 else None


def _key() -> tuple:
    return (
        request.endpoint,
        request.full_path,
        current_user.get_id(),
        str(get_locale()),
        str(get_timezone()),
    )


def _render_and_keep(cache: PageCache, key, stamp, day, view, args, kwargs):
    page = view(*args, **kwargs)
    if isinstance(page, str) and stamp is not None:
        field = _csrf_field()
        token = g.get(field)
        body = page.encode()
        parts = tuple(body.split(token.encode())) if token else (body,)
        cache.put(key, stamp, _Entry(day, body, parts, session.get(field)))
    return page


def _csrf_field() -> str:
    # Flask-WTF keeps the session's secret and the request's signed token under this name.
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def cached_page(view: Callable) -> Callable:
    """Serve the view's rendered HTML again while the data has not changed.

    Put it under the access check (role_required): the check runs on every request.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        cache: PageCache | None = current_app.extensions.get("page_cache")
        if cache is None or session.get("_flashes"):
            return view(*args, **kwargs)
        # Read before anything the view reads (the user loader read it with the user).
        stamp = data_version.current(db.session)
        day, key = date.today(), _key()
        entry = cache.get(key, stamp)
        if entry is None or entry.day != day:
            with cache.single_flight(key):
                entry = cache.get(key, stamp)
                if entry is None or entry.day != day:
                    return _render_and_keep(cache, key, stamp, day, view, args, kwargs)
        return entry.for_this_session(_csrf_field())

    return wrapped
