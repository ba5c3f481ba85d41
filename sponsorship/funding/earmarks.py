"""Which money may pay for what, and in which order: the earmark and priority rules of the
ledger (see `sponsorship.funding.ledger` for the whole rulebook).

`Purpose.allows`, `priority_key`, `usable`, `choose` and `plan` are plain functions over
anything shaped like a contribution, so the scale generator and the history import run
the very same rules over their in-memory rows; `Purpose.clauses` and `PRIORITY` say the
same in SQL, and the live ledger takes from the rows SQL found with `choose` too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import NamedTuple, TypeVar

import sqlalchemy as sa
from sqlalchemy import select

from sponsorship.extensions import db
from sponsorship.models import (
    Application,
    Award,
    Contribution,
    ContributionStatus,
    ConventionStatus,
    Delegate,
    Meeting,
    MeetingKind,
    MeetingSession,
    RegionalGroup,
    State,
    Theme,
    application_sessions,
)
from sponsorship.models.base import Money

ZERO = Decimal(0)
#: Anything shaped like a contribution (a row, or balances held in memory).
C = TypeVar("C")

_EARMARKS = (
    Contribution.earmark_meeting_id,
    Contribution.earmark_meeting_kind,
    Contribution.earmark_year,
    Contribution.earmark_region,
    Contribution.earmark_theme,
)
#: base_amount - committed - spent, typed so that it reads back as a Decimal.
AVAILABLE = sa.type_coerce(
    Contribution.base_amount - Contribution.committed - Contribution.spent, Money()
)


class Fund(NamedTuple):
    """A contribution as the rules below read it (`usable`, `Purpose.allows`,
    `earmark_key`), for a page deciding over hundreds: read as `RULE_COLUMNS`, several
    times cheaper than as objects, and held as a tuple, whose fields read ten times
    faster than a result row's. Where AVAILABLE > 0, as it must be for money to count,
    `available` is what the model says."""

    id: int
    status: ContributionStatus
    spend_by: date | None
    earmark_meeting_id: int | None
    earmark_meeting_kind: MeetingKind | None
    earmark_year: int | None
    earmark_region: RegionalGroup | None
    earmark_theme: Theme | None
    available: Decimal


#: `Fund`'s columns, in its order.
RULE_COLUMNS = tuple(
    AVAILABLE.label(name) if name == "available" else getattr(Contribution, name)
    for name in Fund._fields
)
#: The global order money is used in; rows are also locked in this order.
PRIORITY = (
    sum(sa.case((col.is_not(None), 1), else_=0) for col in _EARMARKS).desc(),
    sa.case((Contribution.spend_by.is_(None), 1), else_=0),
    Contribution.spend_by,
    Contribution.received_on,
    Contribution.id,
)


def priority_key(c: Contribution) -> tuple:
    """PRIORITY, in Python."""
    return (
        -c.restriction_count,
        c.spend_by is None,
        c.spend_by or date.max,
        c.received_on or date.max,
        c.id,
    )


def usable(c: Contribution, on: date) -> Decimal:
    """What `c` can still commit on `on`: nothing if not received or past its spend-by."""
    if c.status != ContributionStatus.RECEIVED or (c.spend_by is not None and c.spend_by < on):
        return ZERO
    return max(c.available, ZERO)


@dataclass(frozen=True)
class Purpose:
    """What money would pay for: an award, or (region and themes open) a meeting."""

    meeting_id: int
    kind: MeetingKind
    year: int
    #: None: any region (a meeting's budget, before a delegate is known).
    region: RegionalGroup | None = None
    #: None: any theme.
    themes: frozenset[Theme] | None = None

    def allows(self, c: Contribution, on: date) -> bool:
        return (
            c.status == ContributionStatus.RECEIVED
            and (c.spend_by is None or c.spend_by >= on)
            and c.earmark_meeting_id in (None, self.meeting_id)
            and c.earmark_meeting_kind in (None, self.kind)
            and c.earmark_year in (None, self.year)
            and (self.region is None or c.earmark_region in (None, self.region))
            and (self.themes is None or c.earmark_theme is None or c.earmark_theme in self.themes)
        )

    def clauses(self, on: date) -> list:
        """`allows`, in SQL."""
        clauses = _meeting_clauses(on, self.meeting_id, self.kind, self.year)
        if self.region is not None:
            clauses.append(
                sa.or_(
                    Contribution.earmark_region.is_(None),
                    Contribution.earmark_region == self.region,
                )
            )
        if self.themes is not None:
            theme_ok = [Contribution.earmark_theme.is_(None)]
            if self.themes:
                theme_ok.append(Contribution.earmark_theme.in_(sorted(self.themes)))
            clauses.append(sa.or_(*theme_ok))
        return clauses


def _meeting_clauses(on, meeting_id, kind, year) -> list:
    """The clauses of `Purpose.clauses` that every purpose has, over values or bind
    parameters."""
    return [
        Contribution.status == ContributionStatus.RECEIVED,
        sa.or_(Contribution.spend_by.is_(None), Contribution.spend_by >= on),
        sa.or_(
            Contribution.earmark_meeting_id.is_(None),
            Contribution.earmark_meeting_id == meeting_id,
        ),
        sa.or_(
            Contribution.earmark_meeting_kind.is_(None),
            Contribution.earmark_meeting_kind == kind,
        ),
        sa.or_(Contribution.earmark_year.is_(None), Contribution.earmark_year == year),
    ]


@cache
def meeting_purpose_clauses() -> tuple:
    """`meeting_purpose(meeting).clauses(on)` over the bind parameters that
    `meeting_parameters` fills, built once per process: a page that reads a meeting's
    money runs the same statements for every meeting and day, and building them again
    on each request cost more than running them. The themes of the meeting's sessions
    are read by the statement itself, not loaded to be passed in (a statement more)."""
    meeting_id = sa.bindparam("meeting_id", type_=sa.Integer)
    themes = select(MeetingSession.theme).where(MeetingSession.meeting_id == meeting_id)
    return (
        *_meeting_clauses(
            sa.bindparam("on", type_=sa.Date),
            meeting_id,
            sa.bindparam("kind", type_=Contribution.earmark_meeting_kind.type),
            sa.bindparam("year", type_=sa.Integer),
        ),
        sa.or_(
            Contribution.earmark_theme.is_(None),
            Contribution.earmark_theme.in_(themes),
            Contribution.earmark_theme == Theme.UNIVERSALIZATION,
        ),
    )


def meeting_parameters(meeting: Meeting, on: date) -> dict:
    """The values of `meeting_purpose_clauses`' parameters for `meeting` on `on`; its
    sessions are not loaded."""
    year = meeting.starts_on.year
    return {"on": on, "meeting_id": meeting.id, "kind": meeting.kind, "year": year}


def earmark_key(c: Contribution, on: date) -> tuple:
    """Everything `Purpose.allows` reads of `c` on `on`: contributions with the same key
    are allowed by the same purposes, so a page deciding for hundreds of awards asks
    once per key (a few dozen), not once per contribution."""
    return (
        c.status,
        c.spend_by is None or c.spend_by >= on,
        c.earmark_meeting_id,
        c.earmark_meeting_kind,
        c.earmark_year,
        c.earmark_region,
        c.earmark_theme,
    )


class AllowedFunds:
    """The ids of the contributions each purpose allows (`Purpose.allows`), asked once
    per earmark key and purpose: the contributions are grouped once for every call.

    Purposes that allow the same keys get the same frozenset, built once: a waiting
    list's awards have dozens of purposes (region and themes) but a handful of sets."""

    def __init__(self, contributions: Iterable[Contribution], on: date) -> None:
        self.on = on
        self.groups: dict[tuple, list[int]] = {}
        self.sample: dict[tuple, Contribution] = {}
        for c in contributions:
            key = earmark_key(c, on)
            self.groups.setdefault(key, []).append(c.id)
            self.sample.setdefault(key, c)
        self.seen: dict[Purpose, frozenset[int]] = {}
        self.of_keys: dict[tuple, frozenset[int]] = {}

    def __call__(self, purpose: Purpose) -> frozenset[int]:
        if purpose not in self.seen:
            keys = tuple(key for key in self.groups if purpose.allows(self.sample[key], self.on))
            if keys not in self.of_keys:
                self.of_keys[keys] = frozenset(cid for key in keys for cid in self.groups[key])
            self.seen[purpose] = self.of_keys[keys]
        return self.seen[purpose]


def meeting_purpose(meeting: Meeting) -> Purpose:
    """A meeting's budget: money any of its delegates could be paid with."""
    themes = {s.theme for s in meeting.sessions} | {Theme.UNIVERSALIZATION}
    return Purpose(meeting.id, meeting.kind, meeting.starts_on.year, None, frozenset(themes))


def purpose_for(
    meeting_id: int,
    kind: MeetingKind | str,
    starts_on: date,
    region: RegionalGroup | str,
    convention: ConventionStatus | str,
    themes: Iterable[Theme | str | None],
) -> Purpose:
    """An award's purpose from plain values: its meeting, its State's regional group
    and convention status, and the themes of the sessions its application serves, plus
    *universalization* when the State is not (or no longer) a State Party."""
    found = {Theme(t) for t in themes if t is not None}
    if convention != ConventionStatus.STATE_PARTY:
        found.add(Theme.UNIVERSALIZATION)
    return Purpose(
        meeting_id, MeetingKind(kind), starts_on.year, RegionalGroup(region), frozenset(found)
    )


def with_purposes(stmt: sa.Select) -> sa.Select:
    """`stmt`, over awards joined to their delegate and application and with the award's
    id first, with what each award's purpose is made of as its last columns: its
    meeting, its State, and a row per theme of the sessions its application serves
    (one row, theme NULL, for none). `purposes_of` reads them."""
    return (
        stmt.add_columns(
            Meeting.id,
            Meeting.kind,
            Meeting.starts_on,
            State.regional_group,
            State.convention_status,
            MeetingSession.theme,
        )
        .join(Meeting, Application.meeting_id == Meeting.id)
        .join(State, Application.state_id == State.id)
        .outerjoin(application_sessions, application_sessions.c.application_id == Application.id)
        .outerjoin(MeetingSession, MeetingSession.id == application_sessions.c.session_id)
    )


def purposes_of(rows: Iterable[sa.Row]) -> dict[int, Purpose]:
    """Each award's purpose from the rows of a `with_purposes` statement."""
    themes: dict[int, list] = {}
    award: dict[int, Sequence] = {}
    for row in rows:
        themes.setdefault(row[0], []).append(row[-1])
        award.setdefault(row[0], row[-6:-1])
    return {
        award_id: purpose_for(*meeting_and_state, themes[award_id])
        for award_id, meeting_and_state in award.items()
    }


def award_purposes(award_ids: Iterable[int]) -> dict[int, Purpose]:
    """Each award's purpose, in one query whatever the number of awards."""
    ids = list(award_ids)
    if not ids:
        return {}
    return purposes_of(
        db.session.execute(
            with_purposes(
                select(Award.id)
                .join(Delegate, Award.delegate_id == Delegate.id)
                .join(Application, Delegate.application_id == Application.id)
                .where(Award.id.in_(ids))
            )
        )
    )


def award_purpose(award_id: int) -> Purpose:
    return award_purposes([award_id])[award_id]


def choose(
    purpose: Purpose, amount: Decimal, on: date, ordered: Iterable[C]
) -> tuple[list[tuple[C, Decimal]], Decimal]:
    """Which money pays `amount` for `purpose` on `on`: from contributions given in
    PRIORITY order (`priority_key`), each one the purpose allows gives what it still can
    (`usable`) until the amount is covered. Returns the takes, in order, and what is
    still missing (zero when covered). The live ledger runs it over the rows it locked,
    the history import over the balances it holds in memory: one rule."""
    takes: list[tuple[C, Decimal]] = []
    remaining = amount
    for c in ordered:
        if remaining <= 0:
            break
        if not purpose.allows(c, on):
            continue
        take = min(usable(c, on), remaining)
        if take > 0:
            takes.append((c, take))
            remaining -= take
    return takes, remaining


def plan(cost: Decimal, balances: Iterable[tuple[int, Decimal]]) -> list[tuple[int, Decimal]]:
    """Take `cost` from (id, balance) pairs in the order given; [] if they fall short."""
    takes, remaining = [], cost
    for key, balance in balances:
        if remaining <= 0:
            break
        take = min(balance, remaining)
        if take > 0:
            takes.append((key, take))
            remaining -= take
    return takes if remaining <= 0 else []
