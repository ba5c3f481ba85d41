"""The signed-in user from a kept copy of their row: only while nothing was committed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from sponsorship.models import Role, data_version
from sponsorship.web.signed_in import SignedInUsers
from tests.factories import DonorFactory, UserFactory


@pytest.fixture
def admin(db, auth):
    user = UserFactory(name="Ada Admin")
    db.session.commit()
    auth.login(user.email)
    return user


def _user_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if "WHERE users.id =" in s]


def test_second_request_reads_stamp_not_user(client, admin, count_queries):
    assert client.get("/admin/").status_code == 200
    with count_queries() as counter:
        assert client.get("/admin/").status_code == 200
    assert _user_reads(counter.statements) == []
    assert any("data_version" in s for s in counter.statements)


def test_request_after_write_reads_user_again(db, client, admin, count_queries):
    assert client.get("/admin/").status_code == 200
    admin.name = "Ada Renamed"
    db.session.commit()
    with count_queries() as counter:
        assert client.get("/admin/").status_code == 200
    assert len(_user_reads(counter.statements)) == 1


def test_role_change_applies_on_next_request(db, client, admin):
    assert client.get("/admin/").status_code == 200
    donor = DonorFactory()
    db.session.flush()
    admin.role, admin.donor = Role.DONOR, donor
    db.session.commit()
    assert client.get("/admin/").status_code == 403


def test_deactivated_user_signed_out_on_next_request(db, client, admin):
    assert client.get("/admin/").status_code == 200
    admin.active = False
    db.session.commit()
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_kept_copy_gives_session_instance_with_lazy_relationships(app, db, count_queries):
    user = UserFactory(applicant=True, state__name="Copyland")
    db.session.commit()
    users = SignedInUsers(4, reader=None)
    users.keep(user.id, "stamp-a", user)
    db.session.expunge_all()
    assert users.get(db.session, user.id, "stamp-b") is None
    copy = users.get(db.session, user.id, "stamp-a")
    assert copy is not None and copy in db.session
    assert copy.role is Role.APPLICANT
    with count_queries() as counter:
        assert copy.state.name == "Copyland"
    # The State alone: the copy's own columns are loaded, not expired.
    assert len(counter.statements) == 1 and "FROM states" in counter.statements[0]
    # Changing this session's instance leaves the shared copy alone.
    copy.name = "Changed here"
    db.session.expunge_all()
    assert users.get(db.session, user.id, "stamp-a").name == user.name


def test_kept_copies_bounded(db):
    people = UserFactory.create_batch(3)
    db.session.flush()
    users = SignedInUsers(2, reader=None)
    for person in people:
        users.keep(person.id, "s", person)
    assert len(users) == 2
    assert users.get(db.session, people[0].id, "s") is None


def test_stamp_reader_reads_last_commit_outside_session(app, db):
    with app.app_context():
        engine = db.engine
        reader = data_version.StampReader(engine)
        try:
            with engine.connect() as conn:
                committed = conn.execute(
                    sa.text("SELECT stamp FROM data_version WHERE id = 1")
                ).scalar()
            with Session(bind=engine) as session:
                assert reader.read(session) == committed
        finally:
            reader.dispose()


def test_stamp_reader_answers_none_when_database_unreachable(app, db, tmp_path):
    url = (
        "postgresql+psycopg://postgres@127.0.0.1:1/none"
        if db.engine.dialect.name == "postgresql"
        else f"sqlite:///{tmp_path / 'missing' / 'none.db'}"
    )
    engine = sa.create_engine(url)
    reader = data_version.StampReader(engine)
    try:
        with Session(bind=engine) as session:
            assert reader.read(session) is None
    finally:
        reader.dispose()
        engine.dispose()


def test_stamp_reader_recovers_after_connection_killed(app, db):
    engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("a server connection to kill: PostgreSQL")
    reader = data_version.StampReader(engine)
    try:
        with Session(bind=engine) as session:
            assert reader.read(session) is not None
            with engine.connect() as conn:
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE query = 'SELECT stamp FROM data_version WHERE id = 1'"
                        " AND pid <> pg_backend_pid()"
                    )
                )
            assert reader.read(session) is None  # the dead connection is dropped...
            assert reader.read(session) is not None  # ...and a new one answers
    finally:
        reader.dispose()


def test_each_session_gets_its_own_user(db, client, auth):
    first, second = UserFactory(), UserFactory()
    db.session.commit()
    auth.login(first.email)
    assert first.email in client.get("/admin/").get_data(as_text=True)
    auth.logout()
    auth.login(second.email)
    for _ in range(2):  # read, then from the kept copy
        page = client.get("/admin/").get_data(as_text=True)
        assert second.email in page
        assert first.email not in page


def test_email_change_shown_on_next_request(db, client, admin):
    assert admin.email in client.get("/admin/").get_data(as_text=True)
    admin.email = "renamed@example.org"
    db.session.commit()
    assert "renamed@example.org" in client.get("/admin/").get_data(as_text=True)
