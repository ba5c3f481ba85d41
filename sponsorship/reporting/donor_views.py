"""The donor's pages: its own contributions in detail, the programme in aggregate."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from sponsorship.funding.overview import donor_contributions
from sponsorship.models import Role
from sponsorship.reporting import charts as reports_charts
from sponsorship.reporting import donor as reports_donor
from sponsorship.reporting import donor_contribution, donor_highlights, worldmap
from sponsorship.reporting import pdf as reports_pdf
from sponsorship.reporting import programme as reports_programme
from sponsorship.reporting.export_views import file_of, serve_or_prepare, status_page
from sponsorship.web.bounds import parse_int
from sponsorship.web.filters import breakdown_label, fnumber
from sponsorship.web.page_cache import cached_page
from sponsorship.web.security import role_required

bp = Blueprint("donor", __name__, url_prefix="/donor")

#: Awards listed on the dashboard, the latest first; their own page lists them all.
AWARDS_SHOWN = 10
#: Awards per page of that page.
AWARDS_PER_PAGE = 50
#: States listed beside the map, the most money first; their own page lists them all.
STATES_SHOWN = reports_charts.MAX_BARS

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


#: The breakdowns drawn as bar charts; the year is the trend, the States the map.
CHARTED = ("meeting", "region", "gender", "theme")


def summarised(breakdowns: dict[str, list[reports_donor.Row]]) -> dict[str, list[tuple]]:
    """Per charted dimension, the `(label, delegates, amount)` rows a chart draws:
    every row, or the largest and the rest as one when there are more than a chart
    can show. (The year is drawn as the trend, and the States on the map.)"""
    result = {}
    for dim in CHARTED:
        rows = breakdowns[dim]
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
            shown=[fnumber(delegates) for _label, delegates, _amount in rows],
        )
        for dim, rows in tables.items()
    }


def overview(report: reports_donor.DonorReport) -> dict:
    """What the dashboard and the PDF lead with: the headline figures, the trend
    across years and the map of the States reached."""
    found = donor_highlights.highlights(report)
    return {
        "highlights": found,
        "trend": reports_charts.column_chart(
            _("Participations funded per year"),
            [(year, n) for year, n, _amount in found.trend],
            shown=[fnumber(n) for _year, n, _amount in found.trend],
        ),
        "world": worldmap.world_map(
            report.codes,
            _("Map of the States your money reached"),
        ),
    }


def breakdown_visuals(breakdowns: dict[str, list[reports_donor.Row]]) -> dict:
    """The breakdowns' charts and tables (the breakdowns page and the PDF)."""
    tables = summarised(breakdowns)
    return {
        "tables": tables,
        "charts": breakdown_charts(tables),
        "charted": CHARTED,
        "titles": DIMENSION_TITLES,
    }


def visuals(report: reports_donor.DonorReport) -> dict:
    """Everything the PDF draws: the overview and the breakdowns."""
    return {**overview(report), **breakdown_visuals(report.breakdowns)}


@bp.get("/")
@role_required(Role.DONOR)
@cached_page
def dashboard():
    """The donor's overview: headline figures, trend, map, outcomes, its money and
    contributions, the latest awards; the rest has a page of its own (`donor_nav`)."""
    donor = current_user.donor
    # Only the breakdowns its highlights read: the breakdowns page draws the others.
    report = reports_donor.donor_report(
        donor, award_limit=AWARDS_SHOWN, dims=donor_highlights.HIGHLIGHTED
    )
    return render_template(
        "reporting/donor/dashboard.html",
        donor=donor,
        contributions=donor_contributions(donor),
        report=report,
        states_shown=STATES_SHOWN,
        **overview(report),
    )


@bp.get("/breakdowns")
@role_required(Role.DONOR)
@cached_page
def breakdowns():
    """Who the donor's money sponsored, by meeting, region, gender and theme, and the
    programme in aggregate."""
    found = reports_donor.summary(current_user.donor_id)
    return render_template(
        "reporting/donor/breakdowns.html",
        programme=reports_programme.cached_lines("year"),
        **breakdown_visuals(found.breakdowns),
    )


@bp.get("/awards")
@role_required(Role.DONOR)
@cached_page
def awards():
    """Every award the donor's money funds, the latest meeting first, a page at a time."""
    page = parse_int(request.args.get("page"), minimum=1, maximum=1_000_000) or 1
    return render_template(
        "reporting/donor/awards.html",
        found=reports_donor.funded_awards_page(current_user.donor_id, page, AWARDS_PER_PAGE),
    )


@bp.get("/states")
@role_required(Role.DONOR)
def states():
    """Every State the donor's money reached, with its participations and money: the
    dashboard lists the first STATES_SHOWN beside the map and links here."""
    found = reports_donor.summary(current_user.donor_id, dims=("state",))
    return render_template(
        "reporting/donor/states.html",
        reached=donor_highlights.reached(found.breakdowns["state"]),
    )


@bp.get("/contributions/<int:contribution_id>")
@role_required(Role.DONOR)
def contribution(contribution_id: int):
    """One of the donor's own contributions and where its money went; another
    donor's is a 404, the same answer as one that does not exist."""
    found = donor_contribution.own_contribution(current_user.donor_id, contribution_id)
    if found is None:
        abort(404)
    return render_template(
        "reporting/donor/contribution.html",
        contribution=found,
        lines=donor_contribution.allocation_lines(found.id),
        allocation_labels={
            "committed": _("Committed"),
            "spent": _("Spent"),
            "released": _("Returned"),
        },
    )


def donor_pdf(donor, report: reports_donor.DonorReport) -> bytes:
    """The donor's report as a PDF in the current language (built by a job)."""
    return reports_pdf.report_pdf(
        "reporting/pdf_donor.html",
        donor=donor,
        report=report,
        contributions=donor_contributions(donor),
        programme=reports_programme.cached_lines("year"),
        **visuals(report),
    )


# Each report is prepared by a job and served from storage (reporting/prepared.py).


def _report(kind: str):
    return serve_or_prepare(kind, current_user.donor_id, "donor.export_status")


@bp.get("/report.csv")
@role_required(Role.DONOR)
def report_csv():
    return _report("donor.csv")


@bp.get("/report.xlsx")
@role_required(Role.DONOR)
def report_xlsx():
    return _report("donor.xlsx")


@bp.get("/report.pdf")
@role_required(Role.DONOR)
def report_pdf():
    return _report("donor.pdf")


@bp.get("/report.360giving.json")
@role_required(Role.DONOR)
def report_360giving():
    return _report("donor.360giving.json")


@bp.get("/report.iati.xml")
@role_required(Role.DONOR)
def report_iati():
    return _report("donor.iati.xml")


@bp.get("/exports/<int:export_id>")
@role_required(Role.DONOR)
def export_status(export_id: int):
    """A report being prepared: its progress, and the last ready copy with its date."""
    return status_page(
        export_id, current_user.donor_id, "donor.export_file", url_for("donor.dashboard")
    )


@bp.get("/exports/<int:export_id>/file")
@role_required(Role.DONOR)
def export_file(export_id: int):
    return file_of(export_id, current_user.donor_id)
