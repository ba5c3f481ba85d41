"""The administrators' review pages through the test client: queue, pricing, decisions."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from sponsorship.core.workflow import transition
from sponsorship.models import (
    Application,
    ApplicationStatus,
    AwardStatus,
    Criterion,
    Delegate,
    Gender,
    RegionalGroup,
    State,
)
from sponsorship.review import after_meeting, decisions
from sponsorship.review.pricing import update_fares
from sponsorship.review.scoring import current_weights
from tests.conftest import post_form
from tests.factories import (
    ApplicationFactory,
    ContributionFactory,
    DelegateFactory,
    MeetingFactory,
    StateFactory,
    UserFactory,
)

D = Decimal


@pytest.fixture
def admin(db, auth):
    user = UserFactory()
    db.session.commit()
    auth.login(user.email)
    return user


@pytest.fixture
def meeting(db):
    m = MeetingFactory()
    update_fares(UserFactory(), {r: D("1000") for r in RegionalGroup})
    return m


def submitted(meeting, n_delegates=1, **state):
    state.setdefault("article5_deadline", None)
    application = ApplicationFactory(
        meeting=meeting,
        state=StateFactory(**state),
        status=ApplicationStatus.SUBMITTED,
        submitted_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    for _ in range(n_delegates):
        DelegateFactory(application=application, gender=Gender.MALE)
    return application


def page(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    return response.get_data(as_text=True)


def test_queue_ranks_applications_with_reasons(client, db, admin, meeting):
    low = submitted(meeting, article5_deadline=None, name="Lowland")
    high = submitted(
        meeting,
        article5_deadline=meeting.starts_on + timedelta(days=300),
        ldc=True,
        name="Highland",
    )
    db.session.commit()
    html = page(client, f"/admin/review/?meeting={meeting.id}")
    assert html.index("Highland") < html.index("Lowland")
    year = (meeting.starts_on + timedelta(days=300)).year
    assert f"Article 5 deadline in {year}: +30" in html
    assert "Least-developed country: +15" in html
    assert low.id and high.id


def test_queue_filters_by_region_status_and_score(client, db, admin, meeting):
    submitted(meeting, name="Afrland", regional_group=RegionalGroup.AFRICAN, ldc=True)
    submitted(meeting, name="Asialand", regional_group=RegionalGroup.ASIA_PACIFIC)
    db.session.commit()
    html = page(client, f"/admin/review/?meeting={meeting.id}&region=asia_pacific")
    assert "Asialand" in html and "Afrland" not in html
    html = page(client, f"/admin/review/?meeting={meeting.id}&min_score=10")
    assert "Afrland" in html and "Asialand" not in html
    html = page(client, f"/admin/review/?meeting={meeting.id}&status=decided")
    assert "No application matches." in html


def test_queue_paginates(client, db, admin, meeting):
    for n in range(27):
        submitted(meeting, name=f"Pageland {n:02d}")
    db.session.commit()
    first = page(client, f"/admin/review/?meeting={meeting.id}")
    second = page(client, f"/admin/review/?meeting={meeting.id}&page=2")
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert len(re.findall(r'id="app-\d+"', first)) == 25
    assert len(re.findall(r'id="app-\d+"', second)) == 2


def test_price_offer_updates_budget_panel(client, db, admin, meeting):
    ContributionFactory(amount=D("10000"))
    application = submitted(meeting)
    delegate = application.delegates[0]
    db.session.commit()
    path = f"/admin/review/applications/{application.id}"
    response = post_form(
        client,
        f"/admin/review/delegates/{delegate.id}/price",
        {f"d{delegate.id}-airfare": "1200.00", f"d{delegate.id}-visa": ""},
        page=path,
    )
    assert response.status_code == 302
    response = post_form(client, f"/admin/review/delegates/{delegate.id}/offer", {}, page=path)
    assert response.status_code == 302
    db.session.expire_all()
    assert delegate.award.status == AwardStatus.OFFERED
    html = page(client, f"/admin/review/?meeting={meeting.id}")
    committed = re.search(r'id="budget-committed">([^<]+)<', html).group(1)
    assert "1,812.00" in committed  # 1200 + 412 x 1 night + 200


def test_offer_beyond_funds_shows_the_ledger_message(client, db, admin, meeting):
    ContributionFactory(amount=D("500"))
    application = submitted(meeting)
    delegate = application.delegates[0]
    decisions.bulk(admin, [delegate.id], decisions.Action.PRICE)
    path = f"/admin/review/applications/{application.id}"
    response = post_form(
        client, f"/admin/review/delegates/{delegate.id}/offer", {}, page=path, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "falls short by" in html
    assert "nothing was committed" in html
    db.session.expire_all()
    assert delegate.award.status == AwardStatus.PENDING


def test_bulk_waitlist_and_reject(client, db, admin, meeting):
    a = submitted(meeting, n_delegates=2)
    decisions.bulk(admin, [d.id for d in a.delegates], decisions.Action.PRICE)
    first, second = a.delegates
    queue = f"/admin/review/?meeting={meeting.id}"
    response = post_form(
        client,
        f"/admin/review/bulk?meeting={meeting.id}",
        {"delegate": [str(first.id)], "action": "waitlist"},
        page=queue,
    )
    assert response.status_code == 302
    response = post_form(
        client,
        f"/admin/review/bulk?meeting={meeting.id}",
        {"delegate": [str(second.id)], "action": "reject", "reason": "Cap of the region"},
        page=queue,
    )
    db.session.expire_all()
    assert first.award.status == AwardStatus.WAITLISTED
    assert second.award.status == AwardStatus.REJECTED
    assert second.award.decision_reason == "Cap of the region"
    assert a.status == ApplicationStatus.DECIDED


def test_bulk_reject_without_reason_changes_nothing(client, db, admin, meeting):
    a = submitted(meeting)
    db.session.commit()
    response = post_form(
        client,
        f"/admin/review/bulk?meeting={meeting.id}",
        {"delegate": [str(a.delegates[0].id)], "action": "reject"},
        page=f"/admin/review/?meeting={meeting.id}",
    )
    # The confirmation page again, its reason field carrying the error (GOV.UK pattern).
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="reason-error"' in html and "Give the reason" in html
    assert 'href="#reason"' in html
    db.session.expire_all()
    assert a.delegates[0].award is None


def test_application_page_shows_personal_data_and_history_link(client, db, admin, meeting):
    a = submitted(meeting)
    db.session.commit()
    html = page(client, f"/admin/review/applications/{a.id}")
    assert a.delegates[0].passport_number in html
    assert f"/admin/review/applications/{a.id}/history" in html


def test_history_lists_who_did_what(client, db, admin, meeting):
    a = submitted(meeting)
    delegate = a.delegates[0]
    decisions.bulk(admin, [delegate.id], decisions.Action.PRICE)
    decisions.reject(admin, delegate, reason="Not eligible this year")
    html = page(client, f"/admin/review/applications/{a.id}/history")
    # Sentences in the reader's language, not raw audit data (issue 23).
    assert f"{delegate.name} was priced." in html
    assert "Not eligible this year" in html and "to Not selected." in html
    assert "award.price" not in html and "False" not in html
    assert admin.name in html


def test_weights_page_changes_the_score(client, db, admin, meeting):
    response = post_form(
        client,
        "/admin/review/weights",
        {
            **{f"points_{w.criterion.value}": str(w.points) for w in current_weights().values()},
            "points_ldc": "70",
            "horizon_years": "3",
        },
        page="/admin/review/weights",
    )
    assert response.status_code == 302
    assert current_weights()[Criterion.LDC].points == 70
    submitted(meeting, ldc=True, article5_deadline=None)
    db.session.commit()
    assert "Least-developed country: +70" in page(client, f"/admin/review/?meeting={meeting.id}")


def test_weights_out_of_range_is_refused(client, db, admin):
    response = post_form(
        client,
        "/admin/review/weights",
        {f"points_{c.value}": "5000" for c in Criterion} | {"horizon_years": "3"},
        page="/admin/review/weights",
    )
    assert response.status_code == 422


def test_fares_page_saves(client, db, admin):
    response = post_form(
        client,
        "/admin/review/fares",
        {"fare_african": "1450.00", "fare_asia_pacific": ""},
        page="/admin/review/fares",
    )
    assert response.status_code == 302
    from sponsorship.review.pricing import fare_table

    assert fare_table() == {RegionalGroup.AFRICAN: D("1450.00")}


# --- Query counts: the queue page does not grow with its rows ------------------------


def _bulk_applications(db, meeting, n: int) -> None:
    """n submitted applications with one delegate each, inserted in bulk (fast)."""
    base = db.session.scalar(select(func.count(State.id)))
    db.session.execute(
        sa.insert(State),
        [
            {
                "iso3": f"{(base + i) % 1000:03d}",  # digits: never a real code
                "name": f"Scale State {base + i}",
                "regional_group": list(RegionalGroup)[i % 6],
                "convention_status": "state_party",
                "article5_deadline": date(2027 + i % 5, 1, 1),
                "ldc": i % 3 == 0,
            }
            for i in range(n)
        ],
    )
    states = db.session.scalars(
        select(State.id).where(State.name.like("Scale State %")).order_by(State.id.desc()).limit(n)
    ).all()
    db.session.execute(
        sa.insert(Application),
        [
            {
                "meeting_id": meeting.id,
                "state_id": state_id,
                "status": "submitted",
                "language": "en",
                "submitted_at": datetime(2026, 1, 1, tzinfo=UTC),
            }
            for state_id in states
        ],
    )
    apps = db.session.scalars(
        select(Application.id).where(Application.meeting_id == meeting.id)
    ).all()
    db.session.execute(
        sa.insert(Delegate),
        [
            {
                "application_id": app_id,
                "position": 0,
                "name": f"Delegate {app_id}",
                "gender": "female" if app_id % 2 else "male",
                "function": "Director",
                "organisation": "MAC",
                "email": f"d{app_id}@example.org",
                "nationality": "TCD",
                "departure_city": "Capital",
                "first_time": app_id % 4 == 0,
            }
            for app_id in apps
        ],
    )
    db.session.commit()


def test_queue_query_count_is_constant_at_10_and_500(client, db, admin, count_queries):
    meeting = MeetingFactory()
    db.session.commit()
    path = f"/admin/review/?meeting={meeting.id}"
    _bulk_applications(db, meeting, 10)
    page(client, path)  # warm up: the first request of a session loads more
    with count_queries() as small:
        page(client, path)
    _bulk_applications(db, meeting, 490)
    # The first request after a change ranks the queue again (review.meeting_ranking);
    # the next ones reuse that ranking. Both are constant in the number of applications.
    with count_queries() as large_fresh:
        html = page(client, path)
    assert "of 500 applications" in html
    with count_queries() as large:
        page(client, path)
    assert small.count == large.count, "\n".join(large.statements)
    assert large.count <= large_fresh.count <= 25


def test_follow_up_shows_attendance_costs_and_overdue_reports(client, db, admin):
    meeting = MeetingFactory(
        starts_on=date.today() - timedelta(days=60),
        ends_on=date.today() - timedelta(days=57),
        applications_open_on=date.today() - timedelta(days=200),
        applications_close_on=date.today() - timedelta(days=100),
        report_due_days=30,
    )
    update_fares(admin, {RegionalGroup.AFRICAN: D("1000")})
    ContributionFactory(amount=D("10000"))
    attended, missed = (submitted(meeting).delegates[0] for _ in range(2))
    for delegate in (attended, missed):
        decisions.bulk(admin, [delegate.id], decisions.Action.PRICE)
        award = decisions.offer(admin, delegate, today=meeting.starts_on - timedelta(days=30))
        transition(award, AwardStatus.ACCEPTED, None)  # the applicant's answer
        db.session.commit()
    after_meeting.record_attendance(admin, attended.award, True)
    after_meeting.record_attendance(admin, missed.award, False)
    from tests.payment_data import approved_payment, second_admin

    approved_payment(admin, second_admin(), missed.award, D("800"), kind="ticket")
    after_meeting.reconcile(admin, missed.award)
    html = page(client, f"/admin/review/meetings/{meeting.id}/follow-up")
    attended_row = re.search(rf'id="award-{attended.award.id}">(.*?)</tr>', html, re.S).group(1)
    missed_row = re.search(rf'id="award-{missed.award.id}">(.*?)</tr>', html, re.S).group(1)
    assert "Attended" in attended_row and "overdue" in attended_row
    assert "Did not attend" in missed_row and "800.00" in missed_row
    assert "not yet" in attended_row and "not yet" not in missed_row


def test_waitlist_offer_link_confirms_then_returns_to_the_same_queue_page(client, db, admin):
    """The budget panel lists each waitlisted delegate with whether the money fits them;
    the Offer link asks first, then brings the administrator back to the queue page
    they came from, filters included."""
    meeting = MeetingFactory()
    update_fares(UserFactory(), {r: D("1000") for r in RegionalGroup})
    ContributionFactory(amount=D("5000"))
    fits, too_dear = (submitted(meeting).delegates[0] for _ in range(2))
    decisions.bulk(admin, [fits.id, too_dear.id], decisions.Action.PRICE)
    decisions.waitlist(admin, fits)
    decisions.waitlist(admin, too_dear)
    too_dear.award.cost_lines[0].amount = D("9000")
    db.session.commit()
    queue = f"/admin/review/?meeting={meeting.id}&region=african"
    html = page(client, queue)
    fitting = re.search(rf'<li id="wait-{fits.id}">(.*?)</li>', html, re.S).group(1)
    dear = re.search(rf'<li id="wait-{too_dear.id}">(.*?)</li>', html, re.S).group(1)
    assert "fits now" in fitting and "does not fit yet" in dear
    assert "/offer" not in dear
    link = re.search(r'href="([^"]*/offer\?next=[^"]*)"', fitting).group(1)
    assert page(client, link.replace("&amp;", "&"))
    response = post_form(client, link.replace("&amp;", "&"), {}, page=link)
    assert response.status_code == 302
    assert response.headers["Location"] == queue
    db.session.expire_all()
    assert fits.award.status == AwardStatus.OFFERED
