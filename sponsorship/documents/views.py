"""Public pages, no login: verifying an award letter by its code.

The page says whether a letter is valid, superseded or revoked, with its reference,
meeting and delegate name, and nothing else personal. It is cacheable for a short
while (the answer only changes on a reissue or revocation), which keeps a flood of
scans cheap; an unknown code is a plain 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from sponsorship.documents import letters

bp = Blueprint("public", __name__)


@bp.get("/verify/<code>")
def verify(code: str):
    if len(code) > 20:
        abort(404)
    result = letters.verify(code)
    if result is None:
        abort(404)
    response = render_template("documents/verify.html", letter=result)
    return response, 200, {"Cache-Control": "public, no-cache", "X-Robots-Tag": "noindex"}
