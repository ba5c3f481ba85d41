"""The test server's own rule: a response's body is closed however the request ends."""

from __future__ import annotations

import gc

from tests.e2e.conftest import closes_its_body


class _Body:
    """A response body that records whether it was closed, like a static file's."""

    def __init__(self) -> None:
        self.closed = False

    def __iter__(self):
        yield b"<svg>"
        yield b"</svg>"

    def close(self) -> None:
        self.closed = True


def _serve(body: _Body):
    return closes_its_body(lambda environ, start_response: body)({}, lambda *a: None)


def test_abandoned_response_closes_its_body():
    # What werkzeug does when the client resets the connection mid-response: it stops
    # iterating and drops the iterable without calling close().
    body = _Body()
    chunks = _serve(body)
    next(chunks)
    del chunks
    gc.collect()
    assert body.closed


def test_finished_response_closes_its_body_once_asked():
    body = _Body()
    chunks = _serve(body)
    assert b"".join(chunks) == b"<svg></svg>"
    chunks.close()
    assert body.closed
