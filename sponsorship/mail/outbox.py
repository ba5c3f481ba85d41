"""Mail through an outbox: queued in the caller's transaction, delivered later.

`queue` only adds a row to the session, so a message exists exactly when the change
that caused it was committed. `deliver_due` (the `flask mail send` command, run by
cron or a worker) sends what is due with smtplib and the MAIL_* settings. A failed
attempt is retried with exponential backoff; after MAIL_MAX_ATTEMPTS the message is
marked failed and kept, never deleted. In development (MAIL_BACKEND=log) each message
is written to the log instead of being sent.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select, update

from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.mail.links import external_url  # noqa: F401 - callers import it from here
from sponsorship.models import MessageStatus, OutboxMessage
from sponsorship.models.base import utcnow

log = logging.getLogger(__name__)

#: First retry after a minute, doubling up to six hours between attempts.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
#: How long a delivery run holds a message it claimed before another run may try it.
LEASE = timedelta(minutes=10)
LANGUAGES = ("en", "fr", "es")


@dataclass(frozen=True)
class DeliveryResult:
    sent: int
    retried: int
    failed: int


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _one_line(text: str) -> str:
    """Headers are one line: user text in a subject must not add headers."""
    return " ".join(text.split())[:255]


def mail_language(language: str) -> str:
    """The language a mail asked for in `language` is written in."""
    return language if language in LANGUAGES else "en"


def render(template: str, language: str, **context: Any) -> tuple[str, str]:
    """(subject, body) of templates/mail/<template>.txt in `language`.

    The template sets `subject` with `{% set subject %}`; the rest is the body. Plain
    text templates are not autoescaped: mail is text, and no HTML is ever sent.
    """
    lang = mail_language(language)
    variables: dict[str, Any] = {}
    current_app.update_template_context(variables)
    variables.update(context)
    with force_locale(lang):
        module = current_app.jinja_env.get_template(f"mail/{template}.txt").make_module(variables)
        body = str(module)
        subject = str(getattr(module, "subject", ""))
    return _one_line(subject), body.strip() + "\n"


def queue(
    to: str,
    template: str,
    language: str,
    *,
    kind: str,
    obj: Any = None,
    dedupe_key: str | None = None,
    **context: Any,
) -> OutboxMessage:
    """Render a message and add it to the session; the caller's commit sends it on."""
    subject, body = render(template, language, **context)
    message = OutboxMessage(
        kind=kind,
        to_address=to,
        subject=subject,
        body=body,
        language=mail_language(language),
        dedupe_key=dedupe_key,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


def _email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "localhost"
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain=domain)
    email.set_content(message.body)
    if message.language:
        # After set_content, which replaces the Content-* headers; with a letter
        # attached it describes the text part, where the language is.
        email["Content-Language"] = message.language
    _attach_letter(email, message)
    return email


def _attach_letter(email: EmailMessage, message: OutboxMessage) -> None:
    """The offer mail carries the award's current letter, if one is issued by then;
    a "document ready" mail carries that document."""
    from sponsorship.documents import letters
    from sponsorship.models import Letter, LetterStatus

    letter_id = None
    if message.kind == "award.offer" and message.object_type == "Award":
        letter_id = db.session.scalar(
            select(Letter.id)
            .where(
                Letter.award_id == message.object_id,
                Letter.kind == "offer",
                Letter.status == LetterStatus.VALID,
            )
            .order_by(Letter.version.desc())
            .limit(1)
        )
    elif message.kind.startswith("document.") and message.object_type == "Letter":
        letter_id = message.object_id
    found = letters.letter_pdf(letter_id) if letter_id is not None else None
    if found is not None:
        filename, pdf = found
        email.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)


class _LogTransport:
    def send(self, email: EmailMessage) -> None:
        log.info("mail (not sent, MAIL_BACKEND=log)\n%s", email.as_string())

    def close(self) -> None:
        pass


class _SMTPTransport:
    """One SMTP connection for a delivery run, opened on the first message."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        cfg = current_app.config
        smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        return smtp

    def send(self, email: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            self.smtp.send_message(email)
        except (smtplib.SMTPServerDisconnected, OSError):
            # A broken connection fails this message; the next one reconnects.
            self.close()
            raise

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
            self.smtp = None


def _transport():
    backend = current_app.config.get("MAIL_BACKEND", "smtp")
    if backend == "log":
        return _LogTransport()
    if backend == "smtp":
        return _SMTPTransport()
    raise RuntimeError(f"MAIL_BACKEND={backend!r} is not one of smtp, log")


def _claim(message_id: int, due: datetime, now: datetime) -> bool:
    """Lease one message with a conditional UPDATE: of two runs, only one sends it."""
    with unit_of_work():
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == MessageStatus.QUEUED,
                OutboxMessage.next_attempt_at == due,
            )
            .values(next_attempt_at=now + LEASE)
        ).rowcount
    return claimed == 1


def deliver_due(now: datetime | None = None, limit: int = 200) -> DeliveryResult:
    """Send the queued messages that are due; each outcome is committed at once."""
    now = now or utcnow()
    due = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.next_attempt_at)
        .where(OutboxMessage.status == MessageStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    transport = _transport()
    outcomes: Counter[str] = Counter()
    try:
        for message_id, due_at in due:
            if not _claim(message_id, due_at, now):
                continue
            email = _email(db.session.get(OutboxMessage, message_id))
            try:
                transport.send(email)
            except (smtplib.SMTPException, OSError) as error:
                failure: Exception | None = error
            else:
                failure = None
            # The SMTP exchange stays outside the unit: it must not hold the write lock.
            with unit_of_work():
                outcomes[_record_outcome(message_id, failure, now)] += 1
    finally:
        transport.close()
    return DeliveryResult(
        sent=outcomes["sent"], retried=outcomes["retried"], failed=outcomes["failed"]
    )


def _record_outcome(message_id: int, failure: Exception | None, now: datetime) -> str:
    """Write one delivery attempt's outcome: "sent", "retried" or "failed"."""
    message = db.session.get(OutboxMessage, message_id)
    message.attempts += 1
    if failure is None:
        message.status = MessageStatus.SENT
        message.sent_at = utcnow()
        message.last_error = None
        return "sent"
    message.last_error = f"{type(failure).__name__}: {failure}"[:2000]
    if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        message.status = MessageStatus.FAILED
        log.error(
            "mail %s to %s failed for good: %s", message.id, message.to_address, message.last_error
        )
        return "failed"
    message.next_attempt_at = now + backoff(message.attempts)
    log.warning(
        "mail %s to %s failed, retry at %s: %s",
        message.id,
        message.to_address,
        message.next_attempt_at,
        message.last_error,
    )
    return "retried"


def requeue_failed() -> int:
    """Give failed messages a fresh start; returns how many."""
    with unit_of_work():
        count = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == MessageStatus.FAILED)
            .values(status=MessageStatus.QUEUED, attempts=0, next_attempt_at=utcnow())
        ).rowcount
    return count
