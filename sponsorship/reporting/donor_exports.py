"""The donor's report as a reader opens it in a spreadsheet: one column per field,
headers in the reader's language, yes and no as words, amounts as numbers with their
currency in a column of its own.

The CSV is the awards the donor's money funded, one row each (what a donor filters
and sums). The workbook adds the summary of the money, the contributions and every
breakdown, a sheet each. Text a spreadsheet would read as a formula is neutralised
on the way out (reporting/exports.py), and each file is built by a job in the
reader's language (reporting/export_kinds.py).
"""

from __future__ import annotations

from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _

from sponsorship.core import money
from sponsorship.funding.overview import donor_contributions
from sponsorship.reporting import donor as reports_donor
from sponsorship.web.filters import breakdown_label, gender_label, state_name, status_label
from sponsorship.web.labels import REGION_LABELS


def amount(value: Decimal | None, currency: str | None = None) -> Decimal | None:
    """An amount to its currency's minor unit when that loses nothing (2798.60, not
    2798.6000), else exactly as stored: a number, never rounded."""
    return None if value is None else Decimal(money.plain(value, currency))


def yes_no(value: bool | None) -> str:
    """A yes/no field as a word in the reader's language; "" when it is not known."""
    if value is None:
        return ""
    return _("Yes") if value else _("No")


def award_rows(report: reports_donor.DonorReport) -> list[list]:
    """The funded awards, a header row and one row per award."""
    base = current_app.config["BASE_CURRENCY"]
    header = [
        _("Reference"),
        _("State"),
        _("ISO code"),
        _("Regional group"),
        _("Function"),
        _("Gender"),
        _("First participation"),
        _("Meeting"),
        _("Year"),
        _("Status"),
        _("Report received"),
        _("Statement delivered"),
        _("Amount"),
        _("Currency"),
    ]
    return [header] + [
        [
            a.reference,
            state_name(a.iso3 or a.state, a.state),
            a.iso3,
            str(REGION_LABELS.get(a.region, a.region)),
            a.function,
            gender_label(a.gender),
            yes_no(a.first_time),
            a.meeting,
            a.year,
            status_label(a.status),
            yes_no(a.reported),
            yes_no(a.statement),
            amount(a.amount),
            base,
        ]
        for a in report.awards
    ]


def summary_rows(report: reports_donor.DonorReport) -> list[list]:
    """The donor's money, one figure a row, named as the page names it."""
    base = current_app.config["BASE_CURRENCY"]
    t = report.totals
    figures: list[tuple[str, Decimal]] = [
        (_("Pledged"), t.pledged),
        (_("Received"), t.received),
        (_("Committed"), t.committed),
        (_("Spent"), t.spent),
        (_("Used for delegates"), t.committed + t.spent),
        (_("Available"), t.available),
        (_("Returned"), t.returned),
    ]
    return [[_("Figure"), _("Amount"), _("Currency")]] + [
        [name, amount(value), base] for name, value in figures
    ]


def breakdown_rows(report: reports_donor.DonorReport, titles: dict) -> list[list]:
    """Every row of every breakdown (the page's charts keep the largest only)."""
    base = current_app.config["BASE_CURRENCY"]
    rows: list[list] = [
        [_("Breakdown"), _("Value"), _("Participations"), _("Amount"), _("Currency")]
    ]
    for dim, lines in report.breakdowns.items():
        title = str(titles.get(dim, dim))
        rows += [
            [title, breakdown_label(r, dim), r.delegates, amount(r.amount), base] for r in lines
        ]
    return rows


def contribution_rows(donor) -> list[list]:
    """The donor's contributions: the amount in its own currency, then in the base one."""
    base = current_app.config["BASE_CURRENCY"]
    header = [
        _("Reference"),
        _("Status"),
        _("Amount"),
        _("Currency"),
        _("Amount in %(currency)s", currency=base),
        _("Committed"),
        _("Spent"),
        _("Available"),
        _("Currency"),
        _("Pledged on"),
        _("Received on"),
        _("Spend by"),
    ]
    return [header] + [
        [
            c.reference,
            status_label(c.status),
            amount(c.amount, c.currency),
            c.currency,
            amount(c.base_amount),
            amount(c.committed),
            amount(c.spent),
            amount(c.available),
            base,
            c.pledged_on,
            c.received_on,
            c.spend_by,
        ]
        for c in donor_contributions(donor)
    ]


def donor_workbook(donor, report: reports_donor.DonorReport, titles: dict) -> bytes:
    """The donor's report as an XLSX workbook, a sheet per table (built by a job)."""
    from sponsorship.reporting import exports as reports_export

    return reports_export.workbook(
        [
            (_("Awards"), award_rows(report)),
            (_("Summary"), summary_rows(report)),
            (_("Contributions"), contribution_rows(donor)),
            (_("Breakdowns"), breakdown_rows(report, titles)),
        ]
    )
