"""Forms of the review: pricing, decisions, the weights and the fare table, and the
after-meeting records. They parse; services decide."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from sponsorship.models import Criterion, RegionalGroup
from sponsorship.review.scoring import CRITERION_LABELS
from sponsorship.web.bounds import MAX_COST
from sponsorship.web.forms import BaseForm, Bounded, choices
from sponsorship.web.labels import REGION_LABELS


class PriceForm(BaseForm):
    sessions = SelectMultipleField(
        _l("Sessions attended"),
        coerce=int,
        validators=[Optional()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    airfare = DecimalField(
        _l("Airfare (empty: from the fare table)"),
        places=2,
        validators=[Optional(), Bounded(0, MAX_COST)],
    )
    visa = DecimalField(_l("Visa fee"), places=2, validators=[Optional(), Bounded(0, MAX_COST)])
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
        from sponsorship.models import CostKind
        from sponsorship.review.pricing import PRICED_KINDS

        if not self.covers.data and not self.covers_shown.data:
            return PRICED_KINDS
        # Only known kinds: an unknown value chooses nothing (and is refused as such).
        known = {kind.value for kind in PRICED_KINDS}
        return frozenset(CostKind(k) for k in self.covers.data or () if k in known)


class CofundingForm(BaseForm):
    by = StringField(_l("Paid by (the State or another body)"), validators=[Length(max=200)])
    amount = DecimalField(
        _l("Share it pays (empty: none)"),
        places=2,
        validators=[Optional(), Bounded(0, MAX_COST)],
    )


class PinForm(BaseForm):
    contribution = SelectField(_l("Paid from"), coerce=int, validators=[InputRequired()])


class ReasonForm(BaseForm):
    reason = TextAreaField(
        _l("Reason shown to the applicant"), validators=[Optional(), Length(max=1000)]
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
        DecimalField(
            REGION_LABELS[_region.value], places=2, validators=[Optional(), Bounded(0, MAX_COST)]
        ),
    )
