"""The criteria of the priority score, and the score itself.

Each priority of SPEC section 1 is a `Criterion`; what it is worth is a `Weight`
(data an administrator edits, see `scoring`), and what it looks at is one field of an
application's `Features`. `score` is a pure function of those, so the rules are tested
without a database; the queue's SQL score (`scoring.score_expression`) must agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from sponsorship.models import ApplicationStatus, ConventionStatus, Criterion, RegionalGroup


@dataclass(frozen=True)
class Weight:
    criterion: Criterion
    points: int
    horizon_years: int | None = None


#: Used for a criterion that has no row (a new criterion before its first edit).
DEFAULT_WEIGHTS: dict[Criterion, Weight] = {
    w.criterion: w
    for w in (
        Weight(Criterion.ARTICLE5_DEADLINE, 30, 3),
        Weight(Criterion.ARTICLE5_EXTENSION, 25),
        Weight(Criterion.ARTICLE4_STOCKPILE, 20),
        Weight(Criterion.SURVIVORS, 20),
        Weight(Criterion.NOT_PARTY, 25),
        Weight(Criterion.LDC, 15),
        Weight(Criterion.ODA, 5),
        Weight(Criterion.FIRST_TIME, 10),
        Weight(Criterion.GENDER_BALANCE, 10),
        Weight(Criterion.SPEAKING, 15),
        Weight(Criterion.PAST_NO_SHOW, -20),
        Weight(Criterion.MISSING_REPORT, -10),
    )
}


#: What each reason says; translated when shown, not when scored, since a queue of
#: thousands is scored on every page and only one page of reasons is read.
REASON_TEXTS = {
    Criterion.ARTICLE5_DEADLINE: _l("Article 5 deadline in %(year)d"),
    Criterion.ARTICLE5_EXTENSION: _l("Article 5 extension request pending"),
    Criterion.ARTICLE4_STOCKPILE: _l("Stockpile still to destroy (Article 4)"),
    Criterion.SURVIVORS: _l("Significant number of mine survivors"),
    Criterion.NOT_PARTY: _l("Not a State Party: universalization"),
    Criterion.LDC: _l("Least-developed country"),
    Criterion.ODA: _l("ODA-eligible"),
    Criterion.FIRST_TIME: _l("%(num)d first-time participant(s) nominated"),
    Criterion.GENDER_BALANCE: _l("Nominates a woman; women are %(percent)d%% of the nominees"),
    Criterion.SPEAKING: _l("Statement or presentation planned"),
    Criterion.PAST_NO_SHOW: _l("%(num)d earlier sponsored delegate(s) did not attend"),
    Criterion.MISSING_REPORT: _l("%(num)d report(s) from earlier meetings overdue"),
}


#: REASON_TEXTS translated, by language: the catalogues never change in a process.
_REASON_TEXTS: dict[str, dict[Criterion, str]] = {}


def reason_texts() -> Mapping[Criterion, str]:
    """Every reason's text in the current language, translated once per process: the
    queue labels some 150 reasons, and each lazy text would be translated again for each
    (a tenth of the page's time). Shared between requests: read it, never change it."""
    language = str(get_locale())
    found = _REASON_TEXTS.get(language)
    if found is None:
        found = _REASON_TEXTS[language] = {c: str(text) for c, text in REASON_TEXTS.items()}
    return found


@dataclass(frozen=True, slots=True)
class Reason:
    criterion: Criterion
    points: int
    #: The numbers the text names (year, num, percent).
    params: tuple[tuple[str, int], ...] = ()

    @property
    def label(self) -> str:
        """Translated, e.g. "Article 5 deadline in 2027"."""
        return self.label_in(REASON_TEXTS)

    def label_in(self, texts: Mapping[Criterion, str]) -> str:
        """The label written with `texts`: `reason_texts()` for a page that shows many."""
        text = texts[self.criterion]
        return text % dict(self.params) if self.params else str(text)

    def __str__(self) -> str:
        return f"{self.label}: {self.points:+d}"


@dataclass(frozen=True, slots=True)
class Score:
    total: int
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True, slots=True)
class Features:
    """Everything the criteria look at for one application."""

    application_id: int
    state_id: int
    convention_status: ConventionStatus
    article5_deadline: date | None = None
    article5_extension_pending: bool = False
    article4_stockpile_pending: bool = False
    significant_survivors: bool = False
    ldc: bool = False
    oda_eligible: bool = False
    statement_planned: bool = False
    presentation_planned: bool = False
    delegates: int = 0
    first_time: int = 0
    women: int = 0
    #: Earlier sponsored delegates of the State who did not attend.
    past_no_shows: int = 0
    #: Earlier sponsored delegates of the State whose report is overdue.
    missing_reports: int = 0
    # Not scored; carried for the queue's filters and order.
    status: ApplicationStatus = ApplicationStatus.SUBMITTED
    region: RegionalGroup = RegionalGroup.NONE
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class Pool:
    """The meeting's nominees as a whole, for the gender-balance criterion."""

    delegates: int = 0
    women: int = 0

    @property
    def women_under_half(self) -> bool:
        return 2 * self.women < self.delegates

    @property
    def women_percent(self) -> int:
        return round(100 * self.women / self.delegates) if self.delegates else 0


@dataclass(frozen=True)
class ScoringContext:
    meeting_starts_on: date
    pool: Pool = field(default_factory=Pool)


def score(f: Features, weights: Mapping[Criterion, Weight], context: ScoringContext) -> Score:
    """The score of one application: the sum of the points of every criterion it meets.

    A criterion whose weight is zero is not listed among the reasons: it did not count.
    """
    reasons: list[Reason] = []

    def add(criterion: Criterion, times: int = 1, **params: int) -> None:
        points = weights[criterion].points * times
        if points:
            reasons.append(Reason(criterion, points, tuple(params.items())))

    deadline = f.article5_deadline
    horizon = weights[Criterion.ARTICLE5_DEADLINE].horizon_years
    if (
        deadline is not None
        and deadline >= context.meeting_starts_on
        and deadline.year <= context.meeting_starts_on.year + (horizon or 0)
    ):
        add(Criterion.ARTICLE5_DEADLINE, year=deadline.year)
    if f.article5_extension_pending:
        add(Criterion.ARTICLE5_EXTENSION)
    if f.article4_stockpile_pending:
        add(Criterion.ARTICLE4_STOCKPILE)
    if f.significant_survivors:
        add(Criterion.SURVIVORS)
    if f.convention_status != ConventionStatus.STATE_PARTY:
        add(Criterion.NOT_PARTY)
    if f.ldc:
        add(Criterion.LDC)
    if f.oda_eligible:
        add(Criterion.ODA)
    if f.first_time:
        add(Criterion.FIRST_TIME, num=f.first_time)
    if f.women and context.pool.women_under_half:
        add(Criterion.GENDER_BALANCE, percent=context.pool.women_percent)
    if f.statement_planned or f.presentation_planned:
        add(Criterion.SPEAKING)
    if f.past_no_shows:
        add(Criterion.PAST_NO_SHOW, f.past_no_shows, num=f.past_no_shows)
    if f.missing_reports:
        add(Criterion.MISSING_REPORT, f.missing_reports, num=f.missing_reports)
    return Score(sum(r.points for r in reasons), tuple(reasons))


def pool_of(features: Iterable[Features]) -> Pool:
    delegates = women = 0
    for f in features:
        delegates += f.delegates
        women += f.women
    return Pool(delegates, women)
