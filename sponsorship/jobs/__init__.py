"""Background jobs: offer expiry, offer reminders, the mail outbox, bulk letters.

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

The package: `definitions` (the jobs, by name), `queues` (embedded and RQ),
`bulk_runs` (one bulk letter run per meeting, its lease, resuming a dead one),
`scheduler`, `cli` (``flask jobs run|worker|scheduler``). The rest of the app uses only
what this module exports: `init_app`, `start_bulk_letters`, `bulk_running` and
`queue_health`. Run a job now, whatever the mode, with ``flask jobs run expire-offers``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from flask import Flask, current_app

from sponsorship.jobs.bulk_runs import bulk_running, start_bulk_letters
from sponsorship.jobs.cli import jobs_cli

# RQ workers call jobs by this dotted path (queues.EXECUTE_PATH): keep it resolving.
from sponsorship.jobs.definitions import execute
from sponsorship.jobs.queues import (
    EXTENSION,
    QUEUE_NAME,
    EmbeddedQueue,
    RedisQueue,
    queue_health,
)
from sponsorship.jobs.scheduler import Scheduler, intervals

__all__ = ["bulk_running", "execute", "init_app", "queue_health", "start_bulk_letters"]

log = logging.getLogger(__name__)


@dataclass
class Jobs:
    """What `init_app` keeps in `app.extensions`: the queue and the scheduler."""

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
    # The tests' app runs embedded jobs when a test says so (EmbeddedQueue.run_pending).
    app.config.setdefault("JOBS_EMBEDDED_THREAD", not app.config.get("TESTING"))
    threaded = app.config["JOBS_EMBEDDED_THREAD"]
    target = RedisQueue(url, name=name) if url else EmbeddedQueue(app, threaded=threaded)
    app.extensions[EXTENSION] = Jobs(target, Scheduler(app, intervals(app)))
    if app.config["JOBS_SCHEDULER"] == "embedded" and not app.config.get("TESTING"):
        app.before_request(_start_embedded_scheduler)
    app.cli.add_command(jobs_cli)
