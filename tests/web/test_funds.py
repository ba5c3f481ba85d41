"""The administrators' fund pages: donors, contributions, the overview, a meeting's budget."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from sponsorship.funding import ledger
from sponsorship.models import (
    AwardStatus,
    Contribution,
    ContributionStatus,
    Donor,
    MeetingKind,
    Theme,
)
from tests.conftest import post_form
from tests.factories import (
    ApplicationFactory,
    AwardCostLineFactory,
    AwardFactory,
    ContributionFactory,
    DelegateFactory,
    DonorFactory,
    MeetingFactory,
    UserFactory,
)

D = Decimal


@pytest.fixture
def admin(db, auth):
    user = UserFactory(email="isu@example.org")
    db.session.commit()
    auth.login(user.email)
    return user


def priced_award(meeting, cost="1000.00", status=AwardStatus.PENDING):
    application = ApplicationFactory(meeting=meeting)
    award = AwardFactory(delegate=DelegateFactory(application=application), status=status)
    AwardCostLineFactory(award=award, unit_amount=D(cost))
    return award


def test_overview_shows_each_contribution_and_meeting_budget(db, client, admin):
    meeting = MeetingFactory(title="Intersessional <2026>")
    ContributionFactory(reference="FREE-1", amount=D("12345.60"))
    ContributionFactory(
        reference="MSP-ONLY", amount=D("5000.00"), earmark_meeting_kind=MeetingKind.MSP
    )
    award = priced_award(meeting, "1000.00")
    db.session.commit()
    ledger.allocate(award, admin)
    body = client.get("/admin/funds/").get_data(as_text=True)
    assert "FREE-1" in body and "MSP-ONLY" in body
    assert "Intersessional &lt;2026&gt;" in body
    assert "CHF17,345.60" in body  # received, both
    assert "CHF1,000.00" in body  # committed
    assert "CHF11,345.60" in body  # what the meeting may still use: not the MSP money
    assert "Meeting of the States Parties" in body  # the earmark, labelled


def test_overview_in_french_formats_money_the_french_way(db, client, admin):
    admin.locale = "fr"
    ContributionFactory(amount=D("12345.60"))
    db.session.commit()
    body = client.get("/admin/funds/").get_data(as_text=True)
    assert "12\u202f345,60\xa0CHF" in body


def test_overview_queries_do_not_grow_with_rows(db, client, admin):
    def count(path: str) -> int:
        statements = []

        def listener(*args):
            statements.append(args[2])

        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(path).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len([s for s in statements if "SAVEPOINT" not in s])

    meeting = MeetingFactory()
    ContributionFactory(earmark_meeting=meeting)
    priced_award(meeting, status=AwardStatus.WAITLISTED)
    first = priced_award(meeting)
    db.session.commit()
    ledger.allocate(first, admin)
    few = count("/admin/funds/"), count(f"/admin/funds/meetings/{meeting.id}")
    for _ in range(6):
        other = MeetingFactory()
        ContributionFactory(earmark_meeting=other, earmark_theme=Theme.MINE_CLEARANCE)
        ContributionFactory(earmark_meeting=meeting)
        priced_award(meeting, status=AwardStatus.WAITLISTED)
    funded = [priced_award(meeting) for _ in range(4)]
    db.session.commit()
    for award in funded:
        ledger.allocate(award, admin)
    many = count("/admin/funds/"), count(f"/admin/funds/meetings/{meeting.id}")
    assert many == few


def test_create_donor_then_edit(db, client, admin):
    response = post_form(
        client,
        "/admin/funds/donors",
        {"name": "Norway", "short_name": "NO", "country_iso3": "nor", "org_identifier": ""},
        page="/admin/funds/donors",
    )
    donor = db.session.scalar(select(Donor).where(Donor.name == "Norway"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/funds/donors/{donor.id}"
    assert donor.country_iso3 == "NOR"
    response = post_form(
        client,
        f"/admin/funds/donors/{donor.id}",
        {"name": "Kingdom of Norway", "short_name": "NO", "country_iso3": "NOR"},
        page=f"/admin/funds/donors/{donor.id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Donor, donor.id).name == "Kingdom of Norway"
    assert "Kingdom of Norway" in client.get("/admin/funds/donors").get_data(as_text=True)


def test_create_donor_with_a_taken_name_says_why(db, client, admin):
    DonorFactory(name="Germany")
    db.session.commit()
    response = post_form(
        client, "/admin/funds/donors", {"name": "Germany"}, page="/admin/funds/donors"
    )
    assert response.status_code == 422
    assert "A donor with this name already exists." in response.get_data(as_text=True)


def test_create_donor_without_a_name_keeps_the_form(db, client, admin):
    response = post_form(
        client,
        "/admin/funds/donors",
        {"name": "", "short_name": "XX"},
        page="/admin/funds/donors",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in body and 'value="XX"' in body


def _contribution_form(donor: Donor, **overrides) -> dict:
    return {
        "donor_id": str(donor.id),
        "reference": "NO-2026-01",
        "currency": "NOK",
        "amount": "500000.00",
        "pledged_on": "2026-01-10",
        "meeting_id": "0",
        "meeting_kind": "",
        "year": "",
        "region": "",
        "theme": "",
        "spend_by": "",
        "notes": "",
        **overrides,
    }


def test_record_pledge_then_receive_it(db, client, admin):
    donor = DonorFactory(name="Norway")
    db.session.commit()
    response = post_form(
        client,
        "/admin/funds/contributions/new",
        _contribution_form(donor, meeting_kind="msp", spend_by="2027-06-30"),
        page="/admin/funds/contributions/new",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    c = db.session.scalar(select(Contribution).where(Contribution.reference == "NO-2026-01"))
    assert (c.status, c.amount, c.earmark_meeting_kind) == (
        ContributionStatus.PLEDGED,
        D("500000.00"),
        MeetingKind.MSP,
    )
    page = f"/admin/funds/contributions/{c.id}"
    assert "Record the receipt" in client.get(page).get_data(as_text=True)
    response = post_form(
        client,
        f"{page}/receive",
        {
            "amount": "499850.00",
            "exchange_rate": "0.0792",
            "rate_date": "2026-02-13",
            "received_on": "2026-02-14",
        },
        page=page,
    )
    assert response.status_code == 302
    db.session.expire_all()
    c = db.session.get(Contribution, c.id)
    assert (c.status, c.base_amount) == (ContributionStatus.RECEIVED, D("39588.12"))
    body = client.get(page).get_data(as_text=True)
    assert "Record the receipt" not in body and "CHF39,588.12" in body


def test_record_contribution_received_at_once_in_french_numbers(db, client, admin):
    admin.locale = "fr"
    donor = DonorFactory()
    db.session.commit()
    response = post_form(
        client,
        "/admin/funds/contributions/new",
        _contribution_form(
            donor,
            currency="EUR",
            amount="40 000,50",
            received_on="2026-05-20",
            exchange_rate="0,9381",
        ),
        page="/admin/funds/contributions/new",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    c = db.session.scalar(select(Contribution).where(Contribution.reference == "NO-2026-01"))
    assert (c.amount, c.exchange_rate, c.rate_date) == (
        D("40000.50"),
        D("0.9381"),
        date(2026, 5, 20),
    )
    assert c.base_amount == D("37524.47")  # 37524.469050


def test_record_received_contribution_without_rate_is_refused(db, client, admin):
    donor = DonorFactory()
    db.session.commit()
    response = post_form(
        client,
        "/admin/funds/contributions/new",
        _contribution_form(donor, received_on="2026-05-20"),
        page="/admin/funds/contributions/new",
    )
    assert response.status_code == 422
    assert "Give the rate the money was converted at." in response.get_data(as_text=True)
    assert db.session.scalar(select(sa.func.count(Contribution.id))) == 0


@pytest.mark.parametrize(
    ("amount", "message"),
    [("1,5", "Enter a number"), ("lots", "Enter a number"), ("10.005", "at most 2 decimal")],
)
def test_record_contribution_with_a_bad_amount_says_why(db, client, admin, amount, message):
    donor = DonorFactory()
    db.session.commit()
    response = post_form(
        client,
        "/admin/funds/contributions/new",
        _contribution_form(donor, currency="CHF", amount=amount),
        page="/admin/funds/contributions/new",
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_edit_contribution_and_cancel_a_pledge(db, client, admin):
    c = ContributionFactory(
        reference="DE-1",
        # Below the four-eyes threshold: cancelled at once (above it, a second
        # administrator approves the write-off: tests/unit/test_payments.py).
        amount=Decimal("500.00"),
        status=ContributionStatus.PLEDGED,
        exchange_rate=None,
        rate_date=None,
        base_amount=None,
        received_on=None,
    )
    db.session.commit()
    page = f"/admin/funds/contributions/{c.id}"
    form = client.get(f"{page}/edit").get_data(as_text=True)
    assert 'value="DE-1"' in form
    response = post_form(
        client,
        f"{page}/edit",
        {
            "reference": "DE-2026-01",
            "meeting_id": "0",
            "meeting_kind": "",
            "year": "2026",
            "region": "",
            "theme": "victim_assistance",
            "spend_by": "",
            "notes": "For survivors",
        },
        page=f"{page}/edit",
    )
    assert response.status_code == 302
    db.session.expire_all()
    c = db.session.get(Contribution, c.id)
    assert (c.reference, c.earmark_year, c.earmark_theme) == (
        "DE-2026-01",
        2026,
        Theme.VICTIM_ASSISTANCE,
    )
    response = post_form(client, f"{page}/cancel", {"reason": "budget cut"}, page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Contribution, c.id).status == ContributionStatus.CANCELLED


def test_contribution_page_lists_what_the_money_pays_for(db, client, admin):
    meeting = MeetingFactory(title="MSP-23")
    c = ContributionFactory()
    award = priced_award(meeting, "1234.00")
    db.session.commit()
    ledger.allocate(award, admin)
    body = client.get(f"/admin/funds/contributions/{c.id}").get_data(as_text=True)
    assert award.reference in body and "MSP-23" in body and "CHF1,234.00" in body


def test_meeting_page_shows_which_waitlisted_awards_fit(db, client, admin):
    meeting = MeetingFactory()
    fits = priced_award(meeting, "800.00", status=AwardStatus.WAITLISTED)
    too_big = priced_award(meeting, "5000.00", status=AwardStatus.WAITLISTED)
    ContributionFactory(amount=D("1000.00"))
    db.session.commit()
    body = client.get(f"/admin/funds/meetings/{meeting.id}").get_data(as_text=True)
    rows = {
        ref: body.split(ref, 1)[1].split("</tr>", 1)[0]
        for ref in (fits.reference, too_big.reference)
    }
    assert "Yes" in rows[fits.reference] and "No" in rows[too_big.reference]


def test_nav_links_to_funds_for_administrators(db, client, admin):
    body = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/funds/"' in body


def test_overview_pages_contributions_money_in_play_first(db, client, admin, monkeypatch):
    """Twenty years hold a thousand contributions: the overview pages them, and the
    money still to use (pledged, or received with some left) comes before the spent."""
    from sponsorship.funding import overview as fund_overview

    monkeypatch.setattr(fund_overview, "PER_PAGE", 2)
    ContributionFactory(reference="SPENT-1", amount=D("100.00"), spent=D("100.00"))
    ContributionFactory(reference="EXPIRED-1", spend_by=date(2020, 1, 1))
    ContributionFactory(reference="LIVE-1")
    ContributionFactory(reference="PLEDGE-1", status=ContributionStatus.PLEDGED)
    db.session.commit()
    first = client.get("/admin/funds/").get_data(as_text=True)
    second = client.get("/admin/funds/?page=2").get_data(as_text=True)
    assert "LIVE-1" in first and "PLEDGE-1" in first
    assert "SPENT-1" not in first and "EXPIRED-1" not in first
    assert "SPENT-1" in second and "EXPIRED-1" in second and "LIVE-1" not in second
    assert "Page 1 of 2" in first
    assert client.get("/admin/funds/?page=99999999").status_code == 200


def test_overview_budgets_recent_and_coming_meetings_only(db, client, admin):
    old = MeetingFactory(title="Old meeting", starts_on=date(2010, 5, 1), ends_on=date(2010, 5, 3))
    MeetingFactory(title="Coming meeting")
    db.session.commit()
    body = client.get("/admin/funds/").get_data(as_text=True)
    assert "Coming meeting" in body and old.title not in body
    assert "1 meeting that ended more than a year ago is not listed" in body


def test_contribution_form_shows_every_error_at_once_with_the_dates_checked_across(
    db, client, admin
):
    """Issue 23: a receipt dated before its pledge is the receipt date's error, shown
    with every other error at once; obsolete currencies are not offered nor accepted."""
    donor = DonorFactory(name="Norway")
    db.session.commit()
    form = _contribution_form(
        donor, reference="", amount="abc", pledged_on="2027-01-10", received_on="2020-01-01"
    )
    response = post_form(client, "/admin/funds/contributions/new", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("reference", "amount", "received_on", "exchange_rate"):
        assert f'id="{field}-error"' in html and f'href="#{field}"' in html
    assert "cannot be received before it was pledged" in html
    assert 'value="abc"' in html
    page = client.get("/admin/funds/contributions/new").get_data(as_text=True)
    assert 'value="CHF"' in page and 'value="ADP"' not in page and 'value="AFA"' not in page
    response = post_form(
        client, "/admin/funds/contributions/new", _contribution_form(donor, currency="ADP")
    )
    assert response.status_code == 422
    assert 'id="currency-error"' in response.get_data(as_text=True)
