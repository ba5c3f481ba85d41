"""Accounts, roles and invitations."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.models.base import Base, StrEnum, UTCDateTime, created_at_column, enum_column


class Role(StrEnum):
    APPLICANT = "applicant"
    ADMINISTRATOR = "administrator"
    DONOR = "donor"


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        # An applicant speaks for exactly one State, a donor for exactly one donor.
        sa.CheckConstraint(
            "(role = 'applicant' AND state_id IS NOT NULL AND donor_id IS NULL)"
            " OR (role = 'donor' AND donor_id IS NOT NULL AND state_id IS NULL)"
            " OR (role = 'administrator' AND state_id IS NULL AND donor_id IS NULL)",
            name="role_binding",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; login compares lower-cased.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = enum_column(Role)
    state_id: Mapped[int | None] = mapped_column(sa.ForeignKey("states.id"), index=True)
    donor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("donors.id"), index=True)
    #: Argon2id hash; empty until the invited user sets a password.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at_column()
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Base32 TOTP secret once two-factor sign-in is set up; None without it.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    #: The last TOTP time step accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    state = relationship("State")
    donor = relationship("Donor")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active and self.password_hash is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Invitation(Base):
    """A single-use link by which a user sets a password: an invitation, or a reset."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: sha256 of the token: a database leak must not yield working links.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    #: "invite" (sets the first password) or "reset" (forgot password); a link of one
    #: kind never works as the other.
    purpose: Mapped[str] = mapped_column(sa.String(10), default="invite", server_default="invite")

    user = relationship("User", foreign_keys=[user_id])


class UserSession(Base):
    """One signed-in browser. The cookie holds a random key; only its hash is stored.

    Deleting the row ends the session on every process and host at once.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    last_seen_at: Mapped[datetime] = created_at_column()
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    ip_address: Mapped[str] = mapped_column(sa.String(45), default="")


class RecoveryCode(Base):
    """A single-use code that stands in for a TOTP code when the device is lost."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
