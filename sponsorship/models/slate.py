"""The slate: a proposal of whom to sponsor at a meeting, and the Donors' Group's say on it."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.models.base import Base, StrEnum, UTCDateTime, created_at_column, enum_column


class SlateStatus(StrEnum):
    #: With the Donors' Group, awaiting its members' votes until the deadline.
    SENT = "sent"
    APPROVED = "approved"
    OBJECTED = "objected"
    #: Offered through the decisions; the report of what was refused is kept.
    OFFERED = "offered"


class Vote(StrEnum):
    APPROVE = "approve"
    OBJECT = "object"


class Slate(Base):
    __tablename__ = "slates"
    __table_args__ = (sa.CheckConstraint("quorum >= 1", name="quorum_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    status: Mapped[SlateStatus] = enum_column(SlateStatus, default=SlateStatus.SENT)
    #: The what-if it was computed with: targets, reserve, pins (award ids).
    settings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: Award ids, in the order they are to be offered.
    chosen: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: {"slate": {...}, "rank_order": {...}}: the figures side by side, for the reports.
    figures: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: optimal, time_limit, fallback (see `sponsorship.slate.problem.Method`).
    method: Mapped[str] = mapped_column(sa.String(32))
    gap: Mapped[float | None]
    solve_ms: Mapped[float | None]
    #: Approvals needed, and the day voting closes (settings chosen when it is sent).
    quorum: Mapped[int] = mapped_column(default=2)
    deadline: Mapped[date | None] = mapped_column(sa.Date)
    #: What the offers came to: {"done": [...], "refused": [[name, why], ...]}.
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    meeting = relationship("Meeting")
    votes: Mapped[list[SlateVote]] = relationship(
        back_populates="slate", cascade="all, delete-orphan", order_by="SlateVote.id"
    )


class SlateVote(Base):
    """A member's approval or objection, with a comment; one per member, changed in place
    (every change is audited)."""

    __tablename__ = "slate_votes"
    __table_args__ = (sa.UniqueConstraint("slate_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slate_id: Mapped[int] = mapped_column(sa.ForeignKey("slates.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    vote: Mapped[Vote | None] = enum_column(Vote, nullable=True)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime] = created_at_column()

    slate: Mapped[Slate] = relationship(back_populates="votes")
    user = relationship("User")


class DonorsGroupMember(Base):
    """A donor user who sits on the Donors' Group and so sees and votes on slates.

    A table of its own rather than a column on users: membership is the slate's business
    and has its own history (who added whom, when)."""

    __tablename__ = "donors_group_members"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    added_at: Mapped[datetime] = created_at_column()

    user = relationship("User", foreign_keys=[user_id])
