"""States and their standing under the Convention, which drive eligibility and priority."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sponsorship.models.base import Base, StrEnum, enum_column


class RegionalGroup(StrEnum):
    AFRICAN = "african"
    ASIA_PACIFIC = "asia_pacific"
    EASTERN_EUROPEAN = "eastern_european"
    LATIN_AMERICAN_CARIBBEAN = "latin_american_caribbean"
    WESTERN_EUROPEAN_OTHERS = "western_european_others"
    #: Not a member of a UN regional group (e.g. Holy See, Cook Islands).
    NONE = "none"


class ConventionStatus(StrEnum):
    STATE_PARTY = "state_party"
    SIGNATORY = "signatory"
    NOT_PARTY = "not_party"
    WITHDRAWN = "withdrawn_or_withdrawing"


class State(Base):
    __tablename__ = "states"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ISO 3166-1 alpha-3 code.
    iso3: Mapped[str] = mapped_column(sa.String(3), unique=True)
    #: ISO 3166-1 alpha-2 code when one exists, for pycountry's translated names.
    iso2: Mapped[str | None] = mapped_column(sa.String(2))
    name: Mapped[str] = mapped_column(sa.String(120))
    name_fr: Mapped[str | None] = mapped_column(sa.String(120))
    name_es: Mapped[str | None] = mapped_column(sa.String(120))
    regional_group: Mapped[RegionalGroup] = enum_column(RegionalGroup)
    convention_status: Mapped[ConventionStatus] = enum_column(ConventionStatus, index=True)
    entry_into_force: Mapped[date | None] = mapped_column(sa.Date)
    #: Latest granted Article 5 (clearance) deadline, if the State has one.
    article5_deadline: Mapped[date | None] = mapped_column(sa.Date)
    article5_extension_pending: Mapped[bool] = mapped_column(default=False)
    #: Article 4: stockpiled anti-personnel mines still to destroy.
    article4_stockpile_pending: Mapped[bool] = mapped_column(default=False)
    significant_survivors: Mapped[bool] = mapped_column(default=False)
    ldc: Mapped[bool] = mapped_column(default=False)
    oda_eligible: Mapped[bool] = mapped_column(default=False)
    #: Where letters are addressed: the permanent mission or the ministry.
    mission_address: Mapped[str | None] = mapped_column(sa.Text)

    def localized_name(self, locale: str | None) -> str:
        return localized_name(self.name, self.name_fr, self.name_es, locale)

    def __repr__(self) -> str:
        return f"<State {self.iso3}>"


def localized_name(name: str, name_fr: str | None, name_es: str | None, locale: str | None) -> str:
    """A State's name in `locale`'s language, its English name when it has none there:
    for a page that reads the three names as columns, not the State."""
    lang = (locale or "en")[:2]
    return {"fr": name_fr, "es": name_es}.get(lang) or name
