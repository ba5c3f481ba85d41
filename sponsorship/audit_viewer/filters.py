"""The audit trail's filter: read from a query string, by the page and by the job that
prepares the CSV of the same filter (reporting/export_kinds.py)."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl, urlencode

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from sponsorship.audit_viewer import trail
from sponsorship.web.bounds import parse_int
from sponsorship.web.forms import BaseForm


class TrailFilterForm(BaseForm):
    class Meta:
        csrf = False

    person = StringField(_l("Delegate's name"), validators=[Optional(), Length(max=200)])
    award = StringField(_l("Award reference"), validators=[Optional(), Length(max=40)])
    contribution = StringField(
        _l("Contribution reference"), validators=[Optional(), Length(max=60)]
    )
    actor = SelectField(_l("Administrator"), validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
    money = BooleanField(_l("Money movements only"))


#: The arguments a filter reads: the form's fields and the delegate a privacy page links.
KEYS = ("person", "award", "contribution", "actor", "since", "until", "money", "delegate")


def read_filter(args: MultiDict) -> tuple[TrailFilterForm, trail.TrailFilter]:
    """The form (with its errors) and the filter of the query `args`; a filter that
    does not validate matches nothing."""
    form = TrailFilterForm(args)
    form.actor.choices = [("", str(_l("Anyone")))] + [
        (str(i), name) for i, name in trail.administrators()
    ]
    if not form.validate():
        return form, trail.TrailFilter(delegate_id=-1)  # matches nothing; errors shown
    since, until = form.since.data, form.until.data
    if since and until and since > until:
        since, until = until, since
    return form, trail.TrailFilter(
        delegate_id=parse_int(args.get("delegate"), 1),
        person=form.person.data or "",
        award=(form.award.data or "").upper(),
        contribution=form.contribution.data or "",
        actor_id=parse_int(form.actor.data, 1),
        since=since if isinstance(since, date) else None,
        until=until if isinstance(until, date) else None,
        money_only=bool(form.money.data),
    )


def query_of(args: MultiDict) -> str:
    """The filter's arguments of `args` as one query string, the same whatever their
    order or the other arguments (the page number): one export per filter."""
    return urlencode(sorted((key, args[key]) for key in KEYS if args.get(key)))


def args_of(query: str) -> MultiDict:
    """`query_of`'s query string read back."""
    return MultiDict(parse_qsl(query, keep_blank_values=False))
