"""The HTTP benchmark's reference: a bare Flask + SQLAlchemy + Jinja page, 50 rows of one table.

It is what a page on this stack costs with nothing of ours in it (no login, session,
CSRF, translations, layout or business rules): the same gunicorn settings serve it on
the same database as the app, so the ratio of the two throughputs says what our pages
add. Served by tests/bench/bench_http.py as

    REFERENCE_DATABASE_URL=... gunicorn "tests.bench.reference_app:create()"
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, render_template
from jinja2 import DictLoader

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Applications</title></head>
<body><h1>Applications</h1>
<table><thead><tr><th>Id</th><th>Meeting</th><th>State</th><th>Status</th>
<th>Language</th><th>Submitted</th></tr></thead><tbody>
{% for row in rows %}<tr><td>{{ row.id }}</td><td>{{ row.meeting_id }}</td>
<td>{{ row.state_id }}</td><td>{{ row.status }}</td><td>{{ row.language }}</td>
<td>{{ row.submitted_at }}</td></tr>
{% endfor %}</tbody></table></body></html>
"""

LATEST = sa.text(
    "SELECT id, meeting_id, state_id, status, language, submitted_at"
    " FROM applications ORDER BY id DESC LIMIT 50"
)


def create() -> Flask:
    app = Flask(__name__)
    # A loader, as the app has: templates compile once per process, not per request.
    app.jinja_loader = DictLoader({"applications.html": TEMPLATE})
    engine = sa.create_engine(os.environ["REFERENCE_DATABASE_URL"], pool_pre_ping=True)

    @app.get("/")
    def index():
        with engine.connect() as conn:
            rows = conn.execute(LATEST).all()
        return render_template("applications.html", rows=rows)

    return app
