"""Forms of the review: pricing, decisions, the weights and the fare table, and the
after-meeting records. They parse; services decide."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from sponsorship.models import CostKind, Criterion, RegionalGroup
from sponsorship.review.scoring import CRITERION_LABELS
from sponsorship.web.bounds import MAX_COST
from sponsorship.web.forms import BaseForm, Bounded, LocalDecimalField, choices
from sponsorship.web.labels import REGION_LABELS


def _fare_while_ticket_covered(form, field) -> None:
    if field.raw_data and str(field.raw_data[0]).strip():
        return
    if CostKind.AIRFARE in form.kinds():
        raise StopValidation(_l("Enter the airfare, such as 1234.50."))
    raise StopValidation()  # no ticket, no fare: nothing else to check


class PriceForm(BaseForm):
    sessions = SelectMultipleField(
        _l("Sessions attended"),
        coerce=int,
        validators=[Optional()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    #: Required while the ticket is covered, and filled from the fare table: an emptied
    #: field used to price from the table without a word (issue 23); now the fare used
    #: is the one shown. A sponsorship without the ticket needs no fare (issue 19).
    airfare = LocalDecimalField(
        _l("Airfare"),
        validators=[_fare_while_ticket_covered, Bounded(0, MAX_COST, 2)],
    )
    visa = LocalDecimalField(_l("Visa fee"), validators=[Optional(), Bounded(0, MAX_COST, 2)])
    covers = SelectMultipleField(
        _l("The sponsorship covers"),
        choices=choices(
            [
                ("airfare", _l("The ticket")),
                ("dsa", _l("The daily subsistence allowance (DSA)")),
                ("terminal", _l("Terminal expenses")),
                ("visa", _l("The visa fee")),
            ]
        ),
        default=["airfare", "dsa", "terminal", "visa"],
        validators=[Optional()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    #: Sent by the page's form: with no box ticked, the browser sends no `covers` at
    #: all, and that must read as "nothing chosen", not as "everything".
    covers_shown = HiddenField()

    def kinds(self):
        """The cost kinds chosen; every kind when the form had no boxes (an old client)."""
        from sponsorship.review.pricing import PRICED_KINDS

        if not self.covers.data and not self.covers_shown.data:
            return PRICED_KINDS
        # Only known kinds: an unknown value chooses nothing (and is refused as such).
        known = {kind.value for kind in PRICED_KINDS}
        return frozenset(CostKind(k) for k in self.covers.data or () if k in known)


class CofundingForm(BaseForm):
    by = StringField(_l("Paid by (the State or another body)"), validators=[Length(max=200)])
    amount = LocalDecimalField(
        _l("Share it pays (empty: none)"), validators=[Optional(), Bounded(0, MAX_COST, 2)]
    )


class PinForm(BaseForm):
    contribution = SelectField(_l("Paid from"), coerce=int, validators=[InputRequired()])


class ReasonForm(BaseForm):
    reason = TextAreaField(
        _l("Reason shown to the applicant"), validators=[Optional(), Length(max=1000)]
    )


class BulkForm(ReasonForm):
    """The queue's decision for its selected delegates (the ids are read from the post)."""

    action = HiddenField(
        validators=[InputRequired(), AnyOf(["price", "offer", "waitlist", "reject"])]
    )


class AttendanceForm(BaseForm):
    attended = HiddenField(validators=[InputRequired(), AnyOf(["0", "1"])])


class ReconcileForm(BaseForm):
    overspend = SelectField(
        _l("If the actual costs exceed the committed money"),
        choices=choices(
            [
                ("", _l("Stop and tell me")),
                ("allocate", _l("Commit the difference from the funds")),
                ("absorb", _l("Record it as paid outside the fund")),
            ]
        ),
        validators=[Optional()],
    )


class WeightsForm(BaseForm):
    horizon_years = IntegerField(
        _l("Years ahead an Article 5 deadline counts as soon"),
        validators=[InputRequired(), Bounded(0, 50)],
    )


for _criterion in Criterion:
    setattr(
        WeightsForm,
        f"points_{_criterion.value}",
        IntegerField(
            CRITERION_LABELS[_criterion],
            validators=[InputRequired(), Bounded(-1000, 1000)],
        ),
    )


class FaresForm(BaseForm):
    pass


for _region in RegionalGroup:
    setattr(
        FaresForm,
        f"fare_{_region.value}",
        LocalDecimalField(
            REGION_LABELS[_region.value], validators=[Optional(), Bounded(0, MAX_COST)]
        ),
    )
