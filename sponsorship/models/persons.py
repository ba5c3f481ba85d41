"""People: one person across the delegations that named them, meeting after meeting.

A delegate is one participation (a person named by a State for one meeting); a person
links the participations of the same human being, so reports can say "31 people, 43
participations". Delegates are linked by `sponsorship.people.matching`.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.models.base import Base, created_at_column


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The name of the latest participation linked, for the administrators' lists.
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = created_at_column()

    delegates = relationship("Delegate", back_populates="person", order_by="Delegate.id")
