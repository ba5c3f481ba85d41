"""Who signs the programme's documents: one row, entered by an administrator."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sponsorship.models.base import Base
from sponsorship.models.languages import Multilingual


class Signatory(Multilingual, Base):
    """The signature block printed on every letter, certificate and note.

    A single row (id 1). The name is the same in every language; the title (e.g.
    "Director, Implementation Support Unit") has French and Spanish versions.
    """

    __tablename__ = "signatory"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(200))
    title_fr: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title_es: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")

    translated_fields = ("title",)
