"""The donor's pages: its own contributions in detail, the programme in aggregate."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from sponsorship.models import Role
from sponsorship.services import dashboards, reports_charts, reports_donor, reports_programme
from sponsorship.web.filters import breakdown_label
from sponsorship.web.security import role_required

bp = Blueprint("donor", __name__, url_prefix="/donor")

AWARDS_SHOWN = 200

#: What each breakdown counts by, as the chart's title says it ("Delegates funded by ...").
DIMENSION_NAMES = {
    "meeting": _l("meeting"),
    "year": _l("year"),
    "state": _l("State"),
    "region": _l("regional group"),
    "gender": _l("gender"),
    "theme": _l("theme"),
    "first_time": _l("first participation"),
}


@bp.get("/")
@role_required(Role.DONOR)
def dashboard():
    donor = current_user.donor
    report = reports_donor.donor_report(donor, award_limit=AWARDS_SHOWN)
    charts = {
        dim: reports_charts.bar_chart(
            _("Delegates funded by %(dimension)s", dimension=DIMENSION_NAMES.get(dim, dim)),
            [(breakdown_label(r, dim), r.delegates) for r in rows],
        )
        for dim, rows in report.breakdowns.items()
    }
    return render_template(
        "donor/dashboard.html",
        donor=donor,
        contributions=dashboards.donor_contributions(donor),
        funded_awards=report.outcomes.funded,
        report=report,
        charts=charts,
        programme=reports_programme.lines("year"),
    )


def csv_response(rows: list[list], filename: str) -> Response:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def donor_rows(report: reports_donor.DonorReport) -> list[list]:
    t = report.totals
    rows: list[list] = [
        ["section", "key", "label", "delegates", "amount"],
        ["totals", "pledged", "", "", t.pledged],
        ["totals", "received", "", "", t.received],
        ["totals", "committed", "", "", t.committed],
        ["totals", "spent", "", "", t.spent],
        ["totals", "available", "", "", t.available],
        ["totals", "returned", "", "", t.returned],
    ]
    for dim, lines in report.breakdowns.items():
        rows += [[dim, r.key, r.label, r.delegates, r.amount] for r in lines]
    rows += [
        ["award", a.reference, f"{a.state} | {a.function} | {a.gender} | {a.meeting}", 1, a.amount]
        for a in report.awards
    ]
    return rows


@bp.get("/report.csv")
@role_required(Role.DONOR)
def report_csv():
    report = reports_donor.donor_report(current_user.donor)
    return csv_response(donor_rows(report), "donor-report.csv")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/report.xlsx")
@role_required(Role.DONOR)
def report_xlsx():
    from sponsorship.services import reports_export

    donor = current_user.donor
    report = reports_donor.donor_report(donor)
    contributions = [
        [
            "reference",
            "status",
            "currency",
            "amount",
            "base_amount",
            "committed",
            "spent",
            "available",
            "pledged_on",
            "received_on",
            "spend_by",
        ]
    ] + [
        [
            c.reference,
            str(c.status),
            c.currency,
            c.amount,
            c.base_amount,
            c.committed,
            c.spent,
            c.available,
            c.pledged_on,
            c.received_on,
            c.spend_by,
        ]
        for c in dashboards.donor_contributions(donor)
    ]
    data = reports_export.workbook(
        [("Report", donor_rows(report)), ("Contributions", contributions)]
    )
    return xlsx_response(data, "donor-report.xlsx")
