"""The administrators' programme report, per meeting and per year.

Registered inside the `admin` blueprint, whose before_request admits administrators only.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _

from sponsorship.reporting import charts as reports_charts
from sponsorship.reporting import programme as reports_programme
from sponsorship.reporting.export_views import file_of, serve_or_prepare, status_page

bp = Blueprint("reports", __name__, url_prefix="/reports")

COLUMNS = (
    "applications",
    "offered",
    "accepted",
    "attended",
    "people",
    "no_show",
    "take_up",
    "estimated",
    "actual",
    "states",
    "article5_states",
    "article4_states",
    "female",
    "male",
    "other_gender",
    "statements",
    "funded",
)


def programme_context() -> dict:
    # Kept while the data is unchanged (exact at the data stamp): at twenty years the
    # figures take seconds of SQL, and the page, its PDF and CSV read the same ones.
    meetings = reports_programme.cached_lines("meeting")
    years = reports_programme.cached_lines("year")
    chart = reports_charts.bar_chart(
        _("Delegates attending per year"), [(ln.label, ln.attended) for ln in years]
    )
    return {
        "sponsored": reports_programme.people_and_participations(),
        "attending": reports_programme.people_and_participations(attended=True),
        "meetings": meetings,
        "years": years,
        "chart": chart,
        "shares": reports_programme.shares,
    }


@bp.get("/")
def programme():
    return render_template("reporting/programme.html", **programme_context())


# Each report is prepared by a job and served from storage (reporting/prepared.py).


def _report(kind: str):
    return serve_or_prepare(kind, None, "admin.reports.export_status")


@bp.get("/programme.pdf")
def programme_pdf():
    return _report("programme.pdf")


@bp.get("/programme.360giving.json")
def programme_360giving():
    return _report("programme.360giving.json")


@bp.get("/programme.iati.xml")
def programme_iati():
    return _report("programme.iati.xml")


@bp.get("/programme.csv")
def programme_csv():
    return _report("programme.csv")


@bp.get("/programme.xlsx")
def programme_xlsx():
    return _report("programme.xlsx")


@bp.get("/exports/<int:export_id>")
def export_status(export_id: int):
    """A report being prepared: its progress, and the last ready copy with its date."""
    return status_page(
        export_id, None, "admin.reports.export_file", url_for("admin.reports.programme")
    )


@bp.get("/exports/<int:export_id>/file")
def export_file(export_id: int):
    return file_of(export_id, None)


def programme_rows() -> list[list]:
    rows: list[list] = [["level", "key", "label", "year", *COLUMNS, "donors"]]
    for level in ("meeting", "year"):
        for ln in reports_programme.cached_lines(level):
            rows.append(
                [level, ln.key, ln.label, ln.year]
                + [getattr(ln, c) for c in COLUMNS]
                + ["; ".join(f"{n}={a}" for n, a in ln.donors.items())]
            )
    # The whole programme's people beside its participations (sponsorships offered,
    # and attended): a person sponsored at several meetings counts once.
    for key, attended in (("offered", False), ("attended", True)):
        people, participations = reports_programme.people_and_participations(attended=attended)
        # Empty cells, not empty text: a spreadsheet's year and figure columns stay numeric.
        row = ["programme", key, "people and participations", None]
        row += [None for _c in COLUMNS] + [None]
        row[4 + COLUMNS.index(key)] = participations
        row[4 + COLUMNS.index("people")] = people
        rows.append(row)
    return rows
