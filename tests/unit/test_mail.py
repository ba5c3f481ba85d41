"""The outbox: queued with the change, delivered by SMTP to a real server, never lost."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from sponsorship.applications import offers
from sponsorship.mail import outbox as mail
from sponsorship.models import MessageStatus, OutboxMessage, Role
from sponsorship.models.base import utcnow
from tests.applicant_data import offered_award
from tests.factories import StateFactory, UserFactory
from tests.mailserver import SMTPServer, free_port


@pytest.fixture
def smtp(app, monkeypatch):
    with SMTPServer() as server:
        for key, value in server.config().items():
            monkeypatch.setitem(app.config, key, value)
        yield server


def offer_context(award, link: str = "http://example.org/") -> dict:
    """What the offer_made template is given about `award`, and the link to answer it."""
    application = award.delegate.application
    return dict(
        award=award,
        delegate=award.delegate,
        application=application,
        meeting=application.meeting,
        state=application.state,
        link=link,
    )


def queue_one(to="delegate@example.org", **kwargs):
    state = StateFactory(name="Chad")
    award = offered_award(state)
    return mail.queue(
        to,
        "offer_made",
        "en",
        kind="award.offer",
        obj=award,
        **offer_context(award, "http://example.org/answer"),
        **kwargs,
    )


def test_deliver_sends_queued_message_over_smtp(db, smtp):
    message = queue_one()
    db.session.commit()
    result = mail.deliver_due()
    assert result.sent == 1
    [received] = smtp.inbox.wait_for(1)
    assert received["To"] == "delegate@example.org"
    assert received["Subject"].startswith("Sponsorship offer for Idriss Abakar")
    assert "http://example.org/answer" in received.get_content()
    db.session.refresh(message)
    assert message.status == MessageStatus.SENT
    assert message.sent_at is not None


def test_delivered_mail_says_the_language_it_is_written_in(db, smtp):
    state = StateFactory()
    award = offered_award(state)
    french = mail.queue(
        "d@example.org", "offer_made", "fr", kind="award.offer", obj=award, **offer_context(award)
    )
    unknown = mail.queue(
        "e@example.org", "offer_made", "xx", kind="award.offer", obj=award, **offer_context(award)
    )
    db.session.commit()
    assert (french.language, unknown.language) == ("fr", "en")
    mail.deliver_due()
    received = {m["To"]: m for m in smtp.inbox.wait_for(2)}
    assert received["d@example.org"]["Content-Language"] == "fr"
    assert received["e@example.org"]["Content-Language"] == "en"


def test_deliver_twice_sends_once(db, smtp):
    queue_one()
    db.session.commit()
    mail.deliver_due()
    assert mail.deliver_due().sent == 0
    assert len(smtp.inbox.wait_for(1)) == 1


def test_message_queued_in_rolled_back_transaction_never_exists(db):
    queue_one()
    db.session.rollback()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_server_down_keeps_message_and_retries_with_backoff(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens
    message = queue_one()
    db.session.commit()
    now = utcnow()
    result = mail.deliver_due(now=now)
    assert (result.sent, result.retried) == (0, 1)
    db.session.refresh(message)
    assert message.status == MessageStatus.QUEUED
    assert message.attempts == 1
    assert message.next_attempt_at == now + mail.BACKOFF_BASE
    assert "ConnectionRefusedError" in message.last_error
    # not due yet: nothing is tried
    assert mail.deliver_due(now=now + timedelta(seconds=30)).retried == 0


def test_temporary_refusal_is_retried_then_delivered(app, db, smtp):
    smtp.inbox.refuse = 1
    message = queue_one()
    db.session.commit()
    now = utcnow()
    assert mail.deliver_due(now=now).retried == 1
    db.session.refresh(message)
    assert message.attempts == 1 and "451" in message.last_error
    assert mail.deliver_due(now=now + timedelta(minutes=2)).sent == 1
    assert len(smtp.inbox.wait_for(1)) == 1
    db.session.refresh(message)
    assert message.status == MessageStatus.SENT
    assert message.attempts == 2


def test_backoff_doubles_and_is_capped():
    assert mail.backoff(1) == timedelta(minutes=1)
    assert mail.backoff(2) == timedelta(minutes=2)
    assert mail.backoff(5) == timedelta(minutes=16)
    assert mail.backoff(30) == mail.BACKOFF_MAX


def test_after_max_attempts_message_is_failed_and_kept_then_requeued(app, db, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    smtp.inbox.refuse = 2
    message = queue_one()
    db.session.commit()
    now = utcnow()
    mail.deliver_due(now=now)
    result = mail.deliver_due(now=now + timedelta(hours=1))
    assert result.failed == 1
    db.session.refresh(message)
    assert message.status == MessageStatus.FAILED
    assert mail.requeue_failed() == 1
    assert mail.deliver_due().sent == 1
    assert len(smtp.inbox.wait_for(1)) == 1


def test_log_backend_writes_message_to_log(app, db, caplog, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "log")
    message = queue_one()
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="sponsorship.mail.outbox"):
        assert mail.deliver_due().sent == 1
    assert "Subject: Sponsorship offer for Idriss Abakar" in caplog.text
    db.session.refresh(message)
    assert message.status == MessageStatus.SENT


def test_subject_with_line_breaks_cannot_add_headers(db, smtp):
    state = StateFactory()
    award = offered_award(state)
    award.delegate.name = "Eve\r\nBcc: victim@example.org"
    message = mail.queue(
        "x@example.org",
        "offer_made",
        "en",
        kind="award.offer",
        **offer_context(award),
    )
    db.session.commit()
    assert "\n" not in message.subject and "\r" not in message.subject
    mail.deliver_due()
    [received] = smtp.inbox.wait_for(1)
    assert received["Bcc"] is None


def test_mail_in_french(db):
    state = StateFactory()
    award = offered_award(state)
    subject, body = mail.render(
        "offer_made",
        "fr",
        **offer_context(award),
    )
    assert subject and body  # the catalogue may not translate yet; rendering must work


def test_mail_send_command_delivers(app, db, smtp):
    queue_one()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    assert len(smtp.inbox.wait_for(1)) == 1


# ---- Offer mail and reminders -------------------------------------------------------


def test_notify_offer_queues_mail_to_state_applicants_with_answer_link(db):
    state = StateFactory()
    UserFactory(role=Role.APPLICANT, state=state, email="rep1@example.org")
    UserFactory(role=Role.APPLICANT, state=state, email="rep2@example.org")
    UserFactory(applicant=True, email="other@example.org")
    award = offered_award(state)
    assert offers.notify_offer(award) == 2
    db.session.flush()
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.to_address)).all()
    assert [m.to_address for m in messages] == ["rep1@example.org", "rep2@example.org"]
    assert f"/apply/awards/{award.id}" in messages[0].body
    # The deadline as the application's language writes a date ("12 March 2027").
    language = award.delegate.application.language or "en"
    assert format_date(award.offer_deadline, "long", locale=language) in messages[0].body


def test_reminders_are_queued_once_within_the_window(db):
    state = StateFactory()
    UserFactory(role=Role.APPLICANT, state=state, email="rep@example.org")
    today = date(2030, 3, 10)
    soon = offered_award(state, deadline=today + timedelta(days=2))
    offered_award(state, deadline=today + timedelta(days=10))  # not yet
    offered_award(state, deadline=today - timedelta(days=1))  # already past
    db.session.commit()
    assert offers.queue_offer_reminders(today, days=3) == 1
    assert offers.queue_offer_reminders(today, days=3) == 0
    assert offers.queue_offer_reminders(today + timedelta(days=1), days=3) == 0
    [message] = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "award.reminder")
    ).all()
    assert message.object_id == soon.id
    assert "Reminder" in message.subject


def test_mail_remind_command_runs(app, db):
    result = app.test_cli_runner().invoke(args=["mail", "remind"])
    assert result.exit_code == 0, result.output
    assert "Reminders queued: 0." in result.output
