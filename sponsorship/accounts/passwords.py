"""The password policy: long, not guessable, not the e-mail address.

NIST SP 800-63B and OWASP ASVS 5.0 ask for length and a check against known and
guessable passwords, not for character classes. The check is zxcvbn's (the Dropbox
estimator's Python port): it ships its dictionaries, among them the most frequent
passwords of the big public breaches, so nothing is sent anywhere, and it recognises
their variants (l33t, repeats, keyboard walks, dates) that an exact list misses. A
password it estimates at fewer than 10^8 guesses (score below 3) is refused.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from sponsorship.core.errors import DomainError

MIN_LENGTH = 12
MAX_LENGTH = 200
#: zxcvbn's score 3: "safely unguessable: moderate protection from offline attacks".
MIN_SCORE = 3
#: zxcvbn's cost grows with the length; what is past this adds nothing to the estimate.
_SCORED_LENGTH = 100


def strength_hint() -> str:
    return str(
        _l(
            "At least %(n)d characters. A few unrelated words make a strong password that "
            "is easy to remember; common passwords, and passwords containing your e-mail "
            "address, are refused.",
            n=MIN_LENGTH,
        )
    )


def _contains_email(password: str, email: str | None) -> bool:
    if not email:
        return False
    lowered = password.lower()
    local = email.lower().partition("@")[0]
    return email.lower() in lowered or (len(local) >= 4 and local in lowered)


def check_password_rules(password: str, *, email: str | None = None, name: str | None = None):
    """Refuse a password that breaks the policy, with a message that says why."""
    if len(password) < MIN_LENGTH:
        raise DomainError(
            str(_l("The password must have at least %(n)d characters.", n=MIN_LENGTH))
        )
    if len(password) > MAX_LENGTH:
        raise DomainError(str(_l("The password must have at most %(n)d characters.", n=MAX_LENGTH)))
    if _contains_email(password, email):
        raise DomainError(str(_l("The password must not contain your e-mail address.")))
    inputs = [value for value in (email, name, "sponsorship") if value]
    result = zxcvbn(password[:_SCORED_LENGTH], user_inputs=inputs)
    if result["score"] < MIN_SCORE:
        raise DomainError(
            str(_l("This password is too common or too easy to guess. Add a few unrelated words."))
        )
