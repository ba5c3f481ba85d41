"""The administrators' programme report, per meeting and per year."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from sponsorship.models import Role
from sponsorship.services import reports_charts, reports_opendata, reports_programme
from sponsorship.web.donor import csv_response, file_response, pdf_response, xlsx_response
from sponsorship.web.security import role_required

bp = Blueprint("admin_reports", __name__, url_prefix="/admin/reports")

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
@role_required(Role.ADMINISTRATOR)
def programme():
    return render_template("reports/programme.html", **programme_context())


@bp.get("/programme.pdf")
@role_required(Role.ADMINISTRATOR)
def programme_pdf():
    return pdf_response("reports/pdf_programme.html", "programme-report.pdf", **programme_context())


@bp.get("/programme.360giving.json")
@role_required(Role.ADMINISTRATOR)
def programme_360giving():
    return file_response(
        reports_opendata.threesixty_giving_json(),
        "application/json",
        "programme-grants.360giving.json",
    )


@bp.get("/programme.iati.xml")
@role_required(Role.ADMINISTRATOR)
def programme_iati():
    return file_response(
        reports_opendata.iati_activities(), "application/xml", "programme-activity.iati.xml"
    )


@bp.get("/programme.csv")
@role_required(Role.ADMINISTRATOR)
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
@role_required(Role.ADMINISTRATOR)
def programme_xlsx():
    from sponsorship.services import reports_export

    data = reports_export.workbook([("Programme", programme_rows())])
    return xlsx_response(data, "programme-report.xlsx")
