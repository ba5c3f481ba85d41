"""Sessions that end: logout, sign out everywhere, idle and absolute expiry, a new
password, deactivation; the account page lists the browsers and ends any one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from sponsorship.models import AuditEvent, UserSession
from sponsorship.models.base import utcnow
from tests.conftest import Auth, post_form
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "plum orbit kettle saga"  # noqa: S105


@pytest.fixture
def applicant(db):
    user = UserFactory(applicant=True)
    db.session.commit()
    return user


def _signed_in(app, user):
    browser = app.test_client()
    assert Auth(browser).login(user.email).status_code == 302
    assert browser.get("/apply/").status_code == 200
    return browser


def _replay(app, browser):
    """A second client carrying a copy of `browser`'s session cookie."""
    copy = app.test_client()
    copy.set_cookie("session", browser.get_cookie("session").value)
    return copy


def _refused(browser) -> bool:
    response = browser.get("/apply/")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_logout_then_replayed_cookie_is_refused(app, db, applicant):
    browser = _signed_in(app, applicant)
    copy = _replay(app, browser)
    assert copy.get("/apply/").status_code == 200  # the copy works while signed in
    assert post_form(browser, "/logout", page="/apply/").status_code == 302
    assert _refused(copy)
    assert _refused(browser)


def test_logout_ends_other_browsers_too(app, db, applicant):
    first, second = _signed_in(app, applicant), _signed_in(app, applicant)
    post_form(first, "/logout", page="/apply/")
    assert _refused(second)


def test_sign_out_everywhere_ends_every_browser(app, db, applicant):
    first, second = _signed_in(app, applicant), _signed_in(app, applicant)
    copy = _replay(app, first)
    response = post_form(first, "/account/sessions/end-all", page="/account/")
    assert response.headers["Location"] == "/login"
    assert _refused(first) and _refused(second) and _refused(copy)


def test_account_page_lists_sessions_and_ends_one(app, db, applicant):
    first = _signed_in(app, applicant)
    second = app.test_client()
    Auth(second).login(applicant.email)
    page = first.get("/account/")
    body = page.get_data(as_text=True)
    ids = [int(i) for i in re.findall(r"/account/sessions/(\d+)/end", body)]
    assert len(ids) == 2 and "this browser" in body
    other = max(ids)  # the second browser signed in last
    assert post_form(first, f"/account/sessions/{other}/end", page="/account/").status_code == 302
    assert _refused(second)
    assert first.get("/apply/").status_code == 200


def test_ending_another_users_session_changes_nothing(app, db, applicant):
    victim = UserFactory(applicant=True)
    db.session.commit()
    victim_browser = _signed_in(app, victim)
    row = db.session.scalar(select(UserSession.id).where(UserSession.user_id == victim.id))
    browser = _signed_in(app, applicant)
    post_form(browser, f"/account/sessions/{row}/end", page="/account/")
    assert victim_browser.get("/apply/").status_code == 200


@pytest.mark.parametrize(
    ("column", "age"),
    [("last_seen_at", timedelta(minutes=61)), ("created_at", timedelta(hours=12, minutes=1))],
    ids=["idle", "absolute"],
)
def test_expired_session_is_refused(app, db, applicant, column, age):
    browser = _signed_in(app, applicant)
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == applicant.id)
        .values({column: utcnow() - age})
    )
    db.session.commit()
    assert _refused(browser)


def test_active_session_is_touched_and_stays(app, db, applicant):
    browser = _signed_in(app, applicant)
    earlier = utcnow() - timedelta(minutes=50)
    db.session.execute(
        update(UserSession).where(UserSession.user_id == applicant.id).values(last_seen_at=earlier)
    )
    db.session.commit()
    assert browser.get("/apply/").status_code == 200
    seen = db.session.scalar(
        select(UserSession.last_seen_at).where(UserSession.user_id == applicant.id)
    )
    assert seen > earlier + timedelta(minutes=49)


def test_password_change_ends_other_sessions_keeps_this_one(app, db, applicant):
    this, other = _signed_in(app, applicant), _signed_in(app, applicant)
    response = post_form(
        this,
        "/account/password",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        page="/account/",
    )
    assert response.status_code == 302
    assert _refused(other)
    assert this.get("/apply/").status_code == 200
    assert Auth(app.test_client()).login(applicant.email, NEW_PASSWORD).status_code == 302


def test_password_change_with_wrong_current_password_is_refused(app, db, applicant):
    browser = _signed_in(app, applicant)
    response = post_form(
        browser,
        "/account/password",
        {"current": "not it at all", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        page="/account/",
    )
    # Back on the account page's own URL, the error at its field; no password kept.
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    body = browser.get("/account/").get_data(as_text=True)
    assert 'id="current-error"' in body
    assert "The current password is not correct." in body
    assert "not it at all" not in body and NEW_PASSWORD not in body


def test_deactivation_ends_sessions_and_refuses_login_audited(app, db, applicant):
    admin = UserFactory()
    db.session.commit()
    victim = _signed_in(app, applicant)
    admin_browser = app.test_client()
    Auth(admin_browser).login(admin.email)
    page = f"/admin/users/{applicant.id}"
    assert post_form(admin_browser, f"{page}/active", page=page).status_code == 302
    assert _refused(victim)
    assert Auth(app.test_client()).login(applicant.email).status_code == 422
    post_form(admin_browser, f"{page}/active", page=page)  # reactivate
    assert Auth(app.test_client()).login(applicant.email).status_code == 302
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "User", AuditEvent.object_id == applicant.id
        )
    ).all()
    assert {"user.deactivate", "user.reactivate"} <= set(actions)


def test_admin_sign_out_everywhere_ends_users_sessions(app, db, applicant):
    admin = UserFactory()
    db.session.commit()
    victim = _signed_in(app, applicant)
    admin_browser = app.test_client()
    Auth(admin_browser).login(admin.email)
    page = f"/admin/users/{applicant.id}"
    post_form(admin_browser, f"{page}/sign-out", page=page)
    assert _refused(victim)
    assert (
        db.session.scalar(
            select(func.count(UserSession.id)).where(UserSession.user_id == applicant.id)
        )
        == 0
    )
