"""Rendered pages served again: only while nothing was committed, only to their reader."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest

from sponsorship.models import ApplicationStatus
from sponsorship.web import page_cache
from sponsorship.web.page_cache import PageCache, _Entry
from tests.conftest import CSRF_RE, Auth
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    DelegateFactory,
    MeetingFactory,
    UserFactory,
)


@pytest.fixture
def applicant(db, auth):
    user = UserFactory(applicant=True, state__name="Cacheland")
    db.session.commit()
    auth.login(user.email)
    return user


def get(client, path="/apply/", **kwargs) -> str:
    response = client.get(path, **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_page_served_again_reads_only_data_stamp(client, applicant, count_queries):
    get(client)
    with count_queries() as rendering:
        get(client, "/apply/?again")
    with count_queries() as served:
        body = get(client, "/apply/?again")
    assert "Cacheland" in body
    # The data version alone (the signed-in user is a kept copy, web/signed_in.py):
    # nothing of what the page shows.
    assert served.count == 1, served.statements
    assert "data_version" in served.statements[0]
    assert rendering.count > served.count


def test_page_after_committed_change_shows_new_data(db, client, applicant):
    assert "Cacheland" in get(client)
    applicant.state.name = "Renamedland"
    db.session.commit()
    body = get(client)
    assert "Renamedland" in body
    assert "Cacheland" not in body


def test_page_not_served_to_another_user(db, client, applicant, auth):
    assert "Cacheland" in get(client)
    auth.logout()
    other = UserFactory(applicant=True, state__name="Otherland")
    db.session.commit()
    auth.login(other.email)
    body = get(client)
    assert "Otherland" in body
    assert "Cacheland" not in body


def test_page_follows_reader_language(client, applicant):
    assert '<html lang="en">' in get(client, headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in get(client, headers={"Accept-Language": "fr"})
    assert '<html lang="es">' in get(client, headers={"Accept-Language": "es"})


def test_served_page_carries_csrf_token_of_its_own_session(
    app, db, client, applicant, count_queries
):
    other = app.test_client()
    Auth(other).login(applicant.email, PASSWORD)
    get(other)  # any message of signing in is shown now, not later
    get(client)
    applicant.state.name = "Renamedland"
    db.session.commit()
    first = CSRF_RE.search(get(client)).group(1)  # rendered in the first session, kept
    with count_queries() as served:
        page = get(other)
    assert served.count == 1  # the kept page, not a new rendering
    token = CSRF_RE.search(page).group(1)
    assert token != first
    # The token works in that session: signing out with it is accepted, not a 400.
    assert other.post("/logout", data={"csrf_token": token}).status_code == 302
    assert other.get("/apply/").status_code == 302  # signed out: off to the login page
    # Signing out ends every session of the account, the first browser's too.
    assert client.get("/apply/").status_code == 302


def test_flashed_message_shown_once_then_page_served_again(client, applicant):
    get(client)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved the nomination")]
    assert "Saved the nomination" in get(client)
    assert "Saved the nomination" not in get(client)


def test_page_of_another_day_rendered_again(client, applicant, count_queries, monkeypatch):
    get(client)
    with count_queries() as served:
        get(client)

    class Tomorrow(date):
        @classmethod
        def today(cls):
            return date.today() + timedelta(days=1)

    monkeypatch.setattr(page_cache, "date", Tomorrow)
    with count_queries() as next_day:
        get(client)
    assert next_day.count > served.count


def test_queue_after_new_application_lists_it(db, client, auth):
    admin = UserFactory()
    meeting = MeetingFactory()
    db.session.commit()
    auth.login(admin.email)
    get(client, "/admin/review/")
    application = ApplicationFactory(
        meeting=meeting, state__name="Latecomerland", status=ApplicationStatus.SUBMITTED
    )
    DelegateFactory(application=application)
    db.session.commit()
    assert "Latecomerland" in get(client, "/admin/review/")


def test_disabled_cache_renders_every_time(app, client, applicant, count_queries, monkeypatch):
    monkeypatch.setitem(app.extensions, "page_cache", None)
    get(client)
    with count_queries() as again:
        get(client)
    assert again.count > 1


def test_full_cache_forgets_least_recently_used_page():
    cache = PageCache(2)
    entry = _Entry(date.today(), b"page", (b"page",))
    cache.put(("a",), "stamp", entry)
    cache.put(("b",), "stamp", entry)
    cache.get(("a",), "stamp")
    cache.put(("c",), "stamp", entry)
    assert cache.get(("b",), "stamp") is None
    assert cache.get(("a",), "stamp") is entry
    assert cache.get(("c",), "stamp") is entry
    assert len(cache) == 2


def test_single_flight_lets_one_thread_render_a_page_at_a_time():
    cache = PageCache(2)
    trace: list[str] = []

    def render(name: str) -> None:
        with cache.single_flight(("same page",)):
            trace.append(f"{name} starts")
            time.sleep(0.05)
            trace.append(f"{name} ends")

    threads = [threading.Thread(target=render, args=(n,)) for n in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(
        trace[i].replace("starts", "ends") == trace[i + 1] for i in range(0, len(trace), 2)
    ), trace
    assert cache._flights == {}
