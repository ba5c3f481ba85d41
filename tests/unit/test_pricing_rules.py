"""Rules of pricing that a mutation run found unguarded (tests/mutation): the award
reference, small and zero amounts, the terminal-expenses boundary and the fares' audit.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from sponsorship.core.errors import DomainError
from sponsorship.core.workflow import transition
from sponsorship.models import (
    Airfare,
    AuditEvent,
    AwardStatus,
    CostKind,
    CostStage,
    MeetingKind,
    MeetingSession,
    RegionalGroup,
    Theme,
)
from sponsorship.review.pricing import (
    Line,
    estimate,
    fare_table,
    nights_for,
    price,
    quote,
    reference_for,
    update_fares,
)
from tests.factories import (
    ApplicationFactory,
    DelegateFactory,
    MeetingFactory,
    StateFactory,
    UserFactory,
)

D = Decimal
STARTS = date(2026, 6, 15)


def _delegate(meeting=None):
    meeting = meeting or MeetingFactory()
    application = ApplicationFactory(
        meeting=meeting, state=StateFactory(regional_group=RegionalGroup.AFRICAN)
    )
    return DelegateFactory(application=application)


def _amounts(q) -> dict:
    return {line.kind: line.amount for line in q.lines}


def test_reference_carries_the_meetings_number(db):
    """Rule: an award's reference names the meeting by kind and number (MSP22), so
    references of two meetings in one year never collide."""
    meeting = MeetingFactory(
        kind=MeetingKind.MSP, number=22, starts_on=STARTS, ends_on=STARTS + timedelta(days=4)
    )
    delegate = _delegate(meeting)
    db.session.flush()
    assert reference_for(delegate) == f"SP-{meeting.year}-MSP22-{delegate.id:05d}"


@pytest.mark.parametrize("airfare", ["0", "0.50", "1"])
def test_quote_accepts_a_zero_or_small_airfare(db, airfare):
    """Rule: only negative amounts are refused: a free or cheap ticket is priced as is."""
    q = quote(_delegate(), airfare=D(airfare))
    assert _amounts(q)[CostKind.AIRFARE] == D(airfare)
    assert not q.airfare_from_table


@pytest.mark.parametrize(("visa", "line"), [("0.50", True), ("1", True), ("0", False)])
def test_quote_visa_fee_of_any_positive_amount_is_a_line(db, visa, line):
    """Rule: a typed visa fee is priced, however small; no fee (or zero) is no line."""
    q = quote(_delegate(), airfare=D(100), visa=D(visa))
    assert (CostKind.VISA in _amounts(q)) is line
    if line:
        assert _amounts(q)[CostKind.VISA] == D(visa)


def test_quote_negative_visa_fee_is_refused_by_name(db):
    """Rule: a negative fee is refused, saying which amount is wrong."""
    with pytest.raises(DomainError, match="visa fee cannot be negative"):
        quote(_delegate(), airfare=D(100), visa=D("-0.01"))


@pytest.mark.parametrize(("terminal", "line"), [("0.01", True), ("0", False)])
def test_estimate_terminal_expenses_boundary(app, terminal, line):
    """Rule: terminal expenses are a line whenever the meeting pays any."""
    with app.test_request_context():
        q = estimate(
            starts_on=STARTS,
            ends_on=STARTS,
            dsa_rate=D(1),
            terminal_expenses=D(terminal),
            airfare=D(1),
        )
    assert (CostKind.TERMINAL in _amounts(q)) is line
    assert q.total == D(2) + (D(terminal) if line else 0)


def test_line_description_is_cut_to_what_the_column_holds():
    """Rule: a cost line's description fits its column (200 characters)."""
    columns = Line(CostKind.VISA, "x" * 250, D(2), D("1.25")).columns()
    assert columns["description"] == "x" * 200
    assert (columns["quantity"], columns["unit_amount"], columns["amount"]) == (
        D(2),
        D("1.25"),
        D("2.50"),
    )


def test_price_audit_records_nights_and_where_the_airfare_came_from(db):
    """Rule: the price's audit says how it was reached, not only the total."""
    delegate = _delegate()
    award = price(UserFactory(), delegate, airfare=D(700))
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "award.price", AuditEvent.object_id == award.id
        )
    )
    assert event.after["airfare_from_table"] is False
    assert event.after["nights"] == 1  # the factory meeting's one session
    assert event.before == {"total": "0", "lines": []}


def test_update_fares_counts_and_audits_only_changes(db):
    """Rule: setting a fare to what it is changes nothing; each change is audited with
    the fare before and after; a negative fare is refused and nothing is set."""
    admin = UserFactory()
    assert update_fares(admin, {RegionalGroup.AFRICAN: D(900)}) == 1
    assert update_fares(admin, {RegionalGroup.AFRICAN: D(900)}) == 0
    assert (
        update_fares(
            admin, {RegionalGroup.AFRICAN: D(950), RegionalGroup.LATIN_AMERICAN_CARIBBEAN: None}
        )
        == 1
    )
    with pytest.raises(DomainError, match="fare cannot be negative"):
        update_fares(
            admin, {RegionalGroup.WESTERN_EUROPEAN_OTHERS: D(5), RegionalGroup.AFRICAN: D(-1)}
        )
    assert fare_table() == {RegionalGroup.AFRICAN: D(950)}
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "airfare.update").order_by(AuditEvent.id)
    ).all()
    amounts = [(e.before["amount"], e.after["amount"]) for e in events]
    assert [tuple(a and D(a) for a in pair) for pair in amounts] == [
        (None, D(900)),
        (D(900), D(950)),
    ]
    assert update_fares(admin, {RegionalGroup.AFRICAN: None}) == 1
    assert fare_table() == {}


# --- What the administrator and the letter read (second mutation run) ---------------


def test_quote_lines_say_what_each_amount_pays_for(db):
    """Rule: each cost line is described for the letter: the ticket says whether its
    amount came from the fare table, the DSA line how many nights it pays."""
    meeting = MeetingFactory(starts_on=STARTS, ends_on=STARTS + timedelta(days=2), sessions=[])
    delegate = _delegate(meeting)
    from_table = quote(delegate, fares={RegionalGroup.AFRICAN: D(800)}, visa=D(60))
    typed = quote(delegate, airfare=D(700))
    assert [line.description for line in from_table.lines] == [
        "Economy return ticket (fare table)",
        "DSA, 3 night(s) at the meeting's rate",
        "Terminal expenses",
        "Visa fee",
    ]
    assert typed.lines[0].description == "Economy return ticket"


def test_quote_meeting_without_sessions_pays_every_night_of_it(db):
    """Rule: with no sessions to go by, the DSA pays the whole meeting, first to last day."""
    meeting = MeetingFactory(starts_on=STARTS, ends_on=STARTS + timedelta(days=4), sessions=[])
    q = quote(_delegate(meeting), airfare=D(1))
    assert (q.nights, q.first_day, q.last_day) == (5, STARTS, STARTS + timedelta(days=4))


def test_nights_for_counts_the_sessions_attended_or_else_the_meeting(db):
    """Rule: the nights of the sessions attended, first to last; none: the whole meeting."""
    meeting = MeetingFactory(starts_on=STARTS, ends_on=STARTS + timedelta(days=4), sessions=[])
    meeting.sessions = [
        MeetingSession(title=f"S{n}", theme=Theme.GENERAL, held_on=STARTS + timedelta(days=n))
        for n in (3, 1)
    ]
    db.session.flush()
    assert nights_for(meeting, meeting.sessions) == (
        3,
        STARTS + timedelta(days=1),
        STARTS + timedelta(days=3),
    )
    assert nights_for(meeting, []) == (5, STARTS, STARTS + timedelta(days=4))


def test_quote_uses_the_fare_table_it_is_given(db):
    """Rule: a caller pricing many delegates reads the fare table once and passes it:
    those fares price the ticket, not a fresh read of the table."""
    update_fares(UserFactory(), {RegionalGroup.AFRICAN: D(900)})
    q = quote(_delegate(), fares={RegionalGroup.AFRICAN: D(650)})
    assert _amounts(q)[CostKind.AIRFARE] == D(650)
    assert q.airfare_from_table


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"airfare": D(-1)}, "The airfare cannot be negative."),
        ({"airfare": D(1), "visa": D(-1)}, "The visa fee cannot be negative."),
        ({}, "Type the airfare: the fare table has no fare for this region yet."),
    ],
)
def test_quote_refusal_says_which_amount_is_wrong(db, kwargs, message):
    """Rule: a refused quote tells the administrator what to correct, in words."""
    with pytest.raises(DomainError) as refused:
        quote(_delegate(), **kwargs)
    assert str(refused.value) == message


def test_quote_refuses_sessions_of_another_meeting_in_words(db):
    """Rule: a session of another meeting is refused, saying so."""
    other = MeetingFactory()
    db.session.flush()
    with pytest.raises(DomainError) as refused:
        quote(_delegate(), session_ids=[other.sessions[0].id], airfare=D(1))
    assert str(refused.value) == "Choose sessions of this meeting."


def test_quote_in_another_currency_names_both_currencies(db, app):
    """Rule: a DSA in another currency is refused, naming it and the base currency."""
    meeting = MeetingFactory(dsa_currency="USD")
    base = app.config["BASE_CURRENCY"]
    with pytest.raises(DomainError) as refused:
        quote(_delegate(meeting), airfare=D(1))
    assert str(refused.value) == (
        f"The DSA of this meeting is in USD: set it in {base} before pricing."
    )


def test_price_with_a_visa_fee_commits_its_line(db):
    """Rule: the visa fee typed when pricing is part of the award's estimate."""
    award = price(UserFactory(), _delegate(), airfare=D(700), visa=D(80))
    visa = [line for line in award.cost_lines if line.kind == CostKind.VISA]
    assert [(line.stage, line.amount) for line in visa] == [(CostStage.ESTIMATE, D(80))]


def test_price_again_audits_the_lines_before_and_after(db):
    """Rule: repricing is audited with the estimate's lines before and after, by kind."""
    admin = UserFactory()
    delegate = _delegate()
    price(admin, delegate, airfare=D(700))
    award = price(admin, delegate, airfare=D(500))
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "award.price", AuditEvent.object_id == award.id)
        .order_by(AuditEvent.id.desc())
    ).first()
    before = {line["kind"]: D(line["amount"]) for line in event.before["lines"]}
    after = {line["kind"]: D(line["amount"]) for line in event.after["lines"]}
    assert before[CostKind.AIRFARE.value] == D(700)
    assert after[CostKind.AIRFARE.value] == D(500)
    assert set(after) == {CostKind.AIRFARE.value, CostKind.DSA.value, CostKind.TERMINAL.value}


def test_price_offered_award_is_refused_saying_its_status(db):
    """Rule: an offered award keeps its price; the refusal says where it stands."""
    admin = UserFactory()
    delegate = _delegate()
    award = price(admin, delegate, airfare=D(700))
    transition(award, AwardStatus.OFFERED, admin)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        price(admin, delegate, airfare=D(10))
    assert str(refused.value) == (
        "An award can be priced only before it is offered (now: offered)."
    )


def test_update_fares_changes_every_region_after_an_unchanged_one(db):
    """Rule: each changed fare is saved and counted, whatever comes before it; each
    change is audited by the administrator on the fare's row, naming the region."""
    admin = UserFactory()
    update_fares(admin, {RegionalGroup.AFRICAN: D(900)})
    changed = update_fares(
        admin,
        {
            RegionalGroup.AFRICAN: D(900),
            RegionalGroup.ASIA_PACIFIC: D(700),
            RegionalGroup.LATIN_AMERICAN_CARIBBEAN: D(600),
        },
    )
    assert changed == 2
    assert fare_table() == {
        RegionalGroup.AFRICAN: D(900),
        RegionalGroup.ASIA_PACIFIC: D(700),
        RegionalGroup.LATIN_AMERICAN_CARIBBEAN: D(600),
    }
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "airfare.update").order_by(AuditEvent.id)
    ).all()[-1]
    row = db.session.scalar(
        select(Airfare).where(Airfare.region == RegionalGroup.LATIN_AMERICAN_CARIBBEAN)
    )
    assert (event.actor_id, event.object_type, event.object_id) == (admin.id, "Airfare", row.id)
    assert event.before["region"] == event.after["region"] == "latin_american_caribbean"


def test_update_fares_negative_fare_is_refused_in_words(db):
    """Rule: a negative fare is refused, saying which amount is wrong."""
    with pytest.raises(DomainError) as refused:
        update_fares(UserFactory(), {RegionalGroup.AFRICAN: D(-1)})
    assert str(refused.value) == "A fare cannot be negative."


# --- Covered kinds and the co-funded share ----------------------------------------------


def test_price_covers_only_the_kinds_of_cost_chosen(db):
    """Rule: an award priced for the ticket only has the ticket line, nothing else."""
    award = price(UserFactory(), _delegate(), airfare=D(700), kinds=frozenset({CostKind.AIRFARE}))
    estimate_lines = [line for line in award.cost_lines if line.stage == CostStage.ESTIMATE]
    assert [(line.kind, line.amount) for line in estimate_lines] == [(CostKind.AIRFARE, D(700))]


def test_estimate_without_any_kind_says_to_choose_one(app):
    """Rule: pricing nothing is refused, saying what to do."""
    meeting = dict(starts_on=STARTS, ends_on=STARTS + timedelta(days=2), dsa_rate=D(400))
    with app.test_request_context(), pytest.raises(DomainError) as refused:
        estimate(**meeting, terminal_expenses=D(100), airfare=D(900), kinds=frozenset())
    assert str(refused.value) == "Choose at least one kind of cost the sponsorship covers."


def test_repricing_a_cofunded_award_must_exceed_the_share_others_pay(db, app):
    """Rule: a co-funded award may be priced again above the share paid by the State or
    another body, not at or below it; the refusal names the price and who pays."""
    from sponsorship.core import money
    from sponsorship.review import cofunding
    from sponsorship.review.pricing import apply_quote

    admin = UserFactory()
    award = price(admin, _delegate(), airfare=D(700))
    cofunding.declare(admin, award, "Government of Testland", D("600.00"))
    meeting = dict(starts_on=STARTS, ends_on=STARTS + timedelta(days=2), dsa_rate=D(400))
    ticket = frozenset({CostKind.AIRFARE})
    above = estimate(**meeting, terminal_expenses=D(0), airfare=D("600.01"), kinds=ticket)
    apply_quote(award, above, admin)
    assert award.total(CostStage.ESTIMATE) == D("600.01")
    at = estimate(**meeting, terminal_expenses=D(0), airfare=D("600.00"), kinds=ticket)
    with app.test_request_context():
        shown = money.display(D("600.00"))
        with pytest.raises(DomainError) as refused:
            apply_quote(award, at, admin)
    assert str(refused.value) == (
        f"The new price ({shown}) would not exceed the share paid by Government of Testland:"
        " change the co-funding first."
    )
