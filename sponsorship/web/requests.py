"""The app's request class: how large a request may be, and what of a file is kept.

A browser sends a form with its file in one body, and reads no answer before it has sent
it all: refusing a body over MAX_CONTENT_LENGTH with a bare 413 loses everything the
user typed. So a view whose form carries a file (`takes_upload`) accepts a signed-in
user's body up to MAX_UPLOAD_REQUEST_BYTES, and of each file only one byte more than
MAX_NOTE_BYTES (the largest file a form accepts) is kept; the rest is read and dropped.
The form then checks the file's size as for any other too-large file, and comes back
with the limit stated by the field and the other fields as they were sent.
"""

from __future__ import annotations

from collections.abc import Callable
from tempfile import SpooledTemporaryFile
from typing import IO

from flask import Request as FlaskRequest
from flask import current_app
from flask_login import current_user

#: Kept in memory below this, on disk above (as Werkzeug does).
_IN_MEMORY = 500 * 1024


def takes_upload(view: Callable) -> Callable:
    """Mark the view (below its route decorator) as one whose form carries a file."""
    view.takes_upload = True  # type: ignore[attr-defined]
    return view


class _KeptPrefix(SpooledTemporaryFile):
    """A file that keeps its first `keep` bytes and drops the rest as it is written."""

    def __init__(self, keep: int) -> None:
        super().__init__(max_size=_IN_MEMORY, mode="rb+")
        self._room = keep

    def write(self, data) -> int:  # type: ignore[override]
        kept = bytes(data[: max(self._room, 0)])
        self._room -= len(kept)
        if kept:
            super().write(kept)
        return len(data)


class Request(FlaskRequest):
    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        if self._max_content_length is not None:
            return self._max_content_length
        if not current_app:
            return super().max_content_length
        view = current_app.view_functions.get(self.endpoint or "")
        # Only a signed-in user: no anonymous client makes a worker read 100 MB.
        if getattr(view, "takes_upload", False) and current_user.is_authenticated:
            return current_app.config["MAX_UPLOAD_REQUEST_BYTES"]
        return current_app.config["MAX_CONTENT_LENGTH"]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return _KeptPrefix(current_app.config["MAX_NOTE_BYTES"] + 1)
