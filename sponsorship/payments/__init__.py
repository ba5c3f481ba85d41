"""After the meeting: payments of awards with their receipts, delegates' claims, and
the second administrator's approval of money above the four-eyes threshold."""
