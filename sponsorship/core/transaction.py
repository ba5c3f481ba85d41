"""One transaction rule for every write: `with unit_of_work():`.

* **Isolated from its first statement.** The caller's open read transaction is ended
  first, so what the unit reads is read now, not from an older snapshot. On SQLite the
  unit begins with ``BEGIN IMMEDIATE`` and so holds the write lock from its first read
  (pysqlite would otherwise read outside any transaction, and a read-check-write would
  not be isolated); on PostgreSQL it is an ordinary transaction in which the code takes
  the row locks it needs (``SELECT ... FOR UPDATE``).
* **Nested units join the outermost one**: only the outermost commits, so a service
  can call others and the whole is still one transaction.
* **All or nothing.** Any exception (a `DomainError` too) rolls everything back and is
  raised again. Two are translated into `ConcurrentChange`, which asks the user to try
  again: the database refusing an over-commitment (the CHECK
  ``never_overcommitted``, which means some path skipped the locks, so it is logged as
  an error), and a lock conflict the database resolved by aborting us (PostgreSQL's
  deadlock, serialization failure or lock timeout; SQLite's "database is locked").

The session must not hold unsaved changes when a unit starts: they would be committed
outside it. Make them inside the unit, or commit them first.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from sponsorship.core.errors import DomainError
from sponsorship.extensions import db

log = logging.getLogger(__name__)

_ACTIVE = "sponsorship.unit_of_work"
#: SQLSTATEs of a lock conflict PostgreSQL resolved by aborting us: deadlock detected,
#: serialization failure, lock not available.
_LOCK_CONFLICTS = {"40P01", "40001", "55P03"}
#: The CHECK that keeps a contribution's committed + spent within what was received.
_OVERCOMMIT_CHECK = "never_overcommitted"


class ConcurrentChange(DomainError):
    """Another transaction changed the same money; nothing was written, try again."""


class LockConflict(ConcurrentChange):
    """The database aborted this unit to settle a lock conflict (a deadlock, a failed
    serialization, a lock wait given up): nothing was written, and the same work run
    again will find the other transaction finished. `retried` services do so."""


_TRY_AGAIN = _l("The funds changed while this was being saved. Please try again.")

#: How many more times a `retried` service runs after losing a lock conflict before the
#: person is asked to try again, and the longest pause before the last run (seconds).
#: Conflicts come in bursts of a few administrators deciding on one meeting at once;
#: with jitter the runs spread out and the second run nearly always goes through.
RETRIES = 3
_MAX_PAUSE = 0.2

P = ParamSpec("P")
R = TypeVar("R")


def retried(service: Callable[P, R]) -> Callable[P, R]:
    """Run `service` again, after a short random pause, when its unit lost a lock
    conflict; at most `RETRIES` more times. Inside an outer unit it runs once: the
    outermost unit is the one that can be run again."""

    @wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(RETRIES):
            if db.session.info.get(_ACTIVE):
                break
            try:
                return service(*args, **kwargs)
            except LockConflict as conflict:
                log.info(
                    "%s lost a lock conflict (%s); running it again",
                    service.__name__,
                    conflict.__cause__,
                )
                time.sleep(random.uniform(0, _MAX_PAUSE * (attempt + 1) / RETRIES))  # noqa: S311
        return service(*args, **kwargs)

    return run


def _is_lock_conflict(error: OperationalError) -> bool:
    return getattr(error.orig, "sqlstate", None) in _LOCK_CONFLICTS


def _is_busy(error: OperationalError) -> bool:
    """SQLite gave up waiting for the write lock after its busy timeout (30 s): running
    the work again would only wait as long again, so it is not retried."""
    return "database is locked" in str(error.orig)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction around the block; yields the session. See the module's rules."""
    session = db.session
    if session.info.get(_ACTIVE):
        yield session
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError(
            "unit_of_work: the session holds unsaved changes; make them inside "
            "`with unit_of_work():` or commit them first"
        )
    session.commit()
    session.connection(execution_options={"sqlite_begin": "BEGIN IMMEDIATE"})
    session.info[_ACTIVE] = True
    try:
        yield session
        session.commit()
    except IntegrityError as error:
        session.rollback()
        if _OVERCOMMIT_CHECK in str(error.orig):
            log.error("ledger: over-commitment refused by the database CHECK: %s", error.orig)
            raise ConcurrentChange(str(_TRY_AGAIN)) from error
        raise
    except OperationalError as error:
        session.rollback()
        if _is_lock_conflict(error):
            raise LockConflict(str(_TRY_AGAIN)) from error
        if _is_busy(error):
            raise ConcurrentChange(str(_TRY_AGAIN)) from error
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_ACTIVE, None)
