"""The statements of a donor's report (reporting/donor.py), each built once per process.

Their shape is the same for every donor, who is a bind parameter: building the
summary's fifteen-part union took more CPU than running it.
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from sqlalchemy import func, select

from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Application,
    Award,
    AwardStatus,
    Contribution,
    Delegate,
    Meeting,
    MeetingSession,
    State,
    Theme,
    application_sessions,
)
from sponsorship.models.reports import DelegateReport, delegate_report_sessions

HELD = (AllocationStatus.COMMITTED, AllocationStatus.SPENT)
#: The key of the theme row for delegates whose application names no session.
NO_THEME = "none"
#: Pseudo-dimensions of the summary's statement, beside the breakdowns' dimensions.
OUTCOMES, COUNTS, MOVES, CODES, LATEST = "outcomes", "counts", "moves", "codes", "latest"
QUOTED = "quoted"


def allocations_of(donor_id, chosen=None):
    """The donor's allocation rows of every status (award, status, amount); only on
    the awards whose ids are `chosen`, if given. `donor_id` and `chosen` are values,
    or bind parameters for a statement built once and run for every donor."""
    stmt = (
        select(Allocation.award_id, Allocation.status, Allocation.amount)
        .join(Contribution, Contribution.id == Allocation.contribution_id)
        .where(Contribution.donor_id == donor_id)
    )
    return stmt if chosen is None else stmt.where(Allocation.award_id.in_(chosen))


def held_of(moves):
    """Per award of `moves` (rows as `allocations_of` gives them): the money they hold."""
    return (
        select(moves.c.award_id.label("award_id"), func.sum(moves.c.amount).label("amount"))
        .where(moves.c.status.in_(HELD))
        .group_by(moves.c.award_id)
        .subquery()
    )


def held_awards(donor_id, chosen=None):
    """Per award: the donor's money held on it (one row per award), as `held_of`."""
    return held_of(allocations_of(donor_id, chosen).subquery())


def joined(held):
    return (
        select()
        .select_from(held)
        .join(Award, Award.id == held.c.award_id)
        .join(Delegate, Delegate.id == Award.delegate_id)
        .join(Application, Application.id == Delegate.application_id)
        .join(Meeting, Meeting.id == Application.meeting_id)
        .join(State, State.id == Application.state_id)
    )


@cache
def summary_statement(dims: tuple[str, ...]):
    """`summary`'s statement for the breakdowns `dims`, built once per process and
    set of dimensions: its shape is the same for every donor (the donor is a bind
    parameter), and building its fifteen parts took more CPU than running it. A page
    asks only for the dimensions it draws: each is one more pass over the donor's
    awards, and "theme" reads the sessions of every funded application (a fifth of
    the statement's time)."""
    # The allocations are read once, for the money held and the money moved.
    moves = allocations_of(sa.bindparam("donor_id", type_=sa.Integer)).cte("moves")
    funded = _funded(held_of(moves))
    return sa.union_all(
        *_breakdown_parts(funded, dims),
        *_count_parts(funded),
        _moves_part(moves, funded),
        _latest_part(funded),
        _quoted_part(funded),
    )


def _funded(held):
    """The donor's funded awards (a CTE) from `held` (as `held_awards`): the money
    held on each, every value `summary` groups them by, as text, and what the State's
    report on it says."""
    year = sa.cast(sa.cast(func.extract("year", Meeting.starts_on), sa.Integer), sa.String)
    return (
        joined(held)
        .outerjoin(DelegateReport, DelegateReport.award_id == Award.id)
        .add_columns(
            held.c.award_id.label("award_id"),
            Award.reference.label("reference"),
            held.c.amount.label("amount"),
            Application.id.label("application_id"),
            sa.cast(Meeting.id, sa.String).label("meeting_id"),
            Meeting.title.label("meeting"),
            sa.cast(Meeting.starts_on, sa.String).label("starts_on"),
            year.label("year"),
            State.iso3.label("iso3"),
            State.iso2.label("iso2"),
            State.name.label("state"),
            sa.type_coerce(State.regional_group, sa.String).label("region"),
            sa.type_coerce(Delegate.gender, sa.String).label("gender"),
            sa.case((Delegate.first_time.is_(True), "True"), else_="False").label("first_time"),
            sa.type_coerce(Award.status, sa.String).label("status"),
            # A person sponsored at three meetings is one person (sponsorship/people);
            # a delegate not yet linked to a person counts as one.
            func.coalesce(Delegate.person_id, -Delegate.id).label("person"),
            DelegateReport.id.label("report_id"),
            DelegateReport.statement_delivered.label("delivered"),
            # May the report's comments be quoted to donors (the State agreed)?
            (DelegateReport.quote_consent.is_(True) & DelegateReport.comments.is_not(None)).label(
                "quotable"
            ),
            DelegateReport.submitted_at.label("submitted_at"),
        )
        .cte("funded")
    )


def _group(funded, dim: str, key, label, order, total, *group_by):
    """One dimension's rows of `summary`: (dim, k, l, o, n, a), where `o` sorts them
    and `a` sums `total` over each group's awards."""
    return (
        select(
            sa.literal(dim).label("dim"),
            key.label("k"),
            label.label("l"),
            order.label("o"),
            func.count().label("n"),
            func.sum(total).label("a"),
        )
        .select_from(funded)
        .group_by(*group_by)
    )


def _breakdown_parts(funded, dims: tuple[str, ...]) -> list:
    """The group over `funded` of each dimension of `dims`, the outcomes and the codes."""
    f = funded.c
    # (dimension, key, label, sort key): the sort key orders meetings by date.
    groups = {
        "meeting": (f.meeting_id, f.meeting, f.starts_on),
        "year": (f.year, f.year, f.year),
        "state": (f.iso3, f.state, f.iso3),
        "region": (f.region, f.region, f.region),
        "gender": (f.gender, f.gender, f.gender),
        "first_time": (f.first_time, f.first_time, f.first_time),
        # The outcomes: delegates per award status.
        OUTCOMES: (f.status, f.status, f.status),
    }
    parts = [
        _group(funded, dim, key, label, func.min(order), f.amount, key, label)
        for dim, (key, label, order) in groups.items()
        if dim in dims or dim == OUTCOMES
    ]
    # The States' alpha-2 codes, in one row (one label) rather than one row per State.
    codes = func.aggregate_strings(f.iso2, ",")
    parts.append(select(sa.literal(CODES), None, codes, None, 0, None).select_from(funded))
    if "theme" in dims:
        parts.append(_theme_part(funded))
    return parts


def _theme_part(funded):
    """The "theme" rows: each delegate under every theme of the sessions its
    application names, or under NO_THEME when it names none."""
    f = funded.c
    themes = (
        select(
            application_sessions.c.application_id.label("application_id"),
            sa.type_coerce(MeetingSession.theme, sa.String).label("theme"),
        )
        .join(MeetingSession, MeetingSession.id == application_sessions.c.session_id)
        .where(application_sessions.c.application_id.in_(select(f.application_id)))
        .distinct()
        .cte("themes")
    )
    theme = func.coalesce(themes.c.theme, NO_THEME)
    return _group(funded, "theme", theme, theme, theme, f.amount, theme).outerjoin(
        themes, themes.c.application_id == f.application_id
    )


def _count_parts(funded) -> list:
    """ReportCounts' figures as rows (COUNTS, name, name, name, count, None): distinct
    people, reports received, statements delivered, and Article 5 and Article 4
    presentations (a statement by a delegate who attended a mine-clearance, or a
    stockpile-destruction, session). Counts go in the "n" column: the "a" column is
    money (a scaled integer), which would read a count of 2 as 0.0002."""
    f = funded.c
    delivered = f.delivered.is_(True)
    parts = [
        select(sa.literal(COUNTS), sa.literal(key), None, None, figure, None).select_from(funded)
        for key, figure in {
            "people": func.count(sa.distinct(f.person)),
            "reports": func.count(f.report_id),
            "statements": func.count(sa.case((delivered, 1))),
        }.items()
    ]
    # Both articles in one pass over the delivered statements' sessions.
    sessions = delegate_report_sessions.c
    article = sa.case((MeetingSession.theme == Theme.MINE_CLEARANCE, "article5"), else_="article4")
    parts.append(
        select(
            sa.literal(COUNTS), article, None, None, func.count(sa.distinct(f.report_id)), None
        )
        .select_from(funded)
        .join(delegate_report_sessions, sessions.report_id == f.report_id)
        .join(MeetingSession, MeetingSession.id == sessions.session_id)
        .where(
            delivered,
            MeetingSession.theme.in_((Theme.MINE_CLEARANCE, Theme.STOCKPILE_DESTRUCTION)),
        )
        .group_by(article)
    )
    return parts


def _moves_part(moves, funded):
    """The donor's allocation rows of every status (`moves`), summed as MOVES rows:
    "returned" (released by declines and reconciliation), "attended" (spent on
    delegates who attended) and "held" (the rest). Money spent is held, so an award
    it was spent on is among the `funded`, with its status."""
    m, f = moves.c, funded.c
    key = sa.case(
        (m.status == AllocationStatus.RELEASED, "returned"),
        (
            (m.status == AllocationStatus.SPENT) & (f.status == AwardStatus.ATTENDED.value),
            "attended",
        ),
        else_="held",
    )
    return (
        select(sa.literal(MOVES), key, key, key, func.count(), func.sum(m.amount))
        .select_from(moves)
        .outerjoin(funded, f.award_id == m.award_id)
        .group_by(key)
    )


def _latest_part(funded):
    """The ids of the donor's latest awards (the latest meeting first), at most the
    bind parameter `latest` of them, as LATEST rows: the awards a page lists are then
    read by id (`awards_statement(chosen=True)`), not by joining all the donor's
    awards a second time."""
    f = funded.c
    latest = (
        select(f.award_id)
        .order_by(f.starts_on.desc(), f.reference)
        .limit(sa.bindparam("latest", type_=sa.Integer))
        .subquery()
    )
    award_id = sa.cast(latest.c.award_id, sa.String)
    return select(sa.literal(LATEST), award_id, None, None, None, None).select_from(latest)


def _quoted_part(funded):
    """The ids of the latest reports on the donor's awards whose comments may be
    quoted, at most the bind parameter `quotes` of them, as QUOTED rows ranked in "n"
    (the latest report first): their text is then read by id, and only when there is
    one, rather than by joining the donor's awards a second time."""
    f = funded.c
    latest = (
        select(
            f.report_id,
            func.row_number().over(order_by=(f.submitted_at.desc(), f.report_id.desc())).label("n"),
        )
        .where(f.quotable.is_(True))
        .order_by(f.submitted_at.desc(), f.report_id.desc())
        .limit(sa.bindparam("quotes", type_=sa.Integer))
        .subquery()
    )
    report_id = sa.cast(latest.c.report_id, sa.String)
    return select(sa.literal(QUOTED), report_id, None, None, latest.c.n, None).select_from(latest)


@cache
def awards_statement(chosen: bool):
    """`funded_awards`' statement, built once per process: every award the donor's
    money holds, or only those whose ids are the bind parameter `chosen`."""
    donor_id = sa.bindparam("donor_id", type_=sa.Integer)
    held = held_awards(donor_id, sa.bindparam("chosen", expanding=True) if chosen else None)
    return _awards_of(held)


@cache
def awards_page_statement():
    """One page of the donor's funded awards (`awards_statement`'s columns, the latest
    meeting first), bind parameters `limit` and `offset`, and how many there are in
    all in a last column, counted before the page is cut."""
    held = held_awards(sa.bindparam("donor_id", type_=sa.Integer))
    return (
        _awards_of(held)
        .add_columns(func.count().over().label("total"))
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .offset(sa.bindparam("offset", type_=sa.Integer))
    )


def _awards_of(held):
    """The awards of `held` (as `held_awards`) with what a donor may see of each."""
    return (
        joined(held)
        .add_columns(
            Award.reference,
            State.name,
            Delegate.function,
            Delegate.gender,
            Meeting.title,
            Meeting.starts_on,
            Award.status,
            held.c.amount,
            State.iso3,
            State.regional_group,
            Delegate.first_time,
            DelegateReport.id,
            DelegateReport.statement_delivered,
        )
        .outerjoin(DelegateReport, DelegateReport.award_id == Award.id)
        .order_by(Meeting.starts_on.desc(), Award.reference)
    )
