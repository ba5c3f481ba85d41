"""The slate's pages through the test client: propose, what-if, send, vote, offer."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sponsorship.models import (
    Allocation,
    AuditEvent,
    AwardStatus,
    OutboxMessage,
    Slate,
    SlateStatus,
)
from tests.conftest import post_form
from tests.factories import UserFactory
from tests.slate_data import slate_data


@pytest.fixture
def data(db):
    return slate_data(db)


@pytest.fixture
def admin(db, auth):
    user = UserFactory()
    db.session.commit()
    auth.login(user.email)
    return user


def page(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:600]
    return response.get_data(as_text=True)


def meeting_path(data, **args) -> str:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/admin/slate/meetings/{data.meeting.id}" + (f"?{query}" if query else "")


def test_meeting_page_shows_the_slate_beats_rank_order(client, data, admin):
    html = page(client, meeting_path(data))
    assert "Optimal slate, proven by the solver" in html
    assert "only flexible money could pay for this ticket, and it was worth 1 State" in html
    # States represented: slate 4, rank order 3.
    assert '<td class="num">4</td>\n    <td class="num">3</td>' in html
    assert "C-AFRICA" in html and "Send this slate" in html


def test_meeting_page_pin_out_takes_the_candidate_out(client, data, admin):
    ama = data.africans[0]
    html = page(client, meeting_path(data, **{f"pin_{ama.id}": "out"}))
    assert "Out: pinned out by the administrator." in html
    assert '<option value="out" selected>' in html


def test_meeting_page_infeasible_target_says_why_and_offers_no_send(client, data, admin):
    html = page(client, meeting_path(data, region_western_european_others="3"))
    assert "At least 3 delegates from Western European and Others Group cannot be funded." in html
    assert "Send this slate" not in html


@pytest.mark.parametrize("women", ["abc", "-5", "150", "NaN", "1e999"])
def test_meeting_page_wrong_target_is_a_message(client, data, admin, women):
    html = page(client, meeting_path(data, women=women))
    assert "The share of women is a percentage." in html


def _send(client, data, **extra):
    path = f"/admin/slate/meetings/{data.meeting.id}/send"
    return post_form(client, path, {"quorum": "2", "deadline_days": "7", **extra}, page="/admin/")


def test_send_vote_offer_runs_the_whole_slate_through_the_ledger(client, db, data, admin, auth):
    response = _send(client, data, **{f"pin_{data.africans[3].id}": "out"})
    assert response.status_code == 302
    slate = db.session.scalars(select(Slate)).one()
    assert slate.status == SlateStatus.SENT
    # Without Dee, four States are out of reach: the best three are Europa's (its score)
    # on the flexible money and Ama's and Ben's on the African money.
    proposed = [data.europa, *data.africans[:2]]
    assert set(slate.chosen) == {a.id for a in proposed}
    assert slate.settings["out"] == [data.africans[3].id]
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "slate.sent")
    ).all()
    assert sorted(m.to_address for m in mails) == sorted(m.email for m in data.members)
    assert all(f"/donor/slates/{slate.id}" in m.body for m in mails)
    html = page(client, f"/admin/slate/{slate.id}")
    assert "Ama A" not in html  # the slate's own page lists no names
    for member in data.members:
        auth.logout()
        auth.login(member.email)
        donor_html = page(client, f"/donor/slates/{slate.id}")
        assert "P1234567" not in donor_html and "Ama A" not in donor_html
        assert "@example.org" not in donor_html.split("<main")[1]
        response = post_form(
            client,
            f"/donor/slates/{slate.id}/vote",
            {"vote": "approve", "comment": "Good use of the Africa money"},
            page=f"/donor/slates/{slate.id}",
        )
        assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Slate, slate.id).status == SlateStatus.APPROVED
    auth.logout()
    auth.login(admin.email)
    response = post_form(client, f"/admin/slate/{slate.id}/offer", page="/admin/")
    assert response.status_code == 302
    db.session.expire_all()
    assert [a.status for a in proposed] == [AwardStatus.OFFERED] * 3
    assert data.africans[3].status == AwardStatus.PENDING
    committed = db.session.scalar(select(func.sum(Allocation.amount)))
    assert committed == 2000
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"slate.sent", "slate.vote", "slate.decided", "slate.offered"} <= actions
    assert "3 offers made, 0 refused." in page(client, f"/admin/slate/{slate.id}")


def test_offer_reports_an_award_decided_meanwhile(client, db, data, admin, auth):
    from sponsorship.review import decisions

    _send(client, data)
    slate = db.session.scalars(select(Slate)).one()
    slate.status = SlateStatus.APPROVED
    db.session.commit()
    decisions.reject(admin, data.africans[0].delegate, reason="Withdrawn by the State")
    post_form(client, f"/admin/slate/{slate.id}/offer", page="/admin/")
    db.session.expire_all()
    result = db.session.get(Slate, slate.id).result
    assert len(result["done"]) == 3  # Ama's place is not refilled: reported, not forced
    assert result["refused"] == [["Ama A", "its award is now “rejected”."]]


def test_non_member_donor_is_refused(client, data, auth):
    auth.login(data.outsider.email)
    assert client.get("/donor/slates/").status_code == 403


def test_vote_on_a_closed_slate_is_refused(client, db, data, admin, auth):
    _send(client, data)
    slate = db.session.scalars(select(Slate)).one()
    slate.status = SlateStatus.OBJECTED
    db.session.commit()
    auth.logout()
    auth.login(data.members[0].email)
    response = post_form(
        client, f"/donor/slates/{slate.id}/vote", {"vote": "approve"}, page="/donor/slates/"
    )
    assert response.status_code == 302
    assert "no longer open for votes" in page(client, f"/donor/slates/{slate.id}")


def test_members_page_adds_and_removes_a_member(client, db, data, admin):
    from sponsorship.models import DonorsGroupMember

    post_form(
        client,
        "/admin/slate/members",
        {"user_id": str(data.outsider.id), "member": "1"},
        page="/admin/",
    )
    assert db.session.get(DonorsGroupMember, data.outsider.id) is not None
    post_form(
        client,
        "/admin/slate/members",
        {"user_id": str(data.members[0].id), "member": "0"},
        page="/admin/",
    )
    db.session.expire_all()
    assert db.session.get(DonorsGroupMember, data.members[0].id) is None
    assert "Not a member" in page(client, "/admin/slate/members")


def test_report_says_slate_against_rank_order_and_decision(client, db, data, admin):
    _send(client, data)
    html = page(client, "/admin/slate/report")
    assert "With the Donors&#39; Group" in html or "With the Donors' Group" in html
    assert page(client, "/admin/slate/")
