"""The administrators' people pages: list, search, a person's participations, merge
and split through the forms."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sponsorship.models import Person
from tests.conftest import csrf_token
from tests.factories import DelegateFactory, UserFactory


@pytest.fixture
def two_records(db, auth):
    user = UserFactory()
    kept, other = Person(name="Amina Yusuf"), Person(name="Amina Yusuf (2009)")
    db.session.add_all([kept, other])
    first = DelegateFactory(person=kept, name="Amina Yusuf")
    DelegateFactory(person=other, name="Amina Yusuf")
    db.session.commit()
    auth.login(user.email)
    return kept, other, first


def test_list_searches_people_by_name(client, two_records):
    page = client.get("/admin/people/?q=yusuf (2009")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Amina Yusuf (2009)" in text and f'/admin/people/{two_records[0].id}"' not in text


def test_search_with_control_characters_drops_them(client, two_records):
    """Rule: no input makes a 5xx (PostgreSQL's text refuses a NUL)."""
    page = client.get("/admin/people/?q=yu%00suf (2009")
    assert page.status_code == 200
    assert "Amina Yusuf (2009)" in page.get_data(as_text=True)


def test_merge_then_split_through_the_forms(client, db, two_records):
    kept, other, first = two_records
    kept_id, other_id = kept.id, other.id
    url = f"/admin/people/{kept_id}"
    response = client.post(
        f"{url}/merge", data={"csrf_token": csrf_token(client, url), "other": other_id}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, other_id) is None
    assert len(db.session.get(Person, kept_id).delegates) == 2
    response = client.post(f"{url}/split/{first.id}", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Person.id).where(Person.id != kept_id)) is not None


def test_merge_with_an_unknown_record_says_why(client, two_records):
    url = f"/admin/people/{two_records[0].id}"
    response = client.post(
        f"{url}/merge", data={"csrf_token": csrf_token(client, url), "other": 999999}
    )
    assert response.status_code == 422
    assert "No such person." in response.get_data(as_text=True)
