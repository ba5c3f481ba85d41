"""The donor's pages: its own contributions in detail, the programme in aggregate."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from sponsorship.funding.overview import donor_contributions
from sponsorship.models import Role
from sponsorship.reporting import charts as reports_charts
from sponsorship.reporting import donor as reports_donor
from sponsorship.reporting import opendata as reports_opendata
from sponsorship.reporting import pdf as reports_pdf
from sponsorship.reporting import programme as reports_programme
from sponsorship.web.filters import breakdown_label
from sponsorship.web.page_cache import cached_page
from sponsorship.web.responses import csv_response, file_response, pdf_response, xlsx_response
from sponsorship.web.security import role_required

bp = Blueprint("donor", __name__, url_prefix="/donor")

#: Awards listed on the page, the latest first; the exports list them all.
AWARDS_SHOWN = 100

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

#: The heading of each breakdown's figure and the first column of its table.
DIMENSION_TITLES = {
    "meeting": _l("By meeting"),
    "year": _l("By year"),
    "state": _l("By State"),
    "region": _l("By region"),
    "gender": _l("By gender"),
    "theme": _l("By theme"),
    "first_time": _l("First-time participants"),
}


def summarised(report: reports_donor.DonorReport) -> dict[str, list[tuple]]:
    """Per dimension, the `(label, delegates, amount)` rows a chart draws: every row,
    or the largest and the rest as one when there are more than a chart can show."""
    result = {}
    for dim, rows in report.breakdowns.items():
        rest = len(rows) - reports_charts.MAX_BARS + 1
        result[dim] = reports_charts.largest(
            [(breakdown_label(r, dim), r.delegates, r.amount) for r in rows],
            _("All others (%(count)d)", count=max(rest, 0)),
        )
    return result


def breakdown_charts(tables: dict[str, list[tuple]]) -> dict:
    return {
        dim: reports_charts.bar_chart(
            _("Delegates funded by %(dimension)s", dimension=DIMENSION_NAMES.get(dim, dim)),
            [(label, delegates) for label, delegates, _amount in rows],
        )
        for dim, rows in tables.items()
    }


@bp.get("/")
@role_required(Role.DONOR)
@cached_page
def dashboard():
    donor = current_user.donor
    report = reports_donor.donor_report(donor, award_limit=AWARDS_SHOWN)
    tables = summarised(report)
    return render_template(
        "reporting/donor/dashboard.html",
        donor=donor,
        contributions=donor_contributions(donor),
        funded_awards=report.outcomes.funded,
        report=report,
        tables=tables,
        charts=breakdown_charts(tables),
        titles=DIMENSION_TITLES,
        programme=reports_programme.cached_lines("year"),
    )


@bp.get("/contributions/<int:contribution_id>")
@role_required(Role.DONOR)
def contribution(contribution_id: int):
    """One of the donor's own contributions and where its money went; another
    donor's is a 404, the same answer as one that does not exist."""
    found = reports_donor.own_contribution(current_user.donor_id, contribution_id)
    if found is None:
        abort(404)
    return render_template(
        "reporting/donor/contribution.html",
        contribution=found,
        lines=reports_donor.allocation_lines(found.id),
        allocation_labels={
            "committed": _("Committed"),
            "spent": _("Spent"),
            "released": _("Returned"),
        },
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


@bp.get("/report.xlsx")
@role_required(Role.DONOR)
def report_xlsx():
    from sponsorship.reporting import exports as reports_export

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
        for c in donor_contributions(donor)
    ]
    data = reports_export.workbook(
        [("Report", donor_rows(report)), ("Contributions", contributions)]
    )
    return xlsx_response(data, "donor-report.xlsx")


@bp.get("/report.pdf")
@role_required(Role.DONOR)
def report_pdf():
    donor = current_user.donor
    report = reports_donor.donor_report(donor)
    pdf = reports_pdf.report_pdf(
        "reporting/pdf_donor.html",
        donor=donor,
        report=report,
        contributions=donor_contributions(donor),
        charts=breakdown_charts(summarised(report)),
        titles=DIMENSION_TITLES,
        programme=reports_programme.cached_lines("year"),
    )
    return pdf_response(pdf, "donor-report.pdf")


@bp.get("/report.360giving.json")
@role_required(Role.DONOR)
def report_360giving():
    return file_response(
        reports_opendata.threesixty_giving_json(current_user.donor_id),
        "application/json",
        "donor-grants.360giving.json",
    )


@bp.get("/report.iati.xml")
@role_required(Role.DONOR)
def report_iati():
    return file_response(
        reports_opendata.iati_activities(current_user.donor_id),
        "application/xml",
        "donor-activity.iati.xml",
    )
