"""The mail outbox: every message is written here in the transaction that causes it.

A message is only ever marked sent after the SMTP server took it, so a crash, a
rollback or an unreachable server never loses one: at worst it is sent twice.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sponsorship.models.base import Base, StrEnum, UTCDateTime, created_at_column, enum_column


class MessageStatus(StrEnum):
    #: Waiting for its first or next delivery attempt.
    QUEUED = "queued"
    SENT = "sent"
    #: Gave up after the maximum attempts; kept, and requeued by `flask mail send --retry-failed`.
    FAILED = "failed"


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the message is about, e.g. application.submitted, award.offer, award.reminder.
    kind: Mapped[str] = mapped_column(sa.String(64))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    #: The language the subject and body are written in (en, fr, es); none for messages
    #: queued before it was kept.
    language: Mapped[str | None] = mapped_column(sa.String(5))
    #: Set for messages that must be queued at most once (a reminder per award).
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(64))
    object_id: Mapped[int | None]
    status: Mapped[MessageStatus] = enum_column(MessageStatus, default=MessageStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    #: Not before this moment; a delivery run also pushes it on to lease the message.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("status", MessageStatus.QUEUED)
        kwargs.setdefault("attempts", 0)
        super().__init__(**kwargs)
