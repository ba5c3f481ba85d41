"""Pages render for their users; health, errors and the language switch."""

from decimal import Decimal

from tests.conftest import post_form
from tests.factories import ContributionFactory, MeetingFactory, UserFactory


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "queue": "embedded"}


def test_unknown_page_shows_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_applicant_dashboard_lists_open_meeting(db, client, auth):
    user = UserFactory(applicant=True)
    MeetingFactory(title="Intersessional <Test>")
    MeetingFactory(title="Closed meeting", window_open=False)
    db.session.commit()
    auth.login(user.email)
    body = client.get("/apply/").get_data(as_text=True)
    assert "Intersessional &lt;Test&gt;" in body
    assert "Closed meeting" not in body
    assert user.state.name in body


def test_donor_dashboard_shows_only_own_contributions(db, client, auth):
    user = UserFactory(donor_rep=True)
    ContributionFactory(donor=user.donor, reference="MINE-1")
    ContributionFactory(reference="THEIRS-1")
    db.session.commit()
    auth.login(user.email)
    body = client.get("/donor/").get_data(as_text=True)
    assert "MINE-1" in body and "THEIRS-1" not in body


def test_admin_dashboard_shows_fund_totals(db, client, auth):
    user = UserFactory()
    ContributionFactory(amount=Decimal("1234.50"), committed=Decimal("234.50"))
    db.session.commit()
    auth.login(user.email)
    body = client.get("/admin/").get_data(as_text=True)
    assert "1,234.50" in body and "1,000.00" in body


def test_switch_language_to_french_sets_lang(db, client):
    response = post_form(client, "/language", {"lang": "fr", "next": "/login"})
    assert response.headers["Location"] == "/login"
    assert '<html lang="fr">' in client.get("/login").get_data(as_text=True)


def test_switch_language_offsite_next_goes_home(db, client):
    response = post_form(client, "/language", {"lang": "es", "next": "//evil.example"})
    assert response.headers["Location"] == "/"


def test_accept_language_header_chooses_spanish(client):
    body = client.get("/login", headers={"Accept-Language": "es-ES,es;q=0.9"}).get_data(
        as_text=True
    )
    assert '<html lang="es">' in body


def test_signed_in_user_language_choice_is_saved(db, client, auth):
    user = UserFactory()
    db.session.commit()
    auth.login(user.email)
    post_form(client, "/language", {"lang": "es", "next": "/admin/"}, page="/admin/")
    db.session.refresh(user)
    assert user.locale == "es"
