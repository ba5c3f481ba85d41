"""Forgotten passwords, invitations by mail, two-factor sign-in and its reset."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from sponsorship.models import AuditEvent, OutboxMessage, Role
from tests.conftest import Auth, post_form
from tests.factories import PASSWORD, StateFactory, UserFactory

NEW_PASSWORD = "plum orbit kettle saga"  # noqa: S105
LINK_RE = re.compile(r"http\S+/(?:reset|invite)/(\S+)")


def _mails(db, kind):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    ).all()


def _forgot(client, email):
    return post_form(client, "/login/forgot", {"email": email}, page="/login/forgot")


def test_forgot_password_answers_the_same_and_mails_in_users_language(db, client):
    UserFactory(email="known@example.org", locale="fr")
    db.session.commit()
    known = _forgot(client, "Known@Example.org")
    unknown = _forgot(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    assert strip.sub("", known.get_data(as_text=True)) == strip.sub(
        "", unknown.get_data(as_text=True)
    )
    (mail,) = _mails(db, "password_reset")
    assert mail.to_address == "known@example.org"
    assert "mot de passe" in mail.subject.lower()


def test_reset_link_sets_password_once_and_ends_sessions(app, db, client):
    user = UserFactory(applicant=True, email="reset@example.org")
    db.session.commit()
    old = app.test_client()
    Auth(old).login(user.email)
    assert old.get("/apply/").status_code == 200
    _forgot(client, user.email)
    token = LINK_RE.search(_mails(db, "password_reset")[0].body).group(1)
    page = f"/reset/{token}"
    form = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert post_form(client, page, form, page=page).headers["Location"] == "/login"
    assert old.get("/apply/").status_code == 302
    assert client.get(page).status_code == 404  # single use
    assert Auth(app.test_client()).login(user.email, PASSWORD).status_code == 422
    assert Auth(app.test_client()).login(user.email, NEW_PASSWORD).status_code == 302
    assert "user.password_reset" in db.session.scalars(select(AuditEvent.action)).all()


def test_reset_refuses_weak_password(db, client):
    UserFactory(email="weak@example.org")
    db.session.commit()
    _forgot(client, "weak@example.org")
    token = LINK_RE.search(_mails(db, "password_reset")[0].body).group(1)
    page = f"/reset/{token}"
    response = post_form(
        client, page, {"password": "password1234", "confirm": "password1234"}, page=page
    )
    assert response.status_code == 422
    assert "too common" in response.get_data(as_text=True)


def test_reset_mails_are_limited_per_address(app, db, client):
    UserFactory(email="flood@example.org")
    db.session.commit()
    for _ in range(app.config["PASSWORD_RESET_PER_HOUR"] + 2):
        assert _forgot(client, "flood@example.org").status_code == 200
    assert len(_mails(db, "password_reset")) == app.config["PASSWORD_RESET_PER_HOUR"]


def test_newer_reset_link_voids_the_older(db, client):
    UserFactory(email="twice@example.org")
    db.session.commit()
    _forgot(client, "twice@example.org")
    _forgot(client, "twice@example.org")
    first, second = (LINK_RE.search(m.body).group(1) for m in _mails(db, "password_reset"))
    assert client.get(f"/reset/{first}").status_code == 404
    assert client.get(f"/reset/{second}").status_code == 200


def test_invitation_is_mailed_and_link_shown(db, client, auth):
    admin = UserFactory()
    db.session.commit()
    auth.login(admin.email)
    data = {"email": "new@example.org", "name": "New", "role": "administrator", "locale": "es"}
    response = post_form(client, "/admin/users", data, page="/admin/users")
    body = response.get_data(as_text=True)
    (mail,) = _mails(db, "account_invitation")
    token = LINK_RE.search(mail.body).group(1)
    assert f"/invite/{token}" in body  # the fallback for the administrator
    assert "invitación" in mail.subject.lower()


def test_reinviting_pending_address_issues_new_link(db, client, auth):
    admin = UserFactory()
    db.session.commit()
    auth.login(admin.email)
    data = {"email": "again@example.org", "name": "Again", "role": "administrator", "locale": "en"}
    post_form(client, "/admin/users", data, page="/admin/users")
    response = post_form(client, "/admin/users", data, page="/admin/users")
    assert response.status_code == 200
    first, second = (LINK_RE.search(m.body).group(1) for m in _mails(db, "account_invitation"))
    assert client.get(f"/invite/{first}").status_code == 404
    assert client.get(f"/invite/{second}").status_code == 200


def test_reinviting_existing_account_mails_reset_instead(db, client, auth):
    admin = UserFactory()
    UserFactory(email="member@example.org")
    db.session.commit()
    auth.login(admin.email)
    data = {"email": "member@example.org", "name": "M", "role": "administrator", "locale": "en"}
    response = post_form(client, "/admin/users", data, page="/admin/users")
    assert response.status_code == 302 and "/admin/users/" in response.headers["Location"]
    assert [m.to_address for m in _mails(db, "password_reset")] == ["member@example.org"]


# --- Two-factor sign-in --------------------------------------------------------------


def _enrol(client) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    code = pyotp.TOTP(secret).now()
    done = post_form(client, "/account/two-factor", {"code": code}, page="/account/two-factor")
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.get_data(as_text=True))
    return secret, codes


def _code_at(secret: str, step_offset: int) -> str:
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30 * step_offset))


def test_enrolled_user_signs_in_with_code_then_recovery_code_once(app, db, client, auth):
    user = UserFactory()
    db.session.commit()
    auth.login(user.email)
    secret, codes = _enrol(client)
    assert len(codes) == 10
    fresh = app.test_client()
    response = Auth(fresh).login(user.email)
    assert response.headers["Location"] == "/login/two-factor"
    assert fresh.get("/admin/").status_code == 302  # not signed in before the code
    wrong = post_form(fresh, "/login/two-factor", {"code": "000000"}, page="/login/two-factor")
    assert wrong.status_code == 422
    code = _code_at(secret, 1)  # the next step: the enrolment used this one
    ok = post_form(fresh, "/login/two-factor", {"code": code}, page="/login/two-factor")
    assert ok.status_code == 302 and fresh.get("/admin/").status_code == 200
    for expected in (302, 422):  # a recovery code works once
        other = app.test_client()
        Auth(other).login(user.email)
        answer = post_form(other, "/login/two-factor", {"code": codes[0]}, page="/login/two-factor")
        assert answer.status_code == expected


def test_totp_code_is_not_accepted_twice(app, db, client, auth):
    user = UserFactory()
    db.session.commit()
    auth.login(user.email)
    secret, _codes = _enrol(client)
    code = _code_at(secret, 1)
    for expected in (302, 422):
        other = app.test_client()
        Auth(other).login(user.email)
        answer = post_form(other, "/login/two-factor", {"code": code}, page="/login/two-factor")
        assert answer.status_code == expected


def test_administrator_without_two_factor_is_sent_to_enrolment_when_required(
    app, db, client, auth, monkeypatch
):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)
    admin = UserFactory()
    applicant = UserFactory(applicant=True)
    db.session.commit()
    auth.login(admin.email)
    assert client.get("/admin/").headers["Location"] == "/account/two-factor"
    _enrol(client)
    assert client.get("/admin/").status_code == 200
    other = app.test_client()
    Auth(other).login(applicant.email)
    assert other.get("/apply/").status_code == 200  # optional for applicants


def test_admin_resets_lost_second_factor_audited(app, db, client, auth):
    admin, lost = UserFactory(), UserFactory()
    db.session.commit()
    owner = app.test_client()
    Auth(owner).login(lost.email)
    _enrol(owner)
    auth.login(admin.email)
    page = f"/admin/users/{lost.id}"
    assert post_form(client, f"{page}/two-factor/reset", page=page).status_code == 302
    db.session.refresh(lost)
    assert lost.totp_secret is None
    assert owner.get("/admin/").status_code == 302  # their sessions ended
    assert Auth(app.test_client()).login(lost.email).headers["Location"] != "/login/two-factor"
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.two_factor_reset")
    )
    assert event.actor_id == admin.id and event.object_id == lost.id


def test_admin_changes_applicant_state_audited(db, client, auth):
    admin = UserFactory()
    applicant = UserFactory(applicant=True)
    target = StateFactory()
    db.session.commit()
    auth.login(admin.email)
    page = f"/admin/users/{applicant.id}"
    assert post_form(client, f"{page}/state", {"state_id": target.id}, page=page).status_code == 302
    db.session.refresh(applicant)
    assert applicant.state_id == target.id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.change_state"))


def test_unknown_state_is_refused_at_the_field_on_the_users_page(db, client, auth):
    """Issue 23: the form is posted from the user's page, and its errors come back there."""
    admin = UserFactory()
    applicant = UserFactory(applicant=True)
    before = applicant.state_id
    db.session.commit()
    auth.login(admin.email)
    page = f"/admin/users/{applicant.id}"
    response = post_form(client, f"{page}/state", {"state_id": "zzz"}, page=page)
    assert response.status_code == 302 and response.headers["Location"] == page
    body = client.get(page).get_data(as_text=True)
    assert 'id="state_id-error"' in body
    assert 'href="#state_id"' in body  # linked from the error summary
    db.session.refresh(applicant)
    assert applicant.state_id == before


def test_profile_refused_keeps_what_was_typed_on_the_account_page(db, client, auth):
    user = UserFactory()
    db.session.commit()
    auth.login(user.email)
    response = post_form(client, "/account/profile", {"name": "", "locale": "zz"}, page="/account/")
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    body = client.get("/account/").get_data(as_text=True)
    assert 'id="name-error"' in body and 'id="locale-error"' in body
    assert 'class="error-summary" role="alert"' in body
    # Shown once: the page opened again is clean.
    assert 'id="name-error"' not in client.get("/account/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.DONOR, Role.ADMINISTRATOR])
def test_account_page_opens_for_every_role(db, client, auth, role):
    traits = {Role.APPLICANT: {"applicant": True}, Role.DONOR: {"donor_rep": True}}
    user = UserFactory(**traits.get(role, {}))
    db.session.commit()
    auth.login(user.email)
    body = client.get("/account/").get_data(as_text=True)
    assert user.email in body and "Two-factor sign-in" in body


@pytest.mark.parametrize("path", ["/login/forgot", "/login/two-factor"])
def test_forgot_and_second_factor_are_rate_limited(database_url, db, path):
    from sponsorship import create_app
    from tests.conftest import make_config

    config = make_config(database_url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    client = create_app(config).test_client()
    data = {"email": "x@example.org", "code": "123456"}
    codes = [post_form(client, path, data, page="/login").status_code for _ in range(3)]
    assert codes[-1] == 429 and 429 not in codes[:-1]
