"""`flask storage import-uploads`: move the notes an earlier release kept on disk.

Up to this release a nomination note was a file UPLOAD_DIR/notes/<32 hex>.pdf on the
host that received it, and `applications.note_path` held its name. The name stays; the
file moves to the key "notes/<name>". Each file is stored, read back from the store and
compared by sha256 with the bytes on disk; only then is the disk copy removed (kept with
--keep). A file already stored with the same sha256 is not stored again, so the command
can run again after an interruption, and on each host that held notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from sponsorship.storage.base import FileStore, NotStored, sha256

storage_cli = AppGroup("storage", help="Files in shared storage (notes, reports).")


@dataclass
class ImportResult:
    stored: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    #: Files whose copy in the store did not read back identical: left on disk.
    mismatched: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def import_uploads(store: FileStore, upload_dir: Path, *, keep: bool = False) -> ImportResult:
    """Move every note under `upload_dir`/notes into `store`, each checked by sha256."""
    from sponsorship.applications.uploads import NOTES, PDF_TYPE, STORED_NAME, note_key

    result = ImportResult()
    folder = upload_dir / NOTES
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if not path.is_file() or not STORED_NAME.match(path.name):
            result.skipped.append(path.name)
            continue
        data = path.read_bytes()
        digest = sha256(data)
        key = note_key(path.name)
        existing = store.stat(key)
        if existing is not None and existing.sha256 == digest:
            result.already.append(path.name)
        else:
            store.put(key, data, PDF_TYPE)
            try:
                stored = store.get(key)
            except NotStored:
                stored = b""
            if sha256(stored) != digest:
                result.mismatched.append(path.name)
                continue
            result.stored.append(path.name)
        if not keep:
            path.unlink()
    return result


@storage_cli.command("import-uploads")
@click.option("--keep", is_flag=True, help="Leave the files on disk once stored.")
@click.option(
    "--upload-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder an earlier release wrote to (default: UPLOAD_DIR).",
)
def import_uploads_command(keep: bool, upload_dir: Path | None) -> None:
    """Move the nomination notes kept on this host's disk into the storage."""
    from sponsorship.storage import file_store

    folder = upload_dir or Path(current_app.config["UPLOAD_DIR"])
    result = import_uploads(file_store(), folder, keep=keep)
    click.echo(
        f"{len(result.stored)} stored, {len(result.already)} already stored, "
        f"{len(result.mismatched)} not identical when read back, "
        f"{len(result.skipped)} not notes (left alone) in {folder / 'notes'}"
    )
    if result.mismatched:
        raise click.ClickException("left on disk: " + ", ".join(result.mismatched))
