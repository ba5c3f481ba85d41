"""Reading the audit trail: filters, one page of events, and each event's sentence.

Filters narrow by person (a delegate: the events on the delegate, its application,
award, allocations, cost lines and documents), award (the same, from its
reference), contribution (the contribution and its allocations), administrator (who
acted), dates, and money only. A page costs a fixed number of queries: the events,
then one query per kind of object on the page to name them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from sponsorship.audit_viewer import sentences
from sponsorship.core.paging import page_window
from sponsorship.extensions import db
from sponsorship.models import (
    Airfare,
    Allocation,
    Application,
    ApprovalRequest,
    AuditEvent,
    Award,
    AwardCostLine,
    Claim,
    Contribution,
    Delegate,
    Donor,
    HistoryImport,
    Letter,
    Meeting,
    Payment,
    ScoringWeight,
    Slate,
    State,
    User,
)

PER_PAGE = 50
#: A CSV export holds at most this many events (a narrower filter gets the rest).
EXPORT_LIMIT = 50_000
#: Events written to the CSV at a time (their objects' labels are read per chunk).
EXPORT_CHUNK = 1_000
#: A name matching more delegates than this is asked to be narrowed.
MAX_PEOPLE = 500


@dataclass(frozen=True)
class TrailFilter:
    delegate_id: int | None = None
    #: Part of a delegate's name.
    person: str = ""
    award: str = ""
    contribution: str = ""
    actor_id: int | None = None
    since: date | None = None
    until: date | None = None
    money_only: bool = False


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str
    sentence: str
    details: str
    action: str
    object_type: str
    object_id: int | None


@dataclass(frozen=True)
class TrailPage:
    entries: list[Entry]
    page: int
    pages: int
    total: int


def _objects_of_delegates(delegate_ids: sa.Select) -> sa.ColumnElement[bool]:
    """Events about these delegates and everything that is theirs."""
    awards = sa.select(Award.id).where(Award.delegate_id.in_(delegate_ids))
    pairs = {
        "Delegate": delegate_ids,
        "Application": sa.select(Delegate.application_id).where(Delegate.id.in_(delegate_ids)),
        "Award": awards,
        "Allocation": sa.select(Allocation.id).where(Allocation.award_id.in_(awards)),
        "AwardCostLine": sa.select(AwardCostLine.id).where(AwardCostLine.award_id.in_(awards)),
        "Letter": sa.select(Letter.id).where(Letter.award_id.in_(awards)),
        "Payment": sa.select(Payment.id).where(Payment.award_id.in_(awards)),
        "Claim": sa.select(Claim.id).where(Claim.award_id.in_(awards)),
        "ApprovalRequest": sa.select(ApprovalRequest.id).where(
            ApprovalRequest.award_id.in_(awards)
        ),
    }
    return sa.or_(
        *(
            sa.and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_(ids))
            for kind, ids in pairs.items()
        )
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def conditions(f: TrailFilter) -> list[sa.ColumnElement[bool]]:
    found: list[sa.ColumnElement[bool]] = []
    if f.delegate_id is not None:
        found.append(
            _objects_of_delegates(sa.select(Delegate.id).where(Delegate.id == f.delegate_id))
        )
    if f.person:
        pattern = "%" + f.person.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        people = sa.select(Delegate.id).where(Delegate.name.ilike(pattern, escape="\\"))
        found.append(_objects_of_delegates(people.limit(MAX_PEOPLE)))
    if f.award:
        found.append(
            _objects_of_delegates(sa.select(Award.delegate_id).where(Award.reference == f.award))
        )
    if f.contribution:
        contribution = sa.select(Contribution.id).where(Contribution.reference == f.contribution)
        found.append(
            sa.or_(
                sa.and_(
                    AuditEvent.object_type == "Contribution",
                    AuditEvent.object_id.in_(contribution),
                ),
                sa.and_(
                    AuditEvent.object_type == "Allocation",
                    AuditEvent.object_id.in_(
                        sa.select(Allocation.id).where(Allocation.contribution_id.in_(contribution))
                    ),
                ),
            )
        )
    if f.actor_id is not None:
        found.append(AuditEvent.actor_id == f.actor_id)
    if f.since is not None:
        found.append(AuditEvent.at >= _day_start(f.since))
    if f.until is not None:
        found.append(AuditEvent.at < _day_start(f.until + timedelta(days=1)))
    if f.money_only:
        found.append(AuditEvent.action.in_(sentences.MONEY_ACTIONS))
    return found


def _labels(events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    """How a reader knows each object on the page: one query per kind of object."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for e in events:
        if e.object_id is not None:
            wanted[e.object_type].add(e.object_id)
    labels: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        namer = NAMERS.get(kind)
        if namer is None:
            continue
        for object_id, label in namer(ids):
            labels[(kind, object_id)] = label
    return labels


def _rows(query: sa.Select, ids: set[int]):
    return db.session.execute(query.where(query.selected_columns[0].in_(ids))).all()


def _name_awards(ids):
    return [(i, r) for i, r in _rows(sa.select(Award.id, Award.reference), ids)]


def _name_delegates(ids):
    return [(i, n) for i, n in _rows(sa.select(Delegate.id, Delegate.name), ids)]


def _name_applications(ids):
    from sponsorship.web.filters import current_locale

    rows = _rows(
        sa.select(Application.id, State, Meeting)
        .join(State, State.id == Application.state_id)
        .join(Meeting, Meeting.id == Application.meeting_id),
        ids,
    )
    locale = current_locale()
    return [(i, f"{state.localized_name(locale)}, {m.local_title}") for i, state, m in rows]


def _name_allocations(ids):
    rows = _rows(
        sa.select(Allocation.id, Allocation.amount, Award.reference, Contribution.reference)
        .join(Award, Award.id == Allocation.award_id)
        .join(Contribution, Contribution.id == Allocation.contribution_id),
        ids,
    )
    return [
        (
            i,
            _(
                "%(amount)s from %(contribution)s to %(award)s",
                amount=f"{amount:,.2f}",
                contribution=contribution,
                award=award,
            ),
        )
        for i, amount, award, contribution in rows
    ]


def _name_letters(ids):
    rows = _rows(
        sa.select(Letter.id, Letter.kind, Letter.version, Award.reference).join(
            Award, Award.id == Letter.award_id
        ),
        ids,
    )
    kinds = sentences.DOCUMENT_KINDS
    return [
        (
            i,
            _(
                "%(kind)s v%(version)s of %(award)s",
                kind=str(kinds.get(kind, kind)),
                version=version,
                award=reference,
            ),
        )
        for i, kind, version, reference in rows
    ]


def _name_cost_lines(ids):
    rows = _rows(
        sa.select(AwardCostLine.id, Award.reference).join(
            Award, Award.id == AwardCostLine.award_id
        ),
        ids,
    )
    return [(i, _("a cost line of %(award)s", award=reference)) for i, reference in rows]


def _name_award_amounts(model, message):
    """Payments and claims read alike: an amount in its currency for an award."""

    def name(ids):
        rows = _rows(
            sa.select(model.id, model.amount, model.currency, Award.reference).join(
                Award, Award.id == model.award_id
            ),
            ids,
        )
        return [
            (i, str(message) % {"amount": f"{a:,.2f}", "currency": c, "award": r})
            for i, a, c, r in rows
        ]

    return name


_name_payments = _name_award_amounts(
    Payment, _l("the payment of %(amount)s %(currency)s for %(award)s")
)
_name_claims = _name_award_amounts(Claim, _l("the claim of %(amount)s %(currency)s for %(award)s"))


def _name_approval_requests(ids):
    rows = _rows(
        sa.select(
            ApprovalRequest.id,
            ApprovalRequest.amount,
            ApprovalRequest.currency,
            sa.func.coalesce(Award.reference, Contribution.reference),
        )
        .outerjoin(Award, Award.id == ApprovalRequest.award_id)
        .outerjoin(Contribution, Contribution.id == ApprovalRequest.contribution_id),
        ids,
    )
    return [
        (i, _("%(amount)s %(currency)s on %(object)s", amount=f"{a:,.2f}", currency=c,
              object=r or "—"))
        for i, a, c, r in rows
    ]  # fmt: skip


def _name_users(ids):
    return [(i, f"{n} ({e})") for i, n, e in _rows(sa.select(User.id, User.name, User.email), ids)]


def _name_slates(ids):
    rows = _rows(
        sa.select(Slate.id, Meeting.title).join(Meeting, Meeting.id == Slate.meeting_id), ids
    )
    return [(i, _("the slate for %(meeting)s", meeting=title)) for i, title in rows]


def _simple(model, column):
    return lambda ids: [tuple(r) for r in _rows(sa.select(model.id, column), ids)]


def _name_airfares(ids):
    from sponsorship.web.labels import REGION_LABELS

    rows = _rows(sa.select(Airfare.id, Airfare.region), ids)
    return [(i, str(REGION_LABELS.get(r.value, r.value))) for i, r in rows]


def _name_weights(ids):
    return [
        (i, c.value.replace("_", " "))
        for i, c in _rows(sa.select(ScoringWeight.id, ScoringWeight.criterion), ids)
    ]


def _name_states(ids):
    from sponsorship.web.filters import current_locale

    locale = current_locale()
    return [(i, s.localized_name(locale)) for i, s in _rows(sa.select(State.id, State), ids)]


NAMERS = {
    "Award": _name_awards,
    "Delegate": _name_delegates,
    "Application": _name_applications,
    "Allocation": _name_allocations,
    "Letter": _name_letters,
    "AwardCostLine": _name_cost_lines,
    "User": _name_users,
    "Payment": _name_payments,
    "Claim": _name_claims,
    "ApprovalRequest": _name_approval_requests,
    "Slate": _name_slates,
    "Contribution": _simple(Contribution, Contribution.reference),
    "Donor": _simple(Donor, Donor.name),
    "Meeting": lambda ids: [
        (i, m.local_title) for i, m in _rows(sa.select(Meeting.id, Meeting), ids)
    ],
    "State": _name_states,
    "HistoryImport": _simple(HistoryImport, HistoryImport.filename),
    "Airfare": _name_airfares,
    "ScoringWeight": _name_weights,
}


def entries(events: list[AuditEvent]) -> list[Entry]:
    labels = _labels(events)
    actors = {
        i: n
        for i, n in _rows(sa.select(User.id, User.name), {e.actor_id for e in events if e.actor_id})
    } if events else {}  # fmt: skip
    found = []
    for e in events:
        who = actors.get(e.actor_id, "") if e.actor_id else _("The system")
        obj = labels.get((e.object_type, e.object_id)) or (
            _("#%(id)s (removed)", id=e.object_id) if e.object_id is not None else ""
        )
        found.append(
            Entry(
                at=e.at,
                who=who or _("a removed account"),
                sentence=sentences.sentence(
                    e.action, who or _("a removed account"), obj, e.before, e.after
                ),
                details=sentences.details(e.action, e.before, e.after),
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
            )
        )
    return found


def page_of(f: TrailFilter, page: int = 1, per_page: int = PER_PAGE) -> TrailPage:
    where = conditions(f)
    total = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(*where)) or 0
    page, pages = page_window(total, per_page, page)
    events = list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(*where)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return TrailPage(entries(events), page, pages, total)


def export_rows(f: TrailFilter, progress: Callable[[int], None] | None = None) -> list[list]:
    """The filtered trail as CSV rows, newest first, at most EXPORT_LIMIT events;
    `progress(percent)` is told as they are written."""
    events = list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(*conditions(f))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(EXPORT_LIMIT)
        )
    )
    rows: list[list] = [[_("When (UTC)"), _("Who"), _("What"), _("Details")]]
    for start in range(0, len(events), EXPORT_CHUNK):
        for e in entries(events[start : start + EXPORT_CHUNK]):
            rows.append(
                [e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), e.who, e.sentence, e.details]
            )
        if progress is not None:
            progress(20 + 70 * (start + EXPORT_CHUNK) // max(len(events), EXPORT_CHUNK))
    return rows


def administrators() -> list[tuple[int, str]]:
    from sponsorship.models import Role

    return [
        tuple(r)
        for r in db.session.execute(
            sa.select(User.id, User.name).where(User.role == Role.ADMINISTRATOR).order_by(User.name)
        )
    ]
