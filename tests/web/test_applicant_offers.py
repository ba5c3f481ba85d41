"""Answering offers and reporting after the meeting, through the applicant's pages."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from sponsorship.models import AuditEvent, AwardStatus, DelegateReport
from tests.applicant_data import accepted_award_after_meeting, offered_award, stub_letter
from tests.conftest import post_form
from tests.factories import MeetingFactory


def accept_data(award, **overrides):
    meeting = award.delegate.application.meeting
    data = {
        "departure_city": "N'Djamena",
        "travel_out_on": (meeting.starts_on - timedelta(days=1)).isoformat(),
        "travel_back_on": (meeting.ends_on + timedelta(days=1)).isoformat(),
    }
    data.update(overrides)
    return data


def _back_on_offer_page(client, response, award) -> str:
    """A refused acceptance leaves the browser on the offer's own URL (issue 23: the
    accept form is posted from the offer page): the page, with the errors, once."""
    assert response.status_code == 302
    assert response.headers["Location"] == f"/apply/awards/{award.id}"
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_dashboard_says_when_offer_expires(db, signed_in, applicant):
    award = offered_award(applicant.state, deadline=date(2099, 3, 14))
    db.session.commit()
    body = signed_in.get("/apply/").get_data(as_text=True)
    assert "Offer for Idriss Abakar expires on March 14, 2099: accept or decline." in body
    assert f"/apply/awards/{award.id}" in body


def test_accept_offer_records_travel_and_audit(db, signed_in, applicant):
    award = offered_award(applicant.state)
    db.session.commit()
    response = post_form(signed_in, f"/apply/awards/{award.id}/accept", accept_data(award))
    assert response.status_code == 302
    db.session.expire_all()
    assert award.status == AwardStatus.ACCEPTED
    assert award.confirmed_departure_city == "N'Djamena"
    assert award.responded_at is not None
    actions = set(
        db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_type == "Award", AuditEvent.object_id == award.id
            )
        )
    )
    assert {"status", "award.accept"} <= actions


def test_accept_offer_with_travel_dates_outside_meeting_is_refused(db, signed_in, applicant):
    award = offered_award(applicant.state)
    db.session.commit()
    far = (award.delegate.application.meeting.starts_on - timedelta(days=30)).isoformat()
    response = post_form(
        signed_in, f"/apply/awards/{award.id}/accept", accept_data(award, travel_out_on=far)
    )
    body = _back_on_offer_page(signed_in, response, award)
    assert 'id="travel_out_on-error"' in body
    assert 'class="error-summary" role="alert"' in body
    assert 'value="N&#39;Djamena"' in body
    db.session.expire_all()
    assert award.status == AwardStatus.OFFERED


def test_accept_offer_after_deadline_is_refused_and_shown_expired(db, signed_in, applicant):
    award = offered_award(applicant.state, deadline=date.today() - timedelta(days=1))
    db.session.commit()
    page = signed_in.get(f"/apply/awards/{award.id}").get_data(as_text=True)
    assert "Offer expired" in page
    assert "Accept the offer" not in page
    response = post_form(signed_in, f"/apply/awards/{award.id}/accept", accept_data(award))
    assert "has expired" in _back_on_offer_page(signed_in, response, award)
    db.session.expire_all()
    assert award.status == AwardStatus.OFFERED
    assert "expired" in signed_in.get("/apply/").get_data(as_text=True)


def test_accept_on_deadline_day_is_allowed(db, signed_in, applicant):
    award = offered_award(applicant.state, deadline=date.today())
    db.session.commit()
    response = post_form(signed_in, f"/apply/awards/{award.id}/accept", accept_data(award))
    assert response.status_code == 302


def test_decline_offer_needs_a_reason(db, signed_in, applicant):
    award = offered_award(applicant.state)
    db.session.commit()
    response = post_form(signed_in, f"/apply/awards/{award.id}/decline", {"reason": ""})
    assert response.status_code == 422
    assert 'id="reason-error"' in response.get_data(as_text=True)


def test_decline_offer_with_reason(db, signed_in, applicant):
    award = offered_award(applicant.state)
    db.session.commit()
    response = post_form(
        signed_in, f"/apply/awards/{award.id}/decline", {"reason": "Visa <not> granted"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert award.status == AwardStatus.DECLINED
    assert award.decline_reason == "Visa <not> granted"
    page = signed_in.get(f"/apply/awards/{award.id}").get_data(as_text=True)
    assert "Visa &lt;not&gt; granted" in page


def test_answer_twice_is_refused(db, signed_in, applicant):
    award = offered_award(applicant.state)
    db.session.commit()
    post_form(signed_in, f"/apply/awards/{award.id}/decline", {"reason": "No"})
    response = post_form(signed_in, f"/apply/awards/{award.id}/accept", accept_data(award))
    assert "already been answered" in _back_on_offer_page(signed_in, response, award)


def test_award_letter_download_when_issued(db, signed_in, applicant):
    award = offered_award(applicant.state)
    db.session.add(stub_letter(award, "ABCD-1234", b"%PDF-1.7 letter"))
    db.session.commit()
    assert "Download the award letter" in signed_in.get(f"/apply/awards/{award.id}").get_data(
        as_text=True
    )
    response = signed_in.get(f"/apply/awards/{award.id}/letter")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data == b"%PDF-1.7 letter"


def test_award_letter_missing_is_404(db, signed_in, applicant):
    award = offered_award(applicant.state)
    db.session.commit()
    assert signed_in.get(f"/apply/awards/{award.id}/letter").status_code == 404


# ---- Reports --------------------------------------------------------------------------


def test_report_after_meeting_is_recorded(db, signed_in, applicant):
    award = accepted_award_after_meeting(applicant.state)
    db.session.commit()
    assert "Write the report on Sokha Chan" in signed_in.get("/apply/").get_data(as_text=True)
    session_id = award.delegate.application.meeting.sessions[0].id
    response = post_form(
        signed_in,
        f"/apply/awards/{award.id}/report",
        {"sessions": [str(session_id)], "statement_delivered": "y", "comments": "<b>Good</b>"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    report = db.session.scalar(select(DelegateReport).where(DelegateReport.award_id == award.id))
    assert report.statement_delivered is True
    assert [s.id for s in report.sessions] == [session_id]
    assert award.report_received_at is not None
    page = signed_in.get(f"/apply/awards/{award.id}/report").get_data(as_text=True)
    assert "&lt;b&gt;Good&lt;/b&gt;" in page
    again = post_form(signed_in, f"/apply/awards/{award.id}/report", {"comments": "again"})
    assert again.status_code == 409


def test_report_before_meeting_is_refused(db, signed_in, applicant):
    award = offered_award(applicant.state)
    db.session.commit()
    page = signed_in.get(f"/apply/awards/{award.id}/report").get_data(as_text=True)
    assert "can be written after the meeting" in page
    response = post_form(signed_in, f"/apply/awards/{award.id}/report", {"comments": "x"})
    assert response.status_code == 422
    assert db.session.scalar(select(DelegateReport)) is None


def test_decline_offer_gives_its_money_back_to_the_fund(db, signed_in, applicant):
    from decimal import Decimal

    from sponsorship.funding import books, ledger
    from tests.factories import AwardCostLineFactory, ContributionFactory

    award = offered_award(applicant.state)
    AwardCostLineFactory(award=award, unit_amount=Decimal("1500.00"))
    fund = ContributionFactory(amount=Decimal("10000.00"))
    db.session.commit()
    ledger.allocate(award, None)
    db.session.refresh(fund)
    assert fund.committed == Decimal("1500.00")
    response = post_form(signed_in, f"/apply/awards/{award.id}/decline", {"reason": "Ill"})
    assert response.status_code == 302
    db.session.expire_all()
    assert award.status == AwardStatus.DECLINED
    assert fund.committed == Decimal(0)
    assert all(line.ok for line in books.check_books())


def test_dashboard_says_a_report_past_its_due_date_is_overdue(db, signed_in, applicant):
    """Issue 18: the dashboard's "what to do next" says what the overdue mail says."""
    ended = date.today() - timedelta(days=40)
    meeting = MeetingFactory(
        window_open=False,
        starts_on=ended - timedelta(days=3),
        ends_on=ended,
        applications_open_on=ended - timedelta(days=120),
        applications_close_on=ended - timedelta(days=60),
        report_due_days=30,
    )
    accepted_award_after_meeting(applicant.state, meeting=meeting)
    db.session.commit()
    page = signed_in.get("/apply/").get_data(as_text=True)
    assert "Overdue: the report on Sokha Chan" in page
    assert "Write the report on Sokha Chan" in page

    recent = accepted_award_after_meeting(applicant.state, name="Dara Sok")
    db.session.commit()
    page = signed_in.get("/apply/").get_data(as_text=True)
    assert recent.delegate.application.meeting.ends_on == date.today() - timedelta(days=1)
    assert "Overdue: the report on Dara Sok" not in page
    assert "Report on Dara Sok" in page


def test_report_records_consent_to_quote_only_with_comments(db, signed_in, applicant):
    """Rule: a donor sees a delegate's words only where the State ticked its consent;
    consent without comments records nothing to quote."""
    award = accepted_award_after_meeting(applicant.state)
    db.session.commit()
    page = signed_in.get(f"/apply/awards/{award.id}/report").get_data(as_text=True)
    assert 'name="quote_consent"' in page
    response = post_form(
        signed_in,
        f"/apply/awards/{award.id}/report",
        {"comments": "We met three donors.", "quote_consent": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    report = db.session.scalar(select(DelegateReport).where(DelegateReport.award_id == award.id))
    assert report.quote_consent is True
    page = signed_in.get(f"/apply/awards/{award.id}/report").get_data(as_text=True)
    assert "Donors may quote the comments" in page
