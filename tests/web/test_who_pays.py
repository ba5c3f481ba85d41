"""Who pays, through the review page: a ticket-only price, a share the State pays, a
contribution chosen, then the offer commits only the fund's share from it."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from sponsorship.models import Allocation, AwardStatus, CostKind
from tests.conftest import post_form
from tests.factories import ContributionFactory
from tests.web.test_admin_review import admin, meeting, submitted  # noqa: F401

D = Decimal


def test_ticket_only_cofunded_pinned_offer_commits_the_funds_share(
    client,
    db,
    admin,  # noqa: F811
    meeting,  # noqa: F811
):
    ContributionFactory(amount=D("10000"), reference="FIRST-BY-RULE", earmark_meeting=meeting)
    chosen = ContributionFactory(amount=D("10000"), reference="CHOSEN")
    application = submitted(meeting)
    delegate = application.delegates[0]
    db.session.commit()
    path = f"/admin/review/applications/{application.id}"
    p = f"d{delegate.id}-"
    response = post_form(
        client,
        f"/admin/review/delegates/{delegate.id}/price",
        {p + "airfare": "1200.00", p + "covers": ["airfare"], p + "covers_shown": "1"},
        page=path,
    )
    assert response.status_code == 302
    db.session.expire_all()
    award = delegate.award
    assert [line.kind for line in award.cost_lines] == [CostKind.AIRFARE]
    html = client.get(path).get_data(as_text=True)
    assert "Who pays" in html and "CHOSEN" in html
    c = f"c{award.id}-"
    post_form(
        client,
        f"/admin/review/awards/{award.id}/cofunding",
        {c + "by": "Ministry of Defence", c + "amount": "200.00"},
        page=path,
    )
    post_form(
        client,
        f"/admin/review/awards/{award.id}/pin",
        {f"p{award.id}-contribution": str(chosen.id)},
        page=path,
    )
    response = post_form(client, f"/admin/review/delegates/{delegate.id}/offer", {}, page=path)
    assert response.status_code == 302
    db.session.expire_all()
    assert award.status == AwardStatus.OFFERED
    rows = db.session.execute(select(Allocation.contribution_id, Allocation.amount)).all()
    assert rows == [(chosen.id, D("1000.00"))]


def test_price_with_no_kind_ticked_is_refused_on_the_form(
    client,
    db,
    admin,  # noqa: F811
    meeting,  # noqa: F811
):
    application = submitted(meeting)
    delegate = application.delegates[0]
    db.session.commit()
    path = f"/admin/review/applications/{application.id}"
    response = post_form(
        client,
        f"/admin/review/delegates/{delegate.id}/price",
        {f"d{delegate.id}-covers_shown": "1"},
        page=path,
    )
    # Back to the application's page, the refusal at the form (web/forms.py's pattern).
    assert response.status_code == 302 and response.location.endswith(f"{path}#d{delegate.id}")
    assert "Choose at least one kind of cost" in client.get(path).get_data(as_text=True)


def test_pin_to_an_unknown_contribution_is_refused_with_a_message(
    client,
    db,
    admin,  # noqa: F811
    meeting,  # noqa: F811
):
    application = submitted(meeting)
    delegate = application.delegates[0]
    db.session.commit()
    path = f"/admin/review/applications/{application.id}"
    prefix = f"d{delegate.id}"
    post_form(
        client,
        f"/admin/review/delegates/{delegate.id}/price",
        {f"{prefix}-airfare": "900"},
        page=path,
    )
    db.session.expire_all()
    award = delegate.award
    response = post_form(
        client,
        f"/admin/review/awards/{award.id}/pin",
        {f"p{award.id}-contribution": "99999999999999"},
        page=path,
        follow_redirects=True,
    )
    assert "do not allow this delegate" in response.get_data(as_text=True)
    db.session.expire_all()
    assert award.pinned_contribution_id is None
