"""Signing in and out, safe redirects, rate limits, invitations, headers and cookies."""

from datetime import timedelta

import pytest

from sponsorship.accounts import services as accounts
from sponsorship.models import Role
from tests.conftest import make_config, post_form
from tests.factories import PASSWORD, StateFactory, UserFactory


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.ADMINISTRATOR, "/admin/"),
        (Role.APPLICANT, "/apply/"),
        (Role.DONOR, "/donor/"),
    ],
)
def test_login_each_role_lands_on_its_dashboard(db, client, auth, role, landing):
    traits = {Role.APPLICANT: {"applicant": True}, Role.DONOR: {"donor_rep": True}}
    user = UserFactory(**traits.get(role, {}))
    db.session.commit()
    response = auth.login(user.email)
    assert response.status_code == 302
    home = client.get(response.headers["Location"])
    assert home.headers["Location"] == landing
    assert client.get(landing).status_code == 200


def test_login_wrong_password_shows_error_and_keeps_email(db, client, auth):
    user = UserFactory()
    db.session.commit()
    response = auth.login(user.email, "not the password")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The e-mail address or password is not correct." in body
    assert f'value="{user.email}"' in body


def test_login_fields_are_named_email_and_password(client):
    body = client.get("/login").get_data(as_text=True)
    assert 'name="email"' in body and 'name="password"' in body


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/\tevil.example",
    ],
)
def test_login_next_offsite_redirects_home(db, client, target):
    user = UserFactory()
    db.session.commit()
    response = post_form(
        client, "/login", {"email": user.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_next_local_path_is_followed(db, client):
    user = UserFactory()
    db.session.commit()
    response = post_form(
        client, "/login", {"email": user.email, "password": PASSWORD, "next": "/admin/users"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/admin/users"


def test_logout_ends_session(db, client, auth):
    user = UserFactory()
    db.session.commit()
    auth.login(user.email)
    assert auth.logout().status_code == 302
    assert client.get("/admin/").status_code == 302


def test_login_rate_limit_answers_429(database_url, db):
    app = make_config(database_url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    from sponsorship import create_app

    client = create_app(app).test_client()
    codes = [
        post_form(client, "/login", {"email": "x@example.org", "password": "nope"}).status_code
        for _ in range(4)
    ]
    assert codes == [422, 422, 422, 429]
    # Only the login form pays for the limit: no check runs before every request.
    limiter = client.application.extensions["sponsorship.limiter"]
    assert limiter._check_request_limit not in client.application.before_request_funcs[None]


def test_accept_invitation_through_the_form_signs_in(db, client):
    admin = UserFactory()
    _user, token = accounts.invite(
        admin,
        timedelta(hours=2),
        email="inv@example.org",
        name="Invited",
        role=Role.APPLICANT,
        state=StateFactory(),
    )
    page = f"/invite/{token}"
    mismatch = post_form(
        client, page, {"password": "long enough pw", "confirm": "different!!"}, page=page
    )
    assert "The passwords differ." in mismatch.get_data(as_text=True)
    done = post_form(
        client, page, {"password": "long enough pw", "confirm": "long enough pw"}, page=page
    )
    assert done.status_code == 302
    assert client.get("/apply/").status_code == 200
    assert client.get(page).status_code == 404


def test_admin_invite_form_shows_single_use_link(db, client, auth):
    admin = UserFactory()
    state = StateFactory()
    db.session.commit()
    auth.login(admin.email)
    response = post_form(
        client,
        "/admin/users",
        {
            "email": "rep@example.org",
            "name": "Rep",
            "role": "applicant",
            "state_id": state.id,
            "donor_id": 0,
            "locale": "fr",
        },
        page="/admin/users",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "/invite/" in body
    assert "rep@example.org" in body


def test_admin_invite_applicant_without_state_shows_error(db, client, auth):
    admin = UserFactory()
    db.session.commit()
    auth.login(admin.email)
    response = post_form(
        client,
        "/admin/users",
        {
            "email": "rep2@example.org",
            "name": "Rep",
            "role": "applicant",
            "state_id": 0,
            "donor_id": 0,
            "locale": "en",
        },
        page="/admin/users",
    )
    assert "must be bound to a State" in response.get_data(as_text=True)
    assert "/invite/" not in response.get_data(as_text=True)


def test_every_response_has_security_headers(client):
    for path in ("/", "/login", "/healthz", "/nowhere"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_samesite(db, client, auth):
    user = UserFactory()
    db.session.commit()
    response = auth.login(user.email)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_templates_hold_no_inline_script():
    from pathlib import Path

    for template in Path("templates").rglob("*.html"):
        text = template.read_text()
        assert "<script>" not in text and " onclick=" not in text, template
