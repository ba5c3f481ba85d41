"""After the meeting: payments of awards with their receipts, delegates' claims, and
the second administrator's approval of money above the four-eyes threshold."""

# Payments and receipts join a purge and a person's export: register them with
# the privacy registry wherever payments are in use (the app imports this package).
from sponsorship.payments import privacy as _privacy  # noqa: E402, F401
