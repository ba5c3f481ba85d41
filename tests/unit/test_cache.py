"""The stamped cache: a bounded LRU whose entries serve only at the data stamp they were
computed at; and the caches built on it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from sponsorship.core.cache import StampedCache
from sponsorship.models import ApplicationStatus
from sponsorship.reporting import programme
from sponsorship.review.queue import meeting_ranking
from tests.factories import ApplicationFactory, DelegateFactory, MeetingFactory


def test_full_cache_evicts_least_recently_used():
    cache = StampedCache(2)
    cache.put("a", "s", 1)
    cache.put("b", "s", 2)
    assert cache.get("a", "s") == 1  # "a" is now the most recently used
    cache.put("c", "s", 3)
    assert len(cache) == 2
    assert cache.get("b", "s") is None
    assert cache.get("a", "s") == 1
    assert cache.get("c", "s") == 3


def test_putting_again_replaces_and_counts_as_use():
    cache = StampedCache(2)
    cache.put("a", "s", 1)
    cache.put("b", "s", 2)
    cache.put("a", "t", 10)
    cache.put("c", "t", 3)
    assert len(cache) == 2
    assert cache.get("b", "s") is None
    assert cache.get("a", "t") == 10


def test_entry_computed_at_one_stamp_not_served_at_another():
    cache = StampedCache(4)
    cache.put("key", "stamp-a", "built at a")
    assert cache.get("key", "stamp-b") is None
    assert cache.get("key", "stamp-a") == "built at a"
    computed = []
    value = cache.get_or_compute("key", "stamp-b", lambda: computed.append(1) or "built at b")
    assert value == "built at b" and computed == [1]
    assert cache.get("key", "stamp-a") is None  # replaced: one entry a key
    assert cache.get_or_compute("key", "stamp-b", lambda: "not called") == "built at b"


def test_without_stamp_computed_every_time_and_never_kept():
    cache = StampedCache(4)
    calls = []
    for _ in range(2):
        assert cache.get_or_compute("key", None, lambda: calls.append(1) or "value") == "value"
    assert calls == [1, 1]
    cache.put("key", None, "value")
    assert len(cache) == 0
    assert cache.get("key", None) is None


def test_clear_forgets_everything():
    cache = StampedCache(4)
    cache.put("a", "s", 1)
    cache.clear()
    assert len(cache) == 0 and cache.get("a", "s") is None


def test_size_must_be_positive():
    with pytest.raises(ValueError):
        StampedCache(0)


def test_concurrent_get_or_compute_is_consistent_and_bounded():
    cache = StampedCache(8)
    keys, stamps = [f"k{i}" for i in range(20)], ["s1", "s2", "s3"]

    def work(n: int) -> bool:
        key, stamp = keys[n % len(keys)], stamps[(n // len(keys)) % len(stamps)]
        value = cache.get_or_compute(key, stamp, lambda: (key, stamp))
        # Whoever computed it, a caller gets the value of its key at its stamp.
        return value == (key, stamp) and len(cache) <= 8

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(20_000)))
    assert len(cache) == 8


def test_slow_computation_does_not_hold_up_other_keys():
    cache = StampedCache(4)
    cache.put("kept", "s", "ready")
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "slow"

    worker = threading.Thread(target=cache.get_or_compute, args=("slow", "s", slow))
    worker.start()
    try:
        assert started.wait(5)
        # The lock is not held while a value is computed: others are served meanwhile.
        assert cache.get("kept", "s") == "ready"
        assert cache.get_or_compute("other", "s", lambda: "quick") == "quick"
    finally:
        release.set()
        worker.join()
    assert cache.get("slow", "s") == "slow"


# --- The review's rankings and the programme figures, kept at the data stamp ---------


def _queued(meeting, name: str):
    application = ApplicationFactory(
        meeting=meeting, state__name=name, status=ApplicationStatus.SUBMITTED
    )
    DelegateFactory(application=application)
    return application


@pytest.fixture
def queued(db):
    application = _queued(MeetingFactory(), "Firstland")
    db.session.commit()
    return application


def test_ranking_reused_while_nothing_is_written(db, queued, count_queries):
    first = meeting_ranking(queued.meeting)
    with count_queries() as again:
        assert meeting_ranking(queued.meeting) is first
    assert again.count == 0  # the stamp was read already in this transaction
    db.session.commit()  # a transaction that wrote nothing: the same stamp
    assert meeting_ranking(queued.meeting) is first


def test_ranking_computed_again_after_any_writing_commit(db, queued):
    first = meeting_ranking(queued.meeting)
    # A write no audit event records, that leaves the queue's size alone.
    queued.state.name = "Renamedland"
    db.session.commit()
    assert meeting_ranking(queued.meeting) is not first


def test_ranking_inside_a_writing_transaction_sees_its_writes_and_is_not_kept(db, queued):
    assert len(meeting_ranking(queued.meeting).rows) == 1
    _queued(queued.meeting, "Uncommittedland")  # flushed, not committed
    assert len(meeting_ranking(queued.meeting).rows) == 2
    db.session.rollback()
    assert len(meeting_ranking(queued.meeting).rows) == 1


def test_programme_lines_not_kept_from_a_writing_transaction(db, app, queued, monkeypatch):
    monkeypatch.setitem(app.config, "PROGRAMME_REPORT_CACHE_SECONDS", 3600)
    first = programme.cached_lines("meeting")
    assert programme.cached_lines("meeting") is first
    _queued(MeetingFactory(), "Newland")  # flushed, not committed
    during = programme.cached_lines("meeting")
    assert during is not first and len(during) == len(first) + 1
    db.session.rollback()
    assert programme.cached_lines("meeting") is first
