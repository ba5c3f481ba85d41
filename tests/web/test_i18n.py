"""The reader's language: where it comes from, and what follows it (names, numbers)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask_babel import force_locale

from sponsorship.devdata import demo
from sponsorship.devdata.demo import DEMO_PASSWORD
from sponsorship.web.filters import language_name, percent
from sponsorship.web.i18n import sort_key
from tests.applicant_data import offered_award
from tests.factories import UserFactory


def test_saved_preference_beats_accept_language(db, client, auth):
    user = UserFactory(locale="es")
    db.session.commit()
    auth.login(user.email)
    body = client.get("/admin/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="es">' in body


def test_accept_language_region_variant_chooses_french(client):
    body = client.get("/login", headers={"Accept-Language": "fr-CA,fr;q=0.8"}).get_data(
        as_text=True
    )
    assert '<html lang="fr">' in body


def test_unsupported_language_falls_back_to_english(client):
    body = client.get("/login", headers={"Accept-Language": "de-CH"}).get_data(as_text=True)
    assert '<html lang="en">' in body


def test_language_switch_offered_on_error_pages(db, client):
    body = client.get("/no/such/page", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es">' in body
    assert 'name="lang" value="fr"' in body


def test_percent_written_per_locale(app):
    with app.test_request_context():
        with force_locale("en"):
            assert percent(Decimal("0.253"), 1) == "25.3%"
        with force_locale("fr"):
            assert percent(Decimal("0.5")) == "50\u00a0%"
        assert percent(None) == "—"


def test_language_name_in_reader_language(app):
    with app.test_request_context(), force_locale("es"):
        assert language_name("fr") == "francés"
        assert language_name("xx-not-a-locale") == "xx-not-a-locale"


def test_sort_key_files_accented_names_with_their_letter():
    names = ["Zimbabwe", "États-Unis", "Égypte", "Espagne"]
    assert sorted(names, key=sort_key) == ["Égypte", "Espagne", "États-Unis", "Zimbabwe"]


def test_nationality_list_in_spanish(db, client, auth):
    demo.seed_demo()
    db.session.commit()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    auth.login("applicant@demo.test", DEMO_PASSWORD)
    page = client.get("/apply/").get_data(as_text=True)
    href = page.split('href="/apply/meetings/', 1)[1].split('"', 1)[0]
    form = client.get(f"/apply/meetings/{href}").get_data(as_text=True)
    # pycountry's Spanish names, and the form's language preset to the reader's.
    assert '<option value="DEU">Alemania</option>' in form
    assert '<option selected value="es">' in form


def test_donor_report_labels_in_french(db, client, auth):
    demo.seed_demo()
    db.session.commit()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    auth.login("donor@demo.test", DEMO_PASSWORD)
    page = client.get("/donor/").get_data(as_text=True)
    breakdowns = client.get("/donor/breakdowns").get_data(as_text=True)
    # Codes from the report become words: the regional group, the gender, the State.
    assert "Groupe des États d&#39;Afrique" in breakdowns
    assert ">Femme<" in breakdowns
    for body in (page, breakdowns):
        assert ">african<" not in body and ">female<" not in body
    assert "Tchad" in page


def test_constant_label_after_french_reader_stays_english_for_english_reader(app, db, client, auth):
    """`"expired"|status_label` has a constant argument: Jinja must not fold it into
    the cached template in the language of whoever compiled the page first."""
    user = UserFactory(applicant=True, locale=None)
    award = offered_award(user.state, deadline=date.today() - timedelta(days=1))
    db.session.commit()
    auth.login(user.email)
    app.jinja_env.cache.clear()
    french = client.get(f"/apply/awards/{award.id}", headers={"Accept-Language": "fr"})
    assert "Offre expirée" in french.get_data(as_text=True)
    english = client.get(f"/apply/awards/{award.id}", headers={"Accept-Language": "en"})
    assert "Offer expired" in english.get_data(as_text=True)
