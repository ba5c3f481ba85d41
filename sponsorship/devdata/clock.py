"""When things happened in generated data: a day's moment, in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime


def stamp(day: date, hour: int = 9) -> datetime:
    """`day` at `hour` o'clock UTC (office hours in Geneva, give or take)."""
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)
