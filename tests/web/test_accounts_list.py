"""The administrators' list of accounts: one page at a time, searched and filtered by
plain GET links (no JavaScript), each page a fixed number of statements."""

from __future__ import annotations

import re

from sponsorship.accounts import directory
from sponsorship.models import Role
from tests.factories import StateFactory, UserFactory


def _emails(response) -> list[str]:
    return re.findall(r'/admin/users/\d+">([^<]+)</a>', response.get_data(as_text=True))


def _many(db, n: int, start: int = 0) -> None:
    state = StateFactory()
    for i in range(start, start + n):
        UserFactory(applicant=True, state=state, email=f"person{i:03d}@example.org")
    db.session.commit()


def test_users_list_pages_through_every_account_once(client, auth, db, monkeypatch):
    monkeypatch.setattr(directory, "PER_PAGE", 7)
    admin = UserFactory(role=Role.ADMINISTRATOR)
    _many(db, 16)
    auth.login(admin.email)
    first = client.get("/admin/users")
    body = first.get_data(as_text=True)
    assert "Page 1 of 3" in body and 'rel="next"' in body and 'rel="prev"' not in body
    seen = []
    for page in (1, 2, 3):
        seen += _emails(client.get(f"/admin/users?page={page}"))
    assert len(seen) == len(set(seen)) == 17
    last = client.get("/admin/users?page=99").get_data(as_text=True)  # clamped, not an error
    assert "Page 3 of 3" in last and 'rel="next"' not in last


def test_users_list_search_and_role_filter_carry_into_page_links(client, auth, db, monkeypatch):
    monkeypatch.setattr(directory, "PER_PAGE", 5)
    admin = UserFactory(role=Role.ADMINISTRATOR, email="boss@example.org")
    _many(db, 12)
    auth.login(admin.email)
    response = client.get("/admin/users?q=PERSON01&role=applicant")
    assert _emails(response) == [f"person{i:03d}@example.org" for i in range(10, 12)]
    assert "2 accounts match." in response.get_data(as_text=True)
    paged = client.get("/admin/users?q=person&role=applicant").get_data(as_text=True)
    assert 'href="/admin/users?page=2&amp;q=person&amp;role=applicant"' in paged
    assert _emails(client.get("/admin/users?role=administrator")) == ["boss@example.org"]
    assert _emails(client.get("/admin/users?q=100%25")) == []  # a wildcard is a character
    assert client.get("/admin/users?role=nonsense&page=x").status_code == 200


def test_users_list_statements_do_not_grow_with_accounts(client, auth, db, count_queries):
    admin = UserFactory(role=Role.ADMINISTRATOR)
    auth.login(admin.email)
    counts = []
    for start, n in ((0, 3), (3, 120)):
        _many(db, n, start)
        client.get("/admin/users").close()
        with count_queries() as counted:
            response = client.get("/admin/users")
        assert response.status_code == 200
        counts.append(counted.count)
    assert counts[0] == counts[1] <= 12
    assert len(_emails(response)) == directory.PER_PAGE
