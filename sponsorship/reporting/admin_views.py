"""The administrators' programme report, per meeting and per year.

Registered inside the `admin` blueprint, whose before_request admits administrators only.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from sponsorship.reporting import charts as reports_charts
from sponsorship.reporting import opendata as reports_opendata
from sponsorship.reporting import pdf as reports_pdf
from sponsorship.reporting import programme as reports_programme
from sponsorship.web.responses import csv_response, file_response, pdf_response, xlsx_response

bp = Blueprint("reports", __name__, url_prefix="/reports")

COLUMNS = (
    "applications",
    "offered",
    "accepted",
    "attended",
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
    meetings = reports_programme.lines("meeting")
    years = reports_programme.lines("year")
    chart = reports_charts.bar_chart(
        _("Delegates attending per year"), [(ln.label, ln.attended) for ln in years]
    )
    return {
        "meetings": meetings,
        "years": years,
        "chart": chart,
        "shares": reports_programme.shares,
    }


@bp.get("/")
def programme():
    return render_template("reporting/programme.html", **programme_context())


@bp.get("/programme.pdf")
def programme_pdf():
    pdf = reports_pdf.report_pdf("reporting/pdf_programme.html", **programme_context())
    return pdf_response(pdf, "programme-report.pdf")


@bp.get("/programme.360giving.json")
def programme_360giving():
    return file_response(
        reports_opendata.threesixty_giving_json(),
        "application/json",
        "programme-grants.360giving.json",
    )


@bp.get("/programme.iati.xml")
def programme_iati():
    return file_response(
        reports_opendata.iati_activities(), "application/xml", "programme-activity.iati.xml"
    )


@bp.get("/programme.csv")
def programme_csv():
    return csv_response(programme_rows(), "programme-report.csv")


def programme_rows() -> list[list]:
    rows: list[list] = [["level", "key", "label", "year", *COLUMNS, "donors"]]
    for level in ("meeting", "year"):
        for ln in reports_programme.lines(level):
            rows.append(
                [level, ln.key, ln.label, ln.year]
                + [getattr(ln, c) for c in COLUMNS]
                + ["; ".join(f"{n}={a}" for n, a in ln.donors.items())]
            )
    return rows


@bp.get("/programme.xlsx")
def programme_xlsx():
    from sponsorship.reporting import exports as reports_export

    data = reports_export.workbook([("Programme", programme_rows())])
    return xlsx_response(data, "programme-report.xlsx")
