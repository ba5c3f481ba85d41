"""Issue 5, done when: an administrator runs the intersessional queue in a real browser.

Open the queue, see the ranking with its reasons, price and offer two delegates and
waitlist a third while the budget panel changes; then time moves past the first
offer's deadline (the second was accepted), the expiry job releases the first offer's
money, and the waitlisted delegate is proposed.

The server has its own demo database (this test changes it); the test arranges what a
browser cannot (an applicant's acceptance, the passing of time) through the services,
on the same database.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from sponsorship.accounts import services as accounts
from sponsorship.applications import offers
from sponsorship.extensions import db
from sponsorship.funding import balances
from sponsorship.models import (
    Application,
    Award,
    AwardStatus,
    CostStage,
    Delegate,
    Meeting,
    MeetingKind,
    Role,
    State,
)
from sponsorship.review import decisions
from tests.e2e.conftest import sign_in

#: (delegate id, application id, name) of a State's first intersessional delegate.
Row = tuple[int, int, str]


def _money(text: str) -> Decimal:
    return Decimal(re.sub(r"[^0-9.]", "", text))


def _delegate(app: Flask, iso3: str) -> Row:
    """(delegate id, application id, name) of the State's first intersessional delegate."""
    with app.app_context():
        row = db.session.execute(
            select(Delegate.id, Application.id, Delegate.name)
            .join(Application, Delegate.application_id == Application.id)
            .join(Meeting, Application.meeting_id == Meeting.id)
            .join(State, Application.state_id == State.id)
            .where(State.iso3 == iso3, Meeting.kind == MeetingKind.INTERSESSIONAL)
            .order_by(Delegate.position)
        ).first()
        db.session.remove()
    return row


def _price(page: Page, base: str, delegate_id: int, application_id: int, airfare: str = ""):
    """Price the delegate; with no airfare given, the one the form shows (the fare
    table's: an emptied field is an error, not a silent default)."""
    page.goto(f"{base}/admin/review/applications/{application_id}")
    card = page.locator(f"#d{delegate_id}")
    card.locator("summary", has_text="Price").click()
    field = card.locator(f"[name=d{delegate_id}-airfare]")
    assert field.input_value(), "the airfare comes filled from the fare table"
    if airfare:
        field.fill(airfare)
    card.get_by_role("button", name=re.compile("^Save the price")).click()
    expect(page.locator(".flash-success")).to_contain_text("priced at")


def _decide(page: Page, base: str, delegate_id: int, application_id: int, button: str):
    """Click the decision; an offer (money committed) is then confirmed on its own page."""
    page.goto(f"{base}/admin/review/applications/{application_id}")
    card = page.locator(f"#d{delegate_id}")
    link = card.get_by_role("link", name=re.compile(f"^{button}"))
    if link.count():
        link.first.click()
        page.locator(".confirm button[type=submit]").click()
    else:
        card.get_by_role("button", name=re.compile(f"^{button}")).first.click()


def _award(delegate_id: int) -> Award:
    return db.session.scalar(select(Award).where(Award.delegate_id == delegate_id))


def _committed(page: Page) -> Decimal:
    return _money(page.locator("#budget-committed").inner_text())


def _queue_is_ranked_with_reasons(page: Page, base: str) -> None:
    """The queue of the intersessional meetings, ranked, every score with its reasons."""
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="Review queue").first.click()
    expect(page.locator("h1")).to_contain_text("Intersessional Meetings")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() >= 6
    expect(rows.first.locator(".reasons")).to_contain_text(re.compile(r": \+\d+"))
    expect(page.locator("table.queue")).to_contain_text(
        re.compile(r"Article 5 deadline in \d{4}: \+30")
    )
    scores = [int(s) for s in page.locator(".score strong").all_inner_texts()]
    assert scores == sorted(scores, reverse=True)


def _waitlist_one_franc_short(page: Page, base: str, app: Flask, third: Row) -> int:
    """The third delegate costs one franc more than the money left for it: it waits.
    Returns its award's id."""
    _price(page, base, third[0], third[1])
    with app.app_context():
        award = _award(third[0])
        left = balances.available(award=award)
        others = award.total(CostStage.ESTIMATE) - sum(
            line.amount for line in award.cost_lines if line.kind.value == "airfare"
        )
        award_id = award.id
        db.session.remove()
    _price(page, base, third[0], third[1], airfare=str(left + 1 - others))
    _decide(page, base, third[0], third[1], "Waiting list")
    expect(page.locator(".flash-success")).to_contain_text("waiting list")
    page.goto(f"{base}/admin/review/")
    expect(page.locator(f"#wait-{third[0]}")).to_contain_text("does not fit yet")
    return award_id


def _second_accepts_first_expires(app: Flask, first: Row, second: Row, waiting: int) -> None:
    """The second delegate's State accepts; the first never answers; time passes: the
    expiry job proposes the waiting award."""
    with app.app_context():
        second_award = _award(second[0])
        meeting = second_award.delegate.application.meeting
        applicant = accounts.create_user(
            None,
            email="senegal@example.org",
            name="Mission du Sénégal",
            role=Role.APPLICANT,
            state=second_award.delegate.application.state,
        )
        db.session.commit()
        offers.accept(
            applicant,
            second_award,
            departure_city="Dakar",
            travel_out_on=meeting.starts_on - timedelta(days=1),
            travel_back_on=meeting.ends_on + timedelta(days=1),
            today=second_award.offer_deadline,
        )
        deadline = db.session.scalar(
            select(Award.offer_deadline).where(Award.delegate_id == first[0])
        )
        result = decisions.expire_offers(deadline + timedelta(days=1), auto_offer=False)
        assert [p.award_id for p in result.proposals] == [waiting]
        assert len(result.expired) == 1 and first[2] in result.expired[0]
        status = db.session.scalar(select(Award.status).where(Award.delegate_id == first[0]))
        assert status == AwardStatus.EXPIRED
        db.session.remove()


def test_admin_runs_intersessional_queue_to_expiry(page: Page, own_site):
    app, base = own_site
    sign_in(page, "admin@demo.test", base)
    _queue_is_ranked_with_reasons(page, base)
    committed_before = _committed(page)

    # Price and offer two delegates, waitlist a third: all African States serving the
    # same sessions, so they draw on the same money.
    first, second, third = (_delegate(app, iso3) for iso3 in ("SOM", "SEN", "ZWE"))
    for delegate_id, application_id, _name in (first, second):
        _price(page, base, delegate_id, application_id)
        _decide(page, base, delegate_id, application_id, "Offer")
        expect(page.locator(".flash-success")).to_contain_text("offered")
    page.goto(f"{base}/admin/review/")
    committed_after = _committed(page)
    with app.app_context():
        offered_total = sum(_award(d[0]).total(CostStage.ESTIMATE) for d in (first, second))
        first_total = _award(first[0]).total(CostStage.ESTIMATE)
        db.session.remove()
    assert committed_after - committed_before == offered_total

    waiting = _waitlist_one_franc_short(page, base, app, third)
    _second_accepts_first_expires(app, first, second, waiting)

    # The money is back and the waitlisted delegate is proposed.
    page.goto(f"{base}/admin/review/")
    expect(page.locator(f"#wait-{third[0]}")).to_contain_text("fits now")
    assert _committed(page) == committed_after - first_total
