"""Forms of the letter pages. They parse; services decide."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, Optional

from sponsorship.web.forms import BaseForm


class RevokeForm(BaseForm):
    #: Not asked for on the page, but a client may send one: it goes into the audit trail.
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
