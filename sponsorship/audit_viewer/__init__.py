"""The audit viewer: the whole audit trail and the money's movements on one page,
filtered by person, award, contribution, administrator and date, in sentences in the
reader's language (`sentences`), paginated, and exportable as CSV (`views`)."""
