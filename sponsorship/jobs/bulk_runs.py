"""Bulk letter runs: one per meeting at a time, and a run whose worker died resumed.

Embedded, the queue's `running` set says which meetings have a run queued or going. On
Redis, a key per meeting holds the id of the RQ job of its current run, and the run
holds a lease it renews every few seconds. A worker killed mid-run (SIGKILL, OOM, a
lost machine) stops renewing it; the scheduler's next tick sees a started run without a
lease and enqueues the run again. That is a resume, not a repeat: a run issues only the
letters still missing, the letters it committed stay, and the uncommitted batch died
with the worker's transaction.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sponsorship.jobs.queues import LETTERS_JOB_TIMEOUT, RedisQueue, job_queue

log = logging.getLogger(__package__)

#: A running bulk run renews its lease this often; a run whose lease is older than
#: LEASE_TTL is taken for dead. Renewed by a thread, so a slow letter cannot lose it.
LEASE_RENEW_S = 2.0
LEASE_TTL_S = 10


def _run_key(target: RedisQueue, meeting_id: int) -> str:
    """Holds the id of the RQ job of the meeting's current run (queued or started)."""
    return f"{target.prefix}:letters:{meeting_id}"


def _lease_key(target: RedisQueue, meeting_id: int) -> str:
    return f"{target.prefix}:letters-lease:{meeting_id}"


class _Lease:
    """Renews the run's lease from a daemon thread until released (or the process dies)."""

    def __init__(self, target: RedisQueue, meeting_id: int) -> None:
        self.key = _lease_key(target, meeting_id)
        self.connection = target.connection
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name="letters-lease", daemon=True)

    @classmethod
    def hold(cls, meeting_id: int) -> _Lease | None:
        target = job_queue()
        if not isinstance(target, RedisQueue):
            return None
        lease = cls(target, meeting_id)
        lease.connection.set(lease.key, os.getpid(), ex=LEASE_TTL_S)
        lease._thread.start()
        return lease

    def _renew(self) -> None:
        while not self._stop.wait(LEASE_RENEW_S):
            try:
                self.connection.set(self.key, os.getpid(), ex=LEASE_TTL_S)
            except Exception:  # noqa: BLE001 - a Redis hiccup: try again next round
                log.warning("could not renew the letters lease %s", self.key, exc_info=True)

    def release(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.connection.delete(self.key)


@contextmanager
def holding(meeting_id: int) -> Iterator[None]:
    """Around the meeting's run: its lease held (on Redis), then the run marked done."""
    lease = _Lease.hold(meeting_id)
    try:
        yield
    finally:
        if lease is not None:
            lease.release()
        _mark_bulk(meeting_id, False)


def _mark_bulk(meeting_id: int, running: bool) -> None:
    target = job_queue()
    if isinstance(target, RedisQueue):
        if running:
            raise ValueError("on Redis a run is marked with its job id: _mark_run")
        key = _run_key(target, meeting_id)
        # Only the run the key names clears it: a stale run must not clear a new one.
        from rq import get_current_job

        current = get_current_job()
        held = target.connection.get(key)
        if current is None or held is None or held.decode() == current.id:
            target.connection.delete(key)
    elif running:
        target.running.add(meeting_id)
    else:
        target.running.discard(meeting_id)


def _mark_run(target: RedisQueue, meeting_id: int, job_id: str) -> None:
    target.connection.set(_run_key(target, meeting_id), job_id, ex=LETTERS_JOB_TIMEOUT)


def _redis_run_state(target: RedisQueue, meeting_id: int) -> str:
    """'idle', 'queued', 'running' or 'abandoned' (started, but its worker is gone)."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    held = target.connection.get(_run_key(target, meeting_id))
    if held is None:
        return "idle"
    try:
        job = Job.fetch(held.decode(), connection=target.connection)
    except NoSuchJobError:
        return "idle"
    status = job.get_status()
    if status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED):
        return "queued"
    if status != JobStatus.STARTED:
        return "idle"  # finished, failed, stopped or canceled
    if target.connection.exists(_lease_key(target, meeting_id)):
        return "running"
    # The lease is taken as the job starts; give a job that just started the time to.
    started = job.started_at.timestamp() if job.started_at else 0.0
    return "abandoned" if time.time() - started > LEASE_TTL_S else "running"


def bulk_running(meeting_id: int) -> bool:
    """Whether a bulk letter run for the meeting is queued or running."""
    target = job_queue()
    if isinstance(target, RedisQueue):
        return _redis_run_state(target, meeting_id) in ("queued", "running")
    return meeting_id in target.running


def start_bulk_letters(meeting_id: int, actor_id: int | None) -> str | None:
    """Enqueue the meeting's bulk letter run unless one is already queued or running."""
    target = job_queue()
    if isinstance(target, RedisQueue):
        # SET NX on a short claim: of two clicks at once, one enqueues.
        if bulk_running(meeting_id) or not target.lock(f"letters-start:{meeting_id}", 5):
            return None
        job_id = target.enqueue("issue-letters", meeting_id=meeting_id, actor_id=actor_id)
        _mark_run(target, meeting_id, job_id)
        return job_id
    if bulk_running(meeting_id):
        return None
    _mark_bulk(meeting_id, True)
    return target.enqueue("issue-letters", meeting_id=meeting_id, actor_id=actor_id)


def resume_abandoned_letters(target: RedisQueue) -> list[int]:
    """Enqueue again every bulk run whose worker died; returns the meetings resumed."""
    from rq.job import Job

    resumed = []
    pattern = f"{target.prefix}:letters:*"
    for key in target.connection.scan_iter(match=pattern, count=100):
        meeting_id = int(key.decode().rsplit(":", 1)[1])
        if _redis_run_state(target, meeting_id) != "abandoned":
            continue
        held = target.connection.get(key)
        # One scheduler resumes a given dead job, however many tick at once.
        if held is None or not target.lock(f"letters-resume:{held.decode()}", LETTERS_JOB_TIMEOUT):
            continue
        dead = Job.fetch(held.decode(), connection=target.connection)
        actor_id = (dead.args[1] or {}).get("actor_id") if len(dead.args) > 1 else None
        job_id = target.enqueue("issue-letters", meeting_id=meeting_id, actor_id=actor_id)
        _mark_run(target, meeting_id, job_id)
        log.warning(
            "bulk letters of meeting %s: worker lost during job %s, resumed as job %s",
            meeting_id,
            dead.id,
            job_id,
        )
        resumed.append(meeting_id)
    return resumed
