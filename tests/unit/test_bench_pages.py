"""`make bench` times every GET page of the authorization matrix with real objects:
a placeholder the bench cannot fill stops it (as `{person}` once did, unnoticed,
since no test ran the bench)."""

from __future__ import annotations

from datetime import date

from sponsorship.devdata import scale
from tests.bench import bench_http


def test_bench_pages_fill_every_id_the_matrix_names(db):
    scale.seed_scale(years=2, seed=5, today=date(2026, 11, 28))
    ids = bench_http._ids()
    assert all(value is not None for value in ids.values()), ids
    pages = bench_http.get_pages(ids)
    assert len(pages) > 50
    assert not [path for _endpoint, path in pages if "{" in path]
