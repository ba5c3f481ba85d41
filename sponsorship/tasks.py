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
    from sponsorship.services import decisions

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
    from sponsorship.services.offers import queue_offer_reminders

    return {"queued": queue_offer_reminders(date.fromisoformat(today) if today else date.today())}


def deliver_mail() -> dict:
    """Send what the outbox holds that is due."""
    from sponsorship.services import mail

    result = mail.deliver_due()
    return {"sent": result.sent, "failed": result.failed, "retried": result.retried}


def issue_letters(meeting_id: int, actor_id: int | None = None) -> dict:
    """Issue every missing award letter of a meeting (rerunning issues none twice)."""
    from sponsorship.models import User
    from sponsorship.services import letters

    actor = db.session.get(User, actor_id) if actor_id else None
    try:
        result = letters.bulk_issue(
            meeting_id, actor, workers=current_app.config["LETTERS_WORKERS"]
        )
    finally:
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

        self.connection = Redis.from_url(url)
        self.queue = Queue(name, connection=self.connection)

    def enqueue(self, name: str, **kwargs: Any) -> str:
        if name not in JOBS:
            raise KeyError(name)
        job = self.queue.enqueue(execute, name, kwargs, job_timeout=600, result_ttl=86400)
        return job.id

    def lock(self, key: str, seconds: int) -> bool:
        """True for the one caller that takes `key` for `seconds` (SET NX)."""
        return bool(self.connection.set(f"{QUEUE_NAME}:lock:{key}", "1", nx=True, ex=seconds))


def job_queue(app: Flask | None = None) -> EmbeddedQueue | RedisQueue:
    app = app or current_app._get_current_object()
    return app.extensions[EXTENSION].queue


def _mark_bulk(meeting_id: int, running: bool) -> None:
    target = job_queue()
    if isinstance(target, RedisQueue):
        key = f"{QUEUE_NAME}:letters:{meeting_id}"
        if running:
            target.connection.set(key, "1", ex=3600)
        else:
            target.connection.delete(key)
    elif running:
        target.running.add(meeting_id)
    else:
        target.running.discard(meeting_id)


def bulk_running(meeting_id: int) -> bool:
    """Whether a bulk letter run for the meeting is queued or running."""
    target = job_queue()
    if isinstance(target, RedisQueue):
        return bool(target.connection.exists(f"{QUEUE_NAME}:letters:{meeting_id}"))
    return meeting_id in target.running


def start_bulk_letters(meeting_id: int, actor_id: int | None) -> str | None:
    """Enqueue the meeting's bulk letter run unless one is already queued or running."""
    if bulk_running(meeting_id):
        return None
    _mark_bulk(meeting_id, True)
    return job_queue().enqueue("issue-letters", meeting_id=meeting_id, actor_id=actor_id)


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
    target = RedisQueue(url) if url else EmbeddedQueue(app)
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
    from rq import SimpleWorker

    # SimpleWorker runs jobs in this process, inside this command's app context.
    SimpleWorker([target.queue], connection=target.connection).work(burst=burst)


@jobs_cli.command("scheduler")
def scheduler_command() -> None:
    """Enqueue the periodic jobs when due, until stopped."""
    scheduler: Scheduler = current_app.extensions[EXTENSION].scheduler
    click.echo(f"Scheduling {scheduler.intervals} (seconds); Ctrl-C to stop.")
    try:
        scheduler.run()
    except KeyboardInterrupt:
        scheduler.stop()
