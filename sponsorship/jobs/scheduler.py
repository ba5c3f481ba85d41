"""The scheduler: enqueues each periodic job when its interval comes round.

Embedded, it is a thread of each serving process; else `flask jobs scheduler` runs it
on its own. It only enqueues. On Redis it takes a lock per job and interval, so
several processes scheduling at once enqueue each periodic job once, and each tick
first resumes the bulk letter runs whose worker died.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from flask import Flask

from sponsorship.jobs.bulk_runs import resume_abandoned_letters
from sponsorship.jobs.queues import RedisQueue, job_queue

log = logging.getLogger(__package__)


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
        "report-reminders": app.config["JOBS_OFFER_REMINDERS_EVERY"],
        "deliver-mail": app.config["JOBS_DELIVER_MAIL_EVERY"],
        "retention": app.config["JOBS_RETENTION_EVERY"],
    }
