"""Services that lose a lock conflict run again before anyone is asked to try again."""

from __future__ import annotations

import pytest

from sponsorship.core import transaction
from sponsorship.core.transaction import (
    RETRIES,
    ConcurrentChange,
    LockConflict,
    retried,
    unit_of_work,
)


@pytest.fixture(autouse=True)
def no_pause(monkeypatch):
    monkeypatch.setattr(transaction, "_MAX_PAUSE", 0)


def flaky(losses: int, error=LockConflict):
    """A service that loses `losses` conflicts, then succeeds; counts its runs."""
    runs = []

    @retried
    def service():
        runs.append(1)
        if len(runs) <= losses:
            raise error("the funds changed")
        return "done"

    return service, runs


def test_retried_after_lock_conflicts_runs_again_and_succeeds(db):
    service, runs = flaky(losses=RETRIES)
    assert service() == "done"
    assert len(runs) == RETRIES + 1


def test_retried_losing_every_time_refuses_after_its_retries(db):
    service, runs = flaky(losses=RETRIES + 1)
    with pytest.raises(LockConflict):
        service()
    assert len(runs) == RETRIES + 1


def test_retried_inside_an_outer_unit_runs_once(db):
    service, runs = flaky(losses=1)
    with pytest.raises(LockConflict), unit_of_work():
        service()
    assert len(runs) == 1


def test_retried_over_commit_refusal_is_not_run_again(db):
    # The CHECK firing means a path skipped the locks: running it again would hide that.
    service, runs = flaky(losses=1, error=ConcurrentChange)
    with pytest.raises(ConcurrentChange):
        service()
    assert len(runs) == 1
