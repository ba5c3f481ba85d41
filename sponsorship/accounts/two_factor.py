"""Two-factor sign-in: TOTP (RFC 6238, an authenticator app) and recovery codes.

A code is accepted within one 30-second step either side of now (clock drift), and
never twice: the last accepted step is stored, so a code seen over a shoulder is dead
once used. Ten recovery codes are made at enrolment and shown once; only their hashes
are kept (each has 50 random bits, so a plain SHA-256 suffices), and each works once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from sponsorship.accounts import sessions
from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.models import RecoveryCode, User
from sponsorship.models.base import utcnow

ISSUER = "Sponsorship Programme"
RECOVERY_CODES = 10
_DRIFT_STEPS = (0, -1, 1)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The enrolment QR code as an SVG data URI (the page's CSP allows data: images)."""
    return segno.make(uri, error="m").svg_data_uri(scale=4, border=2)


def _digits(code: str) -> str:
    return re.sub(r"\s", "", code or "")


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    code = _digits(code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now(UTC))
    for offset in _DRIFT_STEPS:
        step = now + offset
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _code_hash(code: str) -> str:
    normal = re.sub(r"[^0-9a-z]", "", (code or "").lower())
    return hashlib.sha256(normal.encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(raw)))
    return codes


def enable(user: User, secret: str, code: str) -> list[str]:
    """Turn two-factor sign-in on once `code` proves the app has `secret`; returns
    the recovery codes, to show once."""
    step = _matching_step(secret, code, None)
    if step is None:
        raise DomainError(str(_l("That code is not right. Check the time on your device.")))
    with unit_of_work():
        user.totp_secret = secret
        user.totp_last_step = step
        codes = _new_recovery_codes(user)
        record(user, "user.two_factor_enabled", user)
    return codes


def new_recovery_codes(user: User) -> list[str]:
    with unit_of_work():
        codes = _new_recovery_codes(user)
        record(user, "user.recovery_codes_renewed", user)
    return codes


def remaining_recovery_codes(user: User) -> int:
    rows = db.session.scalars(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )
    return len(rows.all())


def verify(user: User, code: str) -> bool:
    """A TOTP code or an unused recovery code of `user`; each is accepted once."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, user.totp_last_step)
    with unit_of_work():
        if step is not None:
            # Conditional: of two requests with one code, only one gets in.
            return (
                db.session.execute(
                    update(User)
                    .where(
                        User.id == user.id,
                        (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
                    )
                    .values(totp_last_step=step)
                ).rowcount
                == 1
            )
        used = db.session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _code_hash(code),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
        ).rowcount
        if used == 1:
            record(user, "user.recovery_code_used", user)
        return used == 1


def disable(actor: User, user: User) -> None:
    """Turn two-factor sign-in off: by the user, or (a lost device) by an administrator,
    in which case every session of the user ends too."""
    with unit_of_work():
        user.totp_secret = None
        user.totp_last_step = None
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        if actor.id == user.id:
            record(actor, "user.two_factor_disabled", user)
        else:
            ended = sessions.end_all(user)
            record(actor, "user.two_factor_reset", user, after={"sessions_ended": ended})
