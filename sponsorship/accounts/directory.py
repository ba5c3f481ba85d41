"""The administrators' list of accounts: searched by name or e-mail, filtered by role,
one page at a time (579 accounts at twenty years made the page the crawl's slowest list).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from sponsorship.core.paging import Paged, page_window
from sponsorship.extensions import db
from sponsorship.models import Role, User

PER_PAGE = 50


@dataclass(frozen=True)
class UsersPage(Paged):
    users: list[User]
    page: int
    pages: int
    #: Accounts matching the search, on every page.
    total: int


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def users_page(
    search: str = "", role: Role | None = None, page: int = 1, per_page: int | None = None
) -> UsersPage:
    """Accounts by role then e-mail, matching `search` in the name or the e-mail."""
    per_page = per_page or PER_PAGE
    where = []
    search = "".join(ch for ch in search if ch.isprintable()).strip()
    if search:
        pattern = f"%{_escaped(search)}%"
        where.append(
            sa.or_(User.email.ilike(pattern, escape="\\"), User.name.ilike(pattern, escape="\\"))
        )
    if role is not None:
        where.append(User.role == role)
    total = db.session.scalar(sa.select(sa.func.count(User.id)).where(*where)) or 0
    page, pages = page_window(total, per_page, page)
    # Each row names its State or donor: loaded with the users, not one query per row.
    users = db.session.scalars(
        sa.select(User)
        .where(*where)
        .options(joinedload(User.state), joinedload(User.donor))
        .order_by(User.role, User.email, User.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return UsersPage(list(users), page, pages, total)
