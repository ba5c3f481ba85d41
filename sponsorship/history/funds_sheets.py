"""The meetings, donors and contributions sheets, written through the programme's and
the funds' own services (their checks and audit events), with their real dates."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from sponsorship.core import money
from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from sponsorship.funding import contributions
from sponsorship.history.context import Context
from sponsorship.history.reader import Row
from sponsorship.models import Contribution, Donor, Meeting, MeetingKind, RegionalGroup, Theme
from sponsorship.programme import meetings

#: A past meeting's application window, for the record only: it was never open here.
WINDOW_OPENS, WINDOW_CLOSES = timedelta(days=120), timedelta(days=30)


def _themes(row: Row, ctx: Context) -> list[Theme] | None:
    names = [t.strip().lower() for t in (row["themes"] or "general").split(",") if t.strip()]
    values = {t.value for t in Theme}
    wrong = [n for n in names if n not in values]
    if wrong:
        ctx.error(row, "themes", _l("Not one of: %(values)s.", values=", ".join(sorted(values))))
        return None
    return [Theme(n) for n in dict.fromkeys(names)] or [Theme.GENERAL]


def _meeting_details(row: Row) -> meetings.MeetingDetails:
    starts = row["starts_on"]
    return meetings.MeetingDetails(
        kind=MeetingKind(row["kind"]),
        number=row["number"],
        title=row["title"],
        venue=row["venue"],
        city=row["city"],
        starts_on=starts,
        ends_on=row["ends_on"],
        applications_open_on=starts - WINDOW_OPENS,
        applications_close_on=min(starts - WINDOW_CLOSES, row["ends_on"]),
        offer_response_days=14,
        dsa_rate=row["dsa_rate"],
        dsa_currency=(row["dsa_currency"] or money.base_currency()).upper(),
        terminal_expenses=row["terminal_expenses"] or Decimal(0),
        delegate_cap=9,
    )


def meeting_row(ctx: Context, row: Row) -> None:
    code = row["code"].lower()
    if code in ctx.meetings:
        ctx.error(row, "code", _l("Another row of this sheet has this code."))
        return
    found = db.session.scalar(
        select(Meeting).where(
            Meeting.kind == MeetingKind(row["kind"]), Meeting.starts_on == row["starts_on"]
        )
    )
    if found is not None:
        ctx.meetings[code] = found
        ctx.present["meetings"] += 1
        return
    themes = _themes(row, ctx)
    if themes is None:
        return
    if row["ends_on"] < row["starts_on"]:
        ctx.error(row, "ends_on", _l("The meeting cannot end before it starts."))
        return
    sessions = [
        meetings.SessionDetails(
            str(theme.value).replace("_", " ").capitalize(), theme, row["starts_on"]
        )
        for theme in themes
    ]
    ctx.meetings[code] = meetings.create_meeting(ctx.actor, _meeting_details(row), sessions)
    ctx.created.add(ctx.meetings[code].id)
    ctx.added["meetings"] += 1


def donor_row(ctx: Context, row: Row) -> None:
    key = row["name"].lower()
    if key in ctx.donors:
        ctx.error(row, "name", _l("Another row of this sheet has this name."))
        return
    found = db.session.scalar(select(Donor).where(func.lower(Donor.name) == key))
    if found is not None:
        ctx.donors[key] = found
        ctx.present["donors"] += 1
        return
    details = contributions.DonorDetails(
        name=row["name"],
        short_name=row["short_name"],
        country_iso3=row["country_iso3"],
        org_identifier=row["org_identifier"],
    )
    ctx.donors[key] = contributions.create_donor(ctx.actor, details)
    ctx.added["donors"] += 1


def _donor(ctx: Context, row: Row) -> Donor | None:
    key = row["donor"].lower()
    found = ctx.donors.get(key) or db.session.scalar(
        select(Donor).where(func.lower(Donor.name) == key)
    )
    if found is None:
        ctx.error(row, "donor", _l("No donor has this name."))
    return found


def _earmarks(ctx: Context, row: Row) -> contributions.Earmarks | None:
    meeting_id = None
    if row["earmark_meeting"]:
        meeting = ctx.meeting(row, "earmark_meeting")
        if meeting is None:
            return None
        meeting_id = meeting.id
    return contributions.Earmarks(
        meeting_id=meeting_id,
        meeting_kind=MeetingKind(row["earmark_kind"]) if row["earmark_kind"] else None,
        year=row["earmark_year"],
        region=RegionalGroup(row["earmark_region"]) if row["earmark_region"] else None,
        theme=Theme(row["earmark_theme"]) if row["earmark_theme"] else None,
    )


def _receipt(ctx: Context, row: Row) -> contributions.Receipt | None | bool:
    """The receipt, None for a pledge, False when the row cannot say its rate."""
    if row["received_on"] is None:
        return None
    rate = row["exchange_rate"]
    if rate is None:
        if row["currency"].upper() != money.base_currency():
            ctx.error(row, "exchange_rate", _l("Give the rate the money was received at."))
            return False
        rate = Decimal(1)
    if row["received_on"] < row["pledged_on"]:
        ctx.error(row, "received_on", _l("The money cannot be received before the pledge."))
        return False
    return contributions.Receipt(row["received_on"], rate, row["received_on"])


def contribution_row(ctx: Context, row: Row) -> None:
    reference = row["reference"]
    if db.session.scalar(select(Contribution.id).where(Contribution.reference == reference)):
        ctx.present["contributions"] += 1
        return
    donor, earmarks, receipt = _donor(ctx, row), _earmarks(ctx, row), _receipt(ctx, row)
    if donor is None or earmarks is None or receipt is False:
        return
    try:
        made = contributions.record_contribution(
            ctx.actor,
            donor_id=donor.id,
            reference=reference,
            currency=row["currency"],
            amount=row["amount"],
            pledged_on=row["pledged_on"],
            earmarks=earmarks,
            spend_by=row["spend_by"],
            notes=row["notes"],
            receipt=receipt,
        )
    except DomainError as error:
        ctx.error(row, "amount", str(error))
        return
    if ctx.plan is not None:
        ctx.plan.add(made)
    ctx.added["contributions"] += 1
