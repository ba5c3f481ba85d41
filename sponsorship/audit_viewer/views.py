"""The audit viewer's pages (nested in `admin`: administrators only): the filtered,
paginated trail, and the same filter as CSV. Filters come by GET, so a filtered view
is a link that can be kept or sent."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from sponsorship.audit_viewer import trail
from sponsorship.audit_viewer.filters import query_of, read_filter
from sponsorship.reporting import prepared
from sponsorship.reporting.export_views import serve_or_prepare
from sponsorship.web.bounds import parse_int

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/")
def index():
    form, f = read_filter(request.args)
    page = trail.page_of(f, parse_int(request.args.get("page"), 1) or 1)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("audit_viewer/index.html", form=form, page=page, args=args)


@bp.get("/trail.csv")
def export_csv():
    """The filtered trail as CSV, prepared by a job like the reports: at twenty years
    it is 50,000 events, each written as a sentence in the reader's language (seconds)."""
    query = query_of(request.args)
    return serve_or_prepare(
        "audit.csv",
        None,
        "admin.reports.export_status",
        scope=prepared.audit_scope(query),
        params=query,
    )
