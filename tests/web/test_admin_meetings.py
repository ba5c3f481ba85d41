"""Meeting and State administration through the real forms."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from sponsorship.models import Meeting, State
from tests.conftest import post_form
from tests.factories import ApplicationFactory, MeetingFactory, UserFactory


@pytest.fixture
def admin(db, auth):
    user = UserFactory()
    db.session.commit()
    auth.login(user.email)
    return user


MEETING = {
    "kind": "msp",
    "number": "23",
    "title": "Twenty-Third Meeting of the States Parties",
    "venue": "Palais des Nations",
    "city": "Geneva",
    "starts_on": "2027-11-29",
    "ends_on": "2027-12-03",
    "applications_open_on": "2027-08-01",
    "applications_close_on": "2027-09-30",
    "offer_response_days": "14",
    "dsa_rate": "412.00",
    "dsa_currency": "CHF",
    "terminal_expenses": "200.00",
    "delegate_cap": "2",
    "report_due_days": "30",
    "sessions-0-title": "Opening",
    "sessions-0-theme": "general",
    "sessions-0-held_on": "2027-11-29",
    "sessions-1-title": "",
    "sessions-1-theme": "general",
    "sessions-1-held_on": "",
}


def test_new_meeting_form_creates_meeting_with_sessions(client, db, admin):
    page = client.get("/admin/meetings/new")
    assert page.status_code == 200
    assert 'name="sessions-1-title"' in page.get_data(as_text=True)
    response = post_form(client, "/admin/meetings/new", MEETING, page="/admin/meetings/new")
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting).where(Meeting.number == 23))
    assert meeting.title == MEETING["title"]
    assert [s.title for s in meeting.sessions] == ["Opening"]
    assert meeting.window_open is False


def test_new_meeting_inconsistent_dates_keeps_input_and_says_why(client, db, admin):
    data = {**MEETING, "ends_on": "2027-11-01"}
    response = post_form(client, "/admin/meetings/new", data, page="/admin/meetings/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "cannot end before it starts" in html
    assert 'value="Twenty-Third Meeting of the States Parties"' in html


def test_new_meeting_session_without_date_is_marked(client, db, admin):
    data = {**MEETING, "sessions-0-held_on": ""}
    response = post_form(client, "/admin/meetings/new", data, page="/admin/meetings/new")
    assert response.status_code == 422
    assert "Give the session&#39;s date." in response.get_data(as_text=True)


def test_edit_meeting_renames_and_removes_session(client, db, admin):
    meeting = MeetingFactory(window_open=False)
    db.session.commit()
    session = meeting.sessions[0]
    path = f"/admin/meetings/{meeting.id}/edit"
    html = client.get(path).get_data(as_text=True)
    assert f'value="{session.id}"' in html
    data = {
        **MEETING,
        "title": "Renamed",
        "starts_on": meeting.starts_on.isoformat(),
        "ends_on": meeting.ends_on.isoformat(),
        "applications_open_on": meeting.applications_open_on.isoformat(),
        "applications_close_on": meeting.applications_close_on.isoformat(),
        "sessions-0-id": str(session.id),
        "sessions-0-title": session.title,
        "sessions-0-theme": session.theme.value,
        "sessions-0-held_on": session.held_on.isoformat(),
        "sessions-0-remove": "y",
    }
    response = post_form(client, path, data, page=path)
    assert response.status_code == 302
    db.session.expire_all()
    assert meeting.title == "Renamed"
    assert meeting.sessions == []


def test_edit_unknown_meeting_is_404(client, db, admin):
    assert client.get("/admin/meetings/999999/edit").status_code == 404


def test_window_button_opens_and_closes(client, db, admin):
    meeting = MeetingFactory(window_open=False)
    db.session.commit()
    path = f"/admin/meetings/{meeting.id}/window"
    assert post_form(client, path, {"open": "1"}, page="/admin/meetings/").status_code == 302
    db.session.expire_all()
    assert meeting.window_open is True
    response = post_form(
        client, path, {"open": "0"}, page="/admin/meetings/", follow_redirects=True
    )
    assert "are closed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert meeting.window_open is False


def test_window_bad_value_is_400(client, db, admin):
    meeting = MeetingFactory()
    db.session.commit()
    response = post_form(
        client, f"/admin/meetings/{meeting.id}/window", {"open": "maybe"}, page="/admin/meetings/"
    )
    assert response.status_code == 400


def test_meetings_list_counts_applications(client, db, admin):
    meeting = MeetingFactory(title="Counted meeting")
    ApplicationFactory(meeting=meeting)
    db.session.commit()
    html = client.get("/admin/meetings/").get_data(as_text=True)
    assert "Counted meeting" in html
    assert "Open the window" not in html or "Close the window" in html


def test_states_list_filters_by_name_and_region(client, db, admin):
    html = client.get("/admin/states/?q=chad").get_data(as_text=True)
    assert "Chad" in html and "Colombia" not in html
    html = client.get("/admin/states/?region=asia_pacific").get_data(as_text=True)
    assert "Cambodia" in html and "Chad" not in html


def test_state_edit_saves_obligations(client, db, admin):
    path = "/admin/states/TCD"
    state = db.session.scalar(select(State).where(State.iso3 == "TCD"))
    data = {
        "convention_status": "state_party",
        "entry_into_force": state.entry_into_force.isoformat(),
        "article5_deadline": "2027-12-31",
        "article5_extension_pending": "y",
        "ldc": "y",
        "oda_eligible": "y",
        "mission_address": "Mission permanente du Tchad, Genève",
    }
    response = post_form(client, path, data, page=path)
    assert response.status_code == 302
    db.session.expire_all()
    assert state.article5_deadline == date(2027, 12, 31)
    assert state.article5_extension_pending is True
    assert state.significant_survivors is False
    assert state.mission_address == "Mission permanente du Tchad, Genève"


def test_state_edit_inconsistent_is_refused_with_message(client, db, admin):
    path = "/admin/states/TCD"
    response = post_form(
        client, path, {"convention_status": "state_party", "entry_into_force": ""}, page=path
    )
    assert response.status_code == 422
    assert "entry-into-force" in response.get_data(as_text=True)


def test_state_unknown_is_404(client, db, admin):
    assert client.get("/admin/states/QQQ").status_code == 404


def test_signatory_saved_is_printed_in_the_letter_language(app, db, client, admin):
    from sponsorship.documents import letters
    from sponsorship.models import Signatory

    assert client.get("/admin/meetings/signatory").status_code == 200
    response = post_form(
        client,
        "/admin/meetings/signatory",
        page="/admin/meetings/signatory",
        data={
            "name": "Ana Pérez",
            "title": "Director, Implementation Support Unit",
            "title_fr": "Directrice, Unité d'appui à l'application",
            "title_es": "",
        },
    )
    assert response.status_code == 302
    row = db.session.get(Signatory, 1)
    assert row.missing_languages() == ["es"]
    with app.test_request_context("/"):
        db.session.expire_all()
        assert letters.signature("fr")["signatory_title"].startswith("Directrice")
        assert letters.signature("es")["signatory_title"] == "Director, Implementation Support Unit"
    again = client.get("/admin/meetings/signatory").get_data(as_text=True)
    assert 'id="missing-languages"' in again


def test_meeting_names_in_french_shown_to_french_reader(app, db, client, admin):
    data = {**MEETING, "title_fr": "Vingt-deuxième Assemblée", "city_fr": "Genève"}
    assert (
        post_form(client, "/admin/meetings/new", data, page="/admin/meetings/new").status_code
        == 302
    )
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == MEETING["title"]))
    assert meeting.title_fr == "Vingt-deuxième Assemblée"
    assert meeting.missing_languages() == ["fr", "es"]  # French venue and all Spanish empty
    index = client.get("/admin/meetings/").get_data(as_text=True)
    assert "missing-languages" in index
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert meeting.local_title == "Vingt-deuxième Assemblée"
        assert meeting.local_venue == meeting.venue


def test_meeting_with_an_untranslated_session_shows_the_gap(db, client, admin):
    """Issue 18: gaps are seen in the admin pages, the sessions' as well as the meeting's."""
    names = {
        "title_fr": "Vingt-troisième Assemblée des États parties",
        "title_es": "Vigésima Tercera Reunión de los Estados Partes",
        "venue_fr": "Palais des Nations",
        "venue_es": "Palacio de las Naciones",
        "city_fr": "Genève",
        "city_es": "Ginebra",
        "sessions-0-title_fr": "Ouverture",
    }
    data = {**MEETING, **names}
    assert (
        post_form(client, "/admin/meetings/new", data, page="/admin/meetings/new").status_code
        == 302
    )
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == MEETING["title"]))
    assert meeting.missing_languages() == []
    assert meeting.missing_languages_with_sessions() == ["es"]
    index = client.get("/admin/meetings/").get_data(as_text=True)
    assert "missing-languages" in index
    edit = client.get(f"/admin/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert 'id="missing-languages"' in edit
