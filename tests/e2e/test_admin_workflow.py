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
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from sponsorship.devdata.demo import DEMO_PASSWORD
from sponsorship.extensions import db
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
from tests.e2e.conftest import demo_app, serving


@pytest.fixture(scope="module")
def admin_app(tmp_path_factory: pytest.TempPathFactory):
    return demo_app(tmp_path_factory, "e2e-admin")


@pytest.fixture(scope="module")
def admin_server(admin_app) -> Iterator[str]:
    with serving(admin_app, "e2e-admin") as url:
        yield url


def _money(text: str) -> Decimal:
    return Decimal(re.sub(r"[^0-9.]", "", text))


def _delegate(admin_app, iso3: str) -> tuple[int, int, str]:
    """(delegate id, application id, name) of the State's first intersessional delegate."""
    with admin_app.app_context():
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
    page.goto(f"{base}/admin/review/applications/{application_id}")
    card = page.locator(f"#d{delegate_id}")
    card.locator("summary", has_text="Price").click()
    card.locator(f"[name=d{delegate_id}-airfare]").fill(airfare)
    card.get_by_role("button", name=re.compile("^Save the price")).click()
    expect(page.locator(".flash-success")).to_contain_text("priced at")


def _decide(page: Page, base: str, delegate_id: int, application_id: int, button: str):
    page.goto(f"{base}/admin/review/applications/{application_id}")
    page.locator(f"#d{delegate_id}").get_by_role(
        "button", name=re.compile(f"^{button}")
    ).first.click()


def test_admin_runs_intersessional_queue_to_expiry(page: Page, admin_app, admin_server):
    base = admin_server
    sign_in_at(page, base)

    # The queue of the intersessional meetings, ranked, every score with its reasons.
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
    committed_before = _money(page.locator("#budget-committed").inner_text())

    # Price and offer two delegates, waitlist a third: all African States serving the
    # same sessions, so they draw on the same money.
    first = _delegate(admin_app, "SOM")
    second = _delegate(admin_app, "SEN")
    third = _delegate(admin_app, "ZWE")
    for delegate_id, application_id, _name in (first, second):
        _price(page, base, delegate_id, application_id)
        _decide(page, base, delegate_id, application_id, "Offer")
        expect(page.locator(".flash-success")).to_contain_text("offered")
    page.goto(f"{base}/admin/review/")
    committed_after = _money(page.locator("#budget-committed").inner_text())
    with admin_app.app_context():
        from sponsorship.funding import balances

        awards = {
            d: db.session.scalar(select(Award).where(Award.delegate_id == d))
            for d in (first[0], second[0])
        }
        offered_total = sum(a.total(CostStage.ESTIMATE) for a in awards.values())
        first_total = awards[first[0]].total(CostStage.ESTIMATE)
        db.session.remove()
    assert committed_after - committed_before == offered_total

    # The third costs one franc more than the money left for it: it waits.
    _price(page, base, third[0], third[1])
    with admin_app.app_context():
        award3 = db.session.scalar(select(Award).where(Award.delegate_id == third[0]))
        left = balances.available(award=award3)
        others = award3.total(CostStage.ESTIMATE) - sum(
            line.amount for line in award3.cost_lines if line.kind.value == "airfare"
        )
        db.session.remove()
    _price(page, base, third[0], third[1], airfare=str(left + 1 - others))
    _decide(page, base, third[0], third[1], "Waiting list")
    expect(page.locator(".flash-success")).to_contain_text("waiting list")
    page.goto(f"{base}/admin/review/")
    expect(page.locator(f"#wait-{third[0]}")).to_contain_text("does not fit yet")

    # The second delegate's State accepts; the first never answers; time passes.
    with admin_app.app_context():
        from sponsorship.accounts import services as accounts
        from sponsorship.applications import offers
        from sponsorship.review import decisions

        second_award = db.session.scalar(select(Award).where(Award.delegate_id == second[0]))
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
        assert [p.award_id for p in result.proposals] == [award3.id]
        assert len(result.expired) == 1 and first[2] in result.expired[0]
        status = db.session.scalar(select(Award.status).where(Award.delegate_id == first[0]))
        assert status == AwardStatus.EXPIRED
        db.session.remove()

    # The money is back and the waitlisted delegate is proposed.
    page.goto(f"{base}/admin/review/")
    expect(page.locator(f"#wait-{third[0]}")).to_contain_text("fits now")
    released = _money(page.locator("#budget-committed").inner_text())
    assert released == committed_after - first_total


def sign_in_at(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    form = page.locator("main form")
    form.locator("[name=email]").fill("admin@demo.test")
    form.locator("[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
