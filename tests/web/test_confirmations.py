"""Every irreversible or money-moving action asks first (issue 23, web/confirm.py): its
page says what will happen, asks for the reason where one is recorded, and can be
cancelled; opening it changes nothing."""

from __future__ import annotations

import re
from decimal import Decimal

import lxml.html
import pytest

from sponsorship.models import ApplicationStatus, AwardStatus, RegionalGroup
from sponsorship.review import decisions
from sponsorship.review.pricing import update_fares
from tests.applicant_data import offered_award
from tests.conftest import post_form
from tests.factories import (
    ApplicationFactory,
    ContributionFactory,
    DelegateFactory,
    MeetingFactory,
    StateFactory,
    UserFactory,
)


@pytest.fixture
def admin(db, auth):
    user = UserFactory()
    db.session.commit()
    auth.login(user.email)
    return user


def _confirmation(client, path: str) -> lxml.html.HtmlElement:
    """The page at `path`, checked to be a confirmation: a form posting back to `path`
    and a Cancel link elsewhere."""
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    tree = lxml.html.fromstring(response.get_data(as_text=True))
    form = tree.xpath("//div[contains(@class, 'confirm')]//form")[0]
    assert form.get("action").split("?")[0] == path.split("?")[0]
    assert form.get("method") == "post"
    cancel = form.xpath(".//a[normalize-space()='Cancel']")[0]
    assert cancel.get("href") and cancel.get("href") != path
    assert tree.xpath("//ul[@class='consequences']/li")
    return tree


def _priced(db, admin_user):
    meeting = MeetingFactory()
    update_fares(admin_user, {r: Decimal("1000") for r in RegionalGroup})
    application = ApplicationFactory(
        meeting=meeting, state=StateFactory(), status=ApplicationStatus.SUBMITTED
    )
    delegate = DelegateFactory(application=application)
    ContributionFactory(amount=Decimal("100000"))
    decisions.bulk(admin_user, [delegate.id], decisions.Action.PRICE)
    db.session.commit()
    return delegate


def test_withdraw_asks_first_and_opening_it_changes_nothing(db, signed_in, applicant):
    application = ApplicationFactory(state=applicant.state, status=ApplicationStatus.SUBMITTED)
    db.session.commit()
    tree = _confirmation(signed_in, f"/apply/applications/{application.id}/withdraw")
    assert "final" in tree.text_content()
    db.session.refresh(application)
    assert application.status == ApplicationStatus.SUBMITTED


def test_decline_asks_its_reason_on_the_confirmation(db, signed_in, applicant):
    award = offered_award(applicant.state)
    db.session.commit()
    path = f"/apply/awards/{award.id}/decline"
    assert _confirmation(signed_in, path).xpath("//textarea[@name='reason']")
    # The offer page links to it rather than declining in one click.
    offer_page = signed_in.get(f"/apply/awards/{award.id}").get_data(as_text=True)
    assert f'href="{path}"' in offer_page
    response = post_form(signed_in, path, {"reason": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and 'href="#reason"' in html


def test_offer_says_the_money_it_commits_before_committing(client, db, admin):
    delegate = _priced(db, admin)
    path = f"/admin/review/delegates/{delegate.id}/offer"
    text = _confirmation(client, path).text_content()
    assert re.search(r"committed from the funds", text)
    db.session.expire_all()
    assert delegate.award.status == AwardStatus.PENDING
    assert post_form(client, path, {}).status_code == 302
    db.session.expire_all()
    assert delegate.award.status == AwardStatus.OFFERED


def test_reject_without_reason_shows_the_error_at_the_field(client, db, admin):
    delegate = _priced(db, admin)
    path = f"/admin/review/delegates/{delegate.id}/reject"
    _confirmation(client, path)
    response = post_form(client, path, {"reason": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="reason-error"' in html and 'href="#reason"' in html


def test_bulk_selection_is_carried_to_its_confirmation(client, db, admin):
    delegate = _priced(db, admin)
    meeting_id = delegate.application.meeting_id
    tree = _confirmation(
        client, f"/admin/review/bulk?meeting={meeting_id}&action=reject&delegate={delegate.id}"
    )
    assert tree.xpath(f"//input[@type='hidden'][@name='delegate'][@value='{delegate.id}']")
    assert delegate.name in tree.text_content()


def test_cancel_revoke_and_pledge_cancel_ask_first(client, db, admin):
    award = offered_award(StateFactory())
    pledge = ContributionFactory(
        status="pledged", received_on=None, exchange_rate=None, rate_date=None, base_amount=None
    )
    db.session.commit()
    cancel = _confirmation(client, f"/admin/review/awards/{award.id}/cancel")
    assert cancel.xpath("//textarea[@name='reason']")
    _confirmation(client, f"/admin/funds/contributions/{pledge.id}/cancel")
    response = post_form(client, f"/admin/review/awards/{award.id}/cancel", {"reason": ""})
    assert response.status_code == 422
    assert 'id="reason-error"' in response.get_data(as_text=True)
    db.session.refresh(award)
    assert award.status == AwardStatus.OFFERED
