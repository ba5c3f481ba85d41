"""A mail for every event an applicant must hear of, in the correspondence language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from sponsorship.core.transaction import unit_of_work
from sponsorship.core.workflow import transition
from sponsorship.extensions import db
from sponsorship.mail.report_reminders import queue_report_reminders
from sponsorship.models import AwardStatus, OutboxMessage, Role
from tests.applicant_data import offered_award
from tests.factories import StateFactory, UserFactory


@pytest.fixture
def french_award(db):
    state = StateFactory()
    UserFactory(role=Role.APPLICANT, state=state, email="mission@example.org")
    award = offered_award(state)
    award.delegate.application.language = "fr"
    db.session.commit()
    return award


def _mails(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


@pytest.mark.parametrize(
    ("start", "target", "kind", "french"),
    [
        (AwardStatus.PENDING, AwardStatus.REJECTED, "award.rejected", "Parrainage non accordé"),
        (AwardStatus.PENDING, AwardStatus.WAITLISTED, "award.waitlisted", "liste d'attente"),
        (AwardStatus.OFFERED, AwardStatus.EXPIRED, "award.expired", "Offre expirée"),
        (AwardStatus.OFFERED, AwardStatus.DECLINED, "award.declined", "Offre déclinée"),
    ],
)
def test_status_change_queues_mail_in_correspondence_language(
    french_award, start, target, kind, french
):
    french_award.status = start
    db.session.commit()
    with unit_of_work():
        transition(french_award, target, None, reason="Budget épuisé")
    [mail] = _mails(kind)
    assert mail.to_address == "mission@example.org"
    assert french in mail.subject + mail.body
    assert "Dear colleague" not in mail.body
    assert "/apply/" in mail.body
    if target in (AwardStatus.REJECTED, AwardStatus.DECLINED):
        assert "Budget épuisé" in mail.body


def test_report_due_then_overdue_each_queued_once(db, french_award):
    meeting = french_award.delegate.application.meeting
    french_award.status = AwardStatus.ATTENDED
    db.session.commit()
    due = meeting.ends_on + timedelta(days=meeting.report_due_days)
    assert queue_report_reminders(due - timedelta(days=30)) == 0
    assert queue_report_reminders(due - timedelta(days=3)) == 1
    assert queue_report_reminders(due - timedelta(days=2)) == 0
    assert queue_report_reminders(due + timedelta(days=1)) == 1
    assert queue_report_reminders(due + timedelta(days=5)) == 0
    [overdue] = _mails("award.report_overdue")
    assert "Rapport en retard" in overdue.subject
    assert f"/apply/awards/{french_award.id}/report" in overdue.body


def test_admin_previews_every_mail_in_each_language(client, auth, db):
    from sponsorship.mail.preview_views import TEMPLATES

    admin = UserFactory()
    db.session.commit()
    auth.login(admin.email)
    for language, greeting in (("en", "Dear colleague"), ("fr", "Madame"), ("es", "Estimad")):
        page = client.get(f"/admin/mail/previews?lang={language}").get_data(as_text=True)
        for template in TEMPLATES:
            assert f'id="mail-{template}"' in page
        assert greeting in page
        if language != "en":
            assert "Dear colleague" not in page
    assert client.get("/admin/mail/previews?lang=xx").status_code == 404
