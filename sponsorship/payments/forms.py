"""Forms of payments, claims and approvals. They parse; the services decide."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from sponsorship.funding.forms import RATE, LocalDecimalField, _currency_choices
from sponsorship.web.bounds import MAX_COST
from sponsorship.web.forms import BaseForm, Bounded, choices

AMOUNT = Bounded(0, MAX_COST)

KIND_LABELS = {
    "dsa_cash": _l("DSA paid in cash at the venue"),
    "advance": _l("Advance before travel"),
    "ticket": _l("Ticket bought by the programme"),
    "reimbursement": _l("Reimbursement of a claim"),
}
CATEGORY_LABELS = {
    "terminal": _l("Terminal expenses (taxis, transfers)"),
    "visa": _l("Visa fees"),
    "other": _l("Other costs"),
}
STATE_LABELS = {
    "entered": _l("waiting for approval"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "filed": _l("filed, waiting for a decision"),
    "partly_approved": _l("approved in part"),
    "paid": _l("paid"),
    "pending": _l("waiting for a second administrator"),
}
PENDING_LABELS = {
    "payment": _l("Payment"),
    "claim": _l("Claim"),
    "reconciliation": _l("Reconciliation"),
    "write_off": _l("Write-off of a pledge"),
}


def labels() -> dict:
    """The labels the payments' templates show, by stored value."""
    return {
        "kind_label": KIND_LABELS,
        "category_label": CATEGORY_LABELS,
        "state_label": STATE_LABELS,
        "pending_label": PENDING_LABELS,
    }


OVERSPEND = [
    ("", _l("Stop and tell me")),
    ("allocate", _l("Commit the difference from the funds")),
    ("absorb", _l("Record it as paid outside the fund")),
]


class _Currency(BaseForm):
    currency = SelectField(_l("Currency"), validators=[InputRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency.choices = _currency_choices()


class PaymentForm(_Currency):
    kind = SelectField(
        _l("Kind of payment"),
        choices=choices((k, v) for k, v in KIND_LABELS.items() if k != "reimbursement"),
        validators=[InputRequired()],
    )
    amount = LocalDecimalField(_l("Amount paid"), validators=[InputRequired(), AMOUNT])
    exchange_rate = LocalDecimalField(
        _l("Exchange rate to the base currency on the day"), validators=[Optional(), RATE]
    )
    paid_on = DateField(_l("Paid on"), validators=[InputRequired()])
    paid_by = StringField(_l("Paid by"), validators=[Optional(), Length(max=200)])
    supplier = StringField(_l("Supplier (ticket)"), validators=[Optional(), Length(max=200)])
    ticket_number = StringField(_l("Ticket number"), validators=[Optional(), Length(max=60)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])
    receipt = FileField(_l("Signed receipt or invoice (PDF, PNG or JPEG)"))


class ApproveForm(BaseForm):
    overspend = SelectField(
        _l("If the payment exceeds the committed money"),
        choices=choices(OVERSPEND),
        validators=[Optional()],
    )


class RejectForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=500)])


class ClaimForm(_Currency):
    category = SelectField(
        _l("Category"), choices=choices(CATEGORY_LABELS.items()), validators=[InputRequired()]
    )
    amount = LocalDecimalField(_l("Amount claimed"), validators=[InputRequired(), AMOUNT])
    description = TextAreaField(_l("What it was for"), validators=[Optional(), Length(max=1000)])
    receipts = MultipleFileField(_l("Receipts (PDF, PNG or JPEG)"))


class ClaimDecisionForm(BaseForm):
    decision = SelectField(
        _l("Decision"),
        choices=choices(
            [
                ("approve", _l("Approve")),
                ("partly", _l("Approve in part")),
                ("reject", _l("Reject")),
            ]
        ),
        validators=[InputRequired()],
    )
    approved_amount = LocalDecimalField(
        _l("Amount approved (in part)"), validators=[Optional(), AMOUNT]
    )
    reason = StringField(
        _l("Reason shown to the applicant"), validators=[Optional(), Length(max=500)]
    )


class ReimburseForm(BaseForm):
    paid_on = DateField(_l("Paid on"), validators=[InputRequired()])
    exchange_rate = LocalDecimalField(
        _l("Exchange rate to the base currency on the day"), validators=[Optional(), RATE]
    )
    paid_by = StringField(_l("Paid by"), validators=[Optional(), Length(max=200)])


class ReasonForm(BaseForm):
    """A request's approval or refusal: nothing to type, the token only."""
