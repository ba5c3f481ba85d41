"""Forms of the review: pricing, decisions, the weights and the fare table, and the
after-meeting records. They parse; services decide."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from sponsorship.models import Criterion, RegionalGroup
from sponsorship.review.scoring import CRITERION_LABELS
from sponsorship.web.bounds import MAX_COST
from sponsorship.web.forms import BaseForm, Bounded, LocalDecimalField, choices
from sponsorship.web.labels import REGION_LABELS


class PriceForm(BaseForm):
    sessions = SelectMultipleField(
        _l("Sessions attended"),
        coerce=int,
        validators=[Optional()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    #: Required, and filled from the fare table: an emptied field used to price from the
    #: table without a word (issue 23); now the fare used is the one shown.
    airfare = LocalDecimalField(
        _l("Airfare"),
        validators=[
            InputRequired(_l("Enter the airfare, such as 1234.50.")),
            Bounded(0, MAX_COST, 2),
        ],
    )
    visa = LocalDecimalField(_l("Visa fee"), validators=[Optional(), Bounded(0, MAX_COST, 2)])


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


class ActualCostsForm(BaseForm):
    ticket = LocalDecimalField(
        _l("Ticket as invoiced"), validators=[Optional(), Bounded(0, MAX_COST)]
    )
    dsa = LocalDecimalField(_l("DSA paid"), validators=[Optional(), Bounded(0, MAX_COST)])
    other = LocalDecimalField(_l("Other costs"), validators=[Optional(), Bounded(0, MAX_COST)])


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
