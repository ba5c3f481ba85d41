"""The documents of an award in the correspondence language, from offer to certificate,
each mailed through the outbox to the real SMTP test server."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sponsorship.documents import letters, series
from sponsorship.mail import outbox
from sponsorship.models import AwardStatus, Letter, LetterStatus
from sponsorship.models.awards import CostKind
from tests.applicant_data import offered_award
from tests.conftest import post_form
from tests.documents_text import english_left, flat, pdf_text
from tests.factories import AwardCostLineFactory, UserFactory
from tests.mailserver import SMTPServer


@pytest.fixture
def smtp(app, monkeypatch):
    with SMTPServer() as server:
        for key, value in server.config().items():
            monkeypatch.setitem(app.config, key, value)
        yield server


@pytest.fixture
def french_offer(db, applicant, admin):
    start = date.today() + timedelta(days=20)
    award = offered_award(applicant.state)
    application = award.delegate.application
    application.language = "fr"
    meeting = application.meeting
    meeting.starts_on, meeting.ends_on = start, start + timedelta(days=4)
    meeting.applications_open_on = start - timedelta(days=60)
    meeting.applications_close_on = start - timedelta(days=30)
    meeting.title_fr, meeting.city_fr = "Vingt-deuxième Assemblée des États parties", "Genève"
    meeting.venue_fr = "Palais des Nations"
    award.delegate.passport_number = "N0123456"
    for kind in (CostKind.AIRFARE, CostKind.DSA, CostKind.TERMINAL):
        AwardCostLineFactory(award=award, kind=kind, description="English note")
    db.session.commit()
    letters.issue(award, admin)
    return award


def _accept(client, award):
    meeting = award.delegate.application.meeting
    return post_form(
        client,
        f"/apply/awards/{award.id}/accept",
        {
            "departure_city": "N'Djamena",
            "travel_out_on": (meeting.starts_on - timedelta(days=1)).isoformat(),
            "travel_back_on": (meeting.ends_on + timedelta(days=1)).isoformat(),
        },
        page=f"/apply/awards/{award.id}",
    )


def test_french_applicant_gets_every_document_and_mail_in_french(
    app, db, signed_in, french_offer, smtp, auth
):
    award = french_offer
    assert _accept(signed_in, award).status_code == 302
    confirmation = letters.current_letter(award)
    assert confirmation.kind == "confirmation" and confirmation.language == "fr"
    assert db.session.get(Letter, confirmation.id - 1).status == LetterStatus.SUPERSEDED
    text = flat(pdf_text(confirmation.pdf))
    assert flat("Confirmation de parrainage") in text
    assert flat("Offre de parrainage") not in text  # no longer reads as an offer

    page = f"/apply/awards/{award.id}/documents"
    response = post_form(
        signed_in,
        page + "/visa",
        {
            "visa-passport_name": "ABAKAR Idriss",
            "visa-passport_number": "N0123456",
            "visa-passport_expiry": "2031-05-01",
            "visa-language": "fr",
        },
        page=page,
    )
    assert response.status_code == 302
    visa = letters.current_letter(award, "visa")
    assert flat("N0123456") in flat(pdf_text(visa.pdf))

    db.session.refresh(award)
    award.status = AwardStatus.ATTENDED
    db.session.commit()
    certificate = series.on_attended(award, None)

    for letter in (confirmation, visa, certificate):
        assert letter.language == "fr"
        assert english_left(letter.pdf, "fr") == [], letter.kind
        assert signed_in.get(f"/verify/{letter.verification_code}").status_code == 200

    result = outbox.deliver_due()
    assert result.sent == 3
    mails = smtp.inbox.wait_for(3)
    subjects = sorted(mail["Subject"] for mail in mails)
    assert [s.split(" ")[0] for s in subjects] == ["Attestation", "Lettre", "Parrainage"]
    for mail in mails:
        body = mail.get_body(("plain",)).get_content()
        assert "Madame, Monsieur" in body or "Chère" in body or "Cher" in body
        assert "Dear colleague" not in body
        assert f"/apply/awards/{award.id}/documents" in body
        attachments = list(mail.iter_attachments())
        assert len(attachments) == 1 and attachments[0].get_content_type() == "application/pdf"


def test_visa_letter_refused_before_acceptance(db, signed_in, french_offer):
    page = f"/apply/awards/{french_offer.id}/documents"
    assert "visa-form" not in signed_in.get(page).get_data(as_text=True)
    post_form(
        signed_in,
        page + "/visa",
        {
            "visa-passport_name": "X",
            "visa-passport_number": "1",
            "visa-passport_expiry": "2031-05-01",
            "visa-language": "fr",
        },
        page=page,
    )
    assert letters.current_letter(french_offer, "visa") is None


def test_correspondence_language_change_applies_to_next_document(db, signed_in, french_offer):
    page = f"/apply/awards/{french_offer.id}/documents"
    assert (
        post_form(signed_in, page + "/language", {"language": "es"}, page=page).status_code == 302
    )
    db.session.refresh(french_offer)
    assert french_offer.delegate.application.language == "es"
    assert letters.current_letter(french_offer).language == "fr"  # issued stays as issued
    assert _accept(signed_in, french_offer).status_code == 302
    assert letters.current_letter(french_offer).language == "es"


def test_admin_reissues_document_in_another_language(app, db, client, auth, french_offer):
    admin = UserFactory()
    db.session.commit()
    auth.login(admin.email)
    path = f"/admin/review/awards/{french_offer.id}/documents"
    response = post_form(client, path, {"kind": "offer", "language": "en"}, page="/admin/")
    assert response.status_code == 302
    current = letters.current_letter(french_offer)
    assert current.language == "en" and current.version == 2
    assert english_left(current.pdf, "fr")  # an English document, as asked
