"""Public pages, no login: verifying a document by its code.

The page says whether a document is valid, superseded or revoked (and whether a newer
version was issued, without naming it), with its type, State, meeting, issue date and
the delegate's name, and nothing else. Anyone can type a code at /verify.

An unknown code gets a clear "no such document" page. Guessing codes must not be
cheaper or faster than checking one: every answer, known code or not, does the same
lookup, takes at least VERIFY_MIN_SECONDS, and counts against VERIFY_RATE_LIMIT per
client address.
"""

from __future__ import annotations

import time
from functools import wraps

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for

from sponsorship.documents import letters

bp = Blueprint("public", __name__)

#: Longer input is no code of ours; it is refused before any lookup.
MAX_CODE_LENGTH = 20
HEADERS = {"Cache-Control": "public, no-cache", "X-Robots-Tag": "noindex"}


def _pad(started: float) -> None:
    """Hold the answer until VERIFY_MIN_SECONDS have passed since `started`."""
    remaining = current_app.config.get("VERIFY_MIN_SECONDS", 0) - (time.perf_counter() - started)
    if remaining > 0:
        time.sleep(remaining)


@bp.get("/verify")
def verify_form():
    """Type a code by hand; the form sends it to the verification page."""
    code = (request.args.get("code") or "").strip()
    if code:
        return redirect(
            url_for("public.verify", code=letters.normalise_code(code)[:MAX_CODE_LENGTH])
        )
    return render_template("documents/verify.html", letter=None, asked=False), 200, HEADERS


@bp.get("/verify/<code>")
def verify(code: str):
    started = time.perf_counter()
    # Over-long input is looked up as an impossible code: the same work, the same answer.
    result = letters.verify(code if len(code) <= MAX_CODE_LENGTH else "")
    page = render_template(
        "documents/verify.html", letter=result, asked=True, code=code[:MAX_CODE_LENGTH]
    )
    _pad(started)
    return page, 200 if result is not None else 404, HEADERS


def init_rate_limits(app: Flask) -> None:
    """Limit verification lookups per client address, with the app's login limiter."""
    limiter = app.extensions.get("sponsorship.limiter")
    if limiter is None:
        return
    view = app.view_functions["public.verify"]

    @wraps(view)
    def verify_limited(*args, **kwargs):
        return view(*args, **kwargs)

    app.view_functions["public.verify"] = limiter.limit(
        lambda: current_app.config["VERIFY_RATE_LIMIT"]
    )(verify_limited)
