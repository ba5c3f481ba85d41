"""Every route x every role has an expected outcome.

The matrix is checked against `app.url_map`: a new route (or a new method on a
route) without an entry here fails `test_matrix_covers_every_route`, so nobody
can add a page without deciding who may open it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from sponsorship.models import Role
from sponsorship.services import accounts
from tests.factories import StateFactory, UserFactory

ROLES = ("anonymous", "applicant", "other_applicant", "administrator", "donor")

OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
LOGIN = "login"  # a redirect to the login page


def everyone(code):
    return dict.fromkeys(ROLES, code)


def signed_in_only(code):
    return {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], code)}


def only(*roles, code=OK):
    return {
        "anonymous": LOGIN,
        **{
            r: (
                code
                if r in roles or (r == "other_applicant" and "applicant" in roles)
                else FORBIDDEN
            )
            for r in ROLES[1:]
        },
    }


@dataclass(frozen=True)
class Case:
    path: str
    expected: dict
    data: dict | None = None


#: (endpoint, method) -> Case. Paths may use {invite} (a live invitation token).
MATRIX: dict[tuple[str, str], Case] = {
    ("static", "GET"): Case("/static/img/logo.svg", everyone(OK)),
    ("main.home", "GET"): Case("/", {"anonymous": OK, **dict.fromkeys(ROLES[1:], REDIRECT)}),
    ("main.healthz", "GET"): Case("/healthz", everyone(OK)),
    ("main.set_language", "POST"): Case("/language", everyone(REDIRECT), {"lang": "fr"}),
    ("auth.login", "GET"): Case("/login", {"anonymous": OK, **dict.fromkeys(ROLES[1:], REDIRECT)}),
    ("auth.login", "POST"): Case(
        "/login", everyone(422), {"email": "x@example.org", "password": "wrong password"}
    ),
    ("auth.logout", "POST"): Case("/logout", signed_in_only(REDIRECT)),
    ("auth.accept_invitation", "GET"): Case("/invite/{invite}", everyone(OK)),
    ("auth.accept_invitation", "POST"): Case(
        "/invite/{invite}", everyone(OK), {"password": "short"}
    ),
    ("applicant.dashboard", "GET"): Case("/apply/", only("applicant")),
    ("admin.dashboard", "GET"): Case("/admin/", only("administrator")),
    ("admin.users", "GET"): Case("/admin/users", only("administrator")),
    ("admin.users", "POST"): Case("/admin/users", only("administrator"), {"email": "bad"}),
    ("donor.dashboard", "GET"): Case("/donor/", only("donor")),
}


def _routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_matrix_covers_every_route(app):
    routes = _routes(app)
    assert routes - MATRIX.keys() == set(), "routes without an authorization entry"
    assert MATRIX.keys() - routes == set(), "entries for routes that no longer exist"


@pytest.fixture
def people(db):
    state = StateFactory()
    users = {
        "applicant": UserFactory(role=Role.APPLICANT, state=state),
        "other_applicant": UserFactory(applicant=True),
        "administrator": UserFactory(),
        "donor": UserFactory(donor_rep=True),
    }
    _user, token = accounts.invite(
        users["administrator"],
        timedelta(hours=1),
        email="invited@example.org",
        name="Invited",
        role=Role.ADMINISTRATOR,
    )
    db.session.commit()
    return users, token


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]}:{r[1]}")
def test_route_answers_role_as_expected(app, client, auth, people, monkeypatch, route, role):
    users, token = people
    case = MATRIX[route]
    if role != "anonymous":
        auth.login(users[role].email)
    # CSRF has its own test; here a request without a token must reach the view.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    path = case.path.format(invite=token)
    response = client.open(path, method=route[1], data=case.data or {})
    response.close()  # static files stream from an open file
    expected = case.expected[role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]
