"""Lists shown one page at a time: the arithmetic every paged list shares."""

from __future__ import annotations


def page_window(total: int, per_page: int, asked: int) -> tuple[int, int]:
    """(page, pages): how many pages `total` rows fill (at least one, so an empty list
    still has a page to show), and the asked page brought within them."""
    pages = max(1, -(-total // per_page))
    return min(max(1, asked), pages), pages


class Paged:
    """Previous and next for a page object that has `page` and `pages`."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages
