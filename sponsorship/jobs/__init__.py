"""Background jobs: offer expiry, offer reminders, the mail outbox.

Two ways to run them, chosen by configuration only:

* **Embedded (default, no other service).** An in-process queue with one worker thread
  runs the jobs, and a scheduler thread enqueues each periodic job when it is due. The
  scheduler starts with the first request the app serves (never in `flask db upgrade`
  or other commands) when ``JOBS_SCHEDULER=embedded``. Meant for the one-process
  deployment on SQLite; every job is idempotent, so a second process doing the same
  would waste work but not break anything.
* **Redis (``REDIS_URL`` set).** Jobs go to an RQ queue on Redis and run in
  ``flask jobs worker`` processes. The scheduler (embedded, or ``flask jobs scheduler``
  on its own) only enqueues, and takes a Redis lock per job and interval, so several
  gunicorn processes enqueue each periodic job once.

A bulk letter run on Redis holds a lease it renews every few seconds. A worker killed
mid-run (SIGKILL, OOM, a lost machine) stops renewing it; the scheduler's next tick
sees a started run without a lease and enqueues the run again. That is a resume, not a
repeat: a run issues only the letters still missing, the letters it committed stay,
and the uncommitted batch died with the worker's transaction.

Jobs are named; a job is a function of plain arguments run inside an app context. Run
one now, whatever the mode, with ``flask jobs run expire-offers``.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from sponsorship.extensions import db

log = logging.getLogger(__name__)

EXTENSION = "sponsorship.jobs"
QUEUE_NAME = "sponsorship"


# --- The jobs ------------------------------------------------------------------------


def expire_offers(today: str | None = None) -> dict:
    """Expire overdue offers, release their money, list (or offer) who now fits."""
    from sponsorship.review import decisions

    result = decisions.expire_offers(date.fromisoformat(today) if today else None)
    if result.expired or result.proposals or result.offered:
        log.info(
            "offers expired: %s; released %s; waitlist now fits: %s; offered: %s",
            ", ".join(result.expired) or "none",
            result.released,
            ", ".join(p.reference for p in result.proposals) or "none",
            ", ".join(result.offered) or "none",
        )
    return {
        "expired": result.expired,
        "released": str(result.released),
        "proposals": [p.reference for p in result.proposals],
        "offered": result.offered,
        "refused": [f"{name}: {why}" for name, why in result.refused],
    }


def offer_reminders(today: str | None = None) -> dict:
    """Queue a reminder for each offer whose deadline is near (once per offer)."""
    from sponsorship.applications.offers import queue_offer_reminders

    return {"queued": queue_offer_reminders(date.fromisoformat(today) if today else date.today())}


def deliver_mail() -> dict:
    """Send what the outbox holds that is due."""
    from sponsorship.mail import outbox as mail

    result = mail.deliver_due()
    return {"sent": result.sent, "failed": result.failed, "retried": result.retried}


def deliver_mail_at(now: str | None = None) -> dict:
    """`deliver-mail` as if run at `now` (ISO, UTC): a retry that is due later, now."""
    from datetime import datetime

    from sponsorship.mail import outbox as mail

    result = mail.deliver_due(datetime.fromisoformat(now) if now else None)
    return {"sent": result.sent, "failed": result.failed, "retried": result.retried}


def issue_letters(meeting_id: int, actor_id: int | None = None) -> dict:
    """Issue every missing award letter of a meeting (rerunning issues none twice)."""
    from sponsorship.documents import bulk
    from sponsorship.models import User

    actor = db.session.get(User, actor_id) if actor_id else None
    lease = _Lease.hold(meeting_id)
    try:
        result = bulk.bulk_issue(meeting_id, actor, workers=current_app.config["LETTERS_WORKERS"])
    finally:
        if lease is not None:
            lease.release()
        _mark_bulk(meeting_id, False)
    return {
        "issued": len(result.issued),
        "failed": [f"{ref}: {why}" for ref, why in result.failed],
        "retried": result.retried,
    }


JOBS: dict[str, Callable[..., Any]] = {
    "issue-letters": issue_letters,
    "expire-offers": expire_offers,
    "offer-reminders": offer_reminders,
    "deliver-mail": deliver_mail,
    "deliver-mail-at": deliver_mail_at,
}


def execute(name: str, kwargs: dict | None = None) -> Any:
    """Run job `name` in an app context: the current one, or a new app's (RQ worker)."""
    job = JOBS[name]
    try:
        current_app._get_current_object()
    except RuntimeError:
        from sponsorship import create_app

        with create_app().app_context():
            return _run(job, kwargs)
    return _run(job, kwargs)


def _run(job: Callable[..., Any], kwargs: dict | None) -> Any:
    try:
        return job(**(kwargs or {}))
    finally:
        # The job's session must not leak into the next job on this thread.
        db.session.remove()


# --- Queues --------------------------------------------------------------------------


@dataclass
class Done:
    name: str
    result: Any = None
    error: str | None = None


class EmbeddedQueue:
    """Jobs run one at a time by a daemon thread of this process."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        #: The latest outcomes, newest last (for the CLI and the tests).
        self.done: deque[Done] = deque(maxlen=100)
        #: Meetings whose bulk letter run is queued or running.
        self.running: set[int] = set()

    def enqueue(self, name: str, **kwargs: Any) -> str:
        if name not in JOBS:
            raise KeyError(name)
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="sponsorship-jobs", daemon=True
                )
                self._thread.start()
        self._jobs.put((name, kwargs))
        return name

    def join(self) -> None:
        """Wait until every job enqueued so far has run."""
        self._jobs.join()

    def _work(self) -> None:
        while True:
            name, kwargs = self._jobs.get()
            try:
                with self.app.app_context():
                    self.done.append(Done(name, result=execute(name, kwargs)))
            except Exception as error:  # noqa: BLE001 - a job's failure must not kill the worker
                log.exception("job %s failed", name)
                self.done.append(Done(name, error=repr(error)))
            finally:
                self._jobs.task_done()


class RedisQueue:
    """Jobs enqueued on Redis for `flask jobs worker` (RQ) processes."""

    def __init__(self, url: str, name: str = QUEUE_NAME) -> None:
        from redis import Redis
        from rq import Queue

        # Fail fast when Redis is down: the health check and a request that enqueues
        # must answer, not hang on a dead socket.
        self.connection = Redis.from_url(url, socket_connect_timeout=3, health_check_interval=30)
        self.queue = Queue(name, connection=self.connection)
        #: Every key of ours is under the queue's name, so two deployments (or test
        #: runs) sharing one Redis database never see each other's locks and runs.
        self.prefix = name

    def enqueue(self, name: str, **kwargs: Any) -> str:
        if name not in JOBS:
            raise KeyError(name)
        # A bulk letter run at scale takes minutes; RQ kills a job past its timeout.
        timeout = LETTERS_JOB_TIMEOUT if name == "issue-letters" else 600
        job = self.queue.enqueue(
            execute, name, kwargs, job_timeout=timeout, result_ttl=86400, failure_ttl=7 * 86400
        )
        return job.id

    def lock(self, key: str, seconds: int) -> bool:
        """True for the one caller that takes `key` for `seconds` (SET NX)."""
        return bool(self.connection.set(f"{self.prefix}:lock:{key}", "1", nx=True, ex=seconds))

    def ping(self) -> None:
        """Raise unless Redis answers (the health check)."""
        self.connection.ping()

    def workers(self) -> int:
        """RQ workers registered on this queue (they re-register every few minutes)."""
        from rq import Worker

        return Worker.count(queue=self.queue)


def job_queue(app: Flask | None = None) -> EmbeddedQueue | RedisQueue:
    app = app or current_app._get_current_object()
    return app.extensions[EXTENSION].queue


# --- Bulk letter runs ----------------------------------------------------------------

#: RQ's timeout for one bulk letter run (seconds): a whole meeting at scale.
LETTERS_JOB_TIMEOUT = 4 * 3600
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


# --- The scheduler -------------------------------------------------------------------


@dataclass
class Scheduler:
    """Enqueues each periodic job every `interval` seconds of its own."""

    app: Flask
    #: job name -> interval in seconds
    intervals: dict[str, int]
    last: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def due(self, now: float) -> list[str]:
        return [
            name
            for name, every in self.intervals.items()
            if now - self.last.get(name, float("-inf")) >= every
        ]

    def tick(self, now: float | None = None) -> list[str]:
        """Enqueue what is due at `now`; returns the names enqueued."""
        now = time.time() if now is None else now
        target = job_queue(self.app)
        enqueued = []
        if isinstance(target, RedisQueue):
            resume_abandoned_letters(target)
        for name in self.due(now):
            self.last[name] = now
            every = self.intervals[name]
            slot = int(now // every)
            if isinstance(target, RedisQueue) and not target.lock(f"{name}:{slot}", every):
                continue  # another process enqueued it for this interval
            target.enqueue(name)
            enqueued.append(name)
        return enqueued

    def run(self, poll: float = 5.0) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - keep scheduling after a Redis hiccup
                log.exception("scheduler tick failed")
            self._stop.wait(poll)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="sponsorship-scheduler", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()


def intervals(app: Flask) -> dict[str, int]:
    return {
        "expire-offers": app.config["JOBS_EXPIRE_OFFERS_EVERY"],
        "offer-reminders": app.config["JOBS_OFFER_REMINDERS_EVERY"],
        "deliver-mail": app.config["JOBS_DELIVER_MAIL_EVERY"],
    }


@dataclass
class Jobs:
    queue: EmbeddedQueue | RedisQueue
    scheduler: Scheduler
    started: bool = False


def _start_embedded_scheduler() -> None:
    jobs: Jobs = current_app.extensions[EXTENSION]
    if jobs.started:
        return
    jobs.started = True
    jobs.scheduler.start()
    log.info("embedded scheduler started: %s", jobs.scheduler.intervals)


def init_app(app: Flask) -> None:
    defaults = {
        # "embedded": a scheduler thread in each serving process; "off": none (run
        # `flask jobs scheduler` elsewhere, or cron `flask jobs run ...`).
        "JOBS_SCHEDULER": "embedded",
        "JOBS_EXPIRE_OFFERS_EVERY": 3600,
        "JOBS_OFFER_REMINDERS_EVERY": 3600,
        "JOBS_DELIVER_MAIL_EVERY": 60,
        "AUTO_OFFER_WAITLIST": False,
        # Processes rendering a bulk letter run (one renderer each); 1 renders in-process.
        "LETTERS_WORKERS": 1 if app.config.get("TESTING") else min(2, os.cpu_count() or 1),
    }
    for key, value in defaults.items():
        app.config.setdefault(key, value)
    url = app.config.get("REDIS_URL")
    name = app.config.get("JOBS_QUEUE_NAME") or QUEUE_NAME
    target = RedisQueue(url, name=name) if url else EmbeddedQueue(app)
    app.extensions[EXTENSION] = Jobs(target, Scheduler(app, intervals(app)))
    if app.config["JOBS_SCHEDULER"] == "embedded" and not app.config.get("TESTING"):
        app.before_request(_start_embedded_scheduler)
    app.cli.add_command(jobs_cli)


# --- Commands ------------------------------------------------------------------------

jobs_cli = AppGroup("jobs", help="Background jobs: offer expiry, reminders, mail.")


@jobs_cli.command("run")
@click.argument("name", type=click.Choice(sorted(JOBS)))
def run_command(name: str) -> None:
    """Run one job now, in this process (e.g. from cron)."""
    click.echo(f"{name}: {execute(name)}")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run queued jobs from Redis (needs REDIS_URL)."""
    target = job_queue()
    if not isinstance(target, RedisQueue):
        raise click.ClickException("REDIS_URL is not set: jobs run inside the app itself")
    import signal

    from rq import SimpleWorker

    class Worker(SimpleWorker):
        def subscribe(self):
            # RQ listens for commands on a thread. Were Ctrl-C or SIGTERM delivered to
            # that thread, the main one would sleep on in its blocking dequeue (up to
            # several minutes) before running RQ's stop handler: the thread is started
            # with both signals blocked, so the kernel delivers them to the main one.
            stops = {signal.SIGINT, signal.SIGTERM}
            previous = signal.pthread_sigmask(signal.SIG_BLOCK, stops)
            try:
                super().subscribe()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    # SimpleWorker runs jobs in this process, inside this command's app context.
    Worker([target.queue], connection=target.connection).work(burst=burst)


@jobs_cli.command("scheduler")
def scheduler_command() -> None:
    """Enqueue the periodic jobs when due, until stopped (Ctrl-C or SIGTERM)."""
    import signal

    scheduler: Scheduler = current_app.extensions[EXTENSION].scheduler
    click.echo(f"Scheduling {scheduler.intervals} (seconds); Ctrl-C to stop.")
    # Set both: a shell starts a background command with SIGINT ignored, and a process
    # manager stops services with SIGTERM; either ends the loop between two ticks.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: scheduler.stop())
    scheduler.run()
