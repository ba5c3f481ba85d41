"""The administrators' history page: the template to download, a workbook to upload,
its preview (a dry run: what would be added, or every problem row by row), and the
confirmation that imports it. Nested in the `admin` blueprint (administrators only).

The uploaded workbook is kept under UPLOAD_DIR/history by its sha256 between the
preview and the confirmation, so what is confirmed is exactly what was previewed.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import HiddenField
from wtforms.validators import InputRequired

from sponsorship.extensions import db
from sponsorship.history import importer
from sponsorship.history.template import template_workbook
from sponsorship.models import HistoryImport
from sponsorship.web.forms import BaseForm
from sponsorship.web.responses import xlsx_response

bp = Blueprint("history", __name__, url_prefix="/history")

SHA256 = re.compile(r"^[0-9a-f]{64}$")


class UploadForm(BaseForm):
    workbook = FileField(_l("Workbook (XLSX)"))


class ConfirmImportForm(BaseForm):
    sha256 = HiddenField(validators=[InputRequired()])
    filename = HiddenField()


def _folder() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "history"


def _page(form: UploadForm, status: int = 200, **context):
    imports = db.session.scalars(
        select(HistoryImport).order_by(HistoryImport.id.desc()).limit(20)
    ).all()
    return render_template("history/index.html", form=form, imports=imports, **context), status


@bp.get("/")
def index():
    return _page(UploadForm())


@bp.get("/template.xlsx")
def template():
    return xlsx_response(template_workbook(), "history-template.xlsx")


def _uploaded(form: UploadForm) -> tuple[bytes, str] | None:
    upload = form.workbook.data
    if upload is None or not getattr(upload, "filename", ""):
        form.workbook.errors = [_("Choose a workbook to upload.")]
        return None
    data = upload.read()
    if len(data) > current_app.config["MAX_NOTE_BYTES"]:
        form.workbook.errors = [
            _(
                "This workbook is larger than %(size)d MB: import it with"
                " the command flask history import.",
                size=current_app.config["MAX_NOTE_BYTES"] // (1024 * 1024),
            )
        ]
        return None
    return data, Path(upload.filename).name[:200]


@bp.post("/")
def preview():
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    uploaded = _uploaded(form)
    if uploaded is None:
        return _page(form, 422)
    data, filename = uploaded
    outcome = importer.run(data, current_user, filename=filename, dry_run=True)
    if outcome.ok:
        _folder().mkdir(parents=True, exist_ok=True)
        (_folder() / f"{outcome.sha256}.xlsx").write_bytes(data)
    confirm = ConfirmImportForm(sha256=outcome.sha256, filename=filename)
    status = 200 if outcome.ok else 422
    return _page(form, status, outcome=outcome, confirm=confirm, filename=filename)


@bp.post("/confirm")
def confirm():
    form = ConfirmImportForm()
    sha = (form.sha256.data or "").lower()
    if not form.validate_on_submit() or not SHA256.match(sha):
        return _page(UploadForm(), 400)
    path = _folder() / f"{sha}.xlsx"
    if not path.is_file():
        flash(_("Upload the workbook again: it is no longer waiting."), "error")
        return redirect(url_for("admin.history.index"))
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        flash(_("Upload the workbook again: it is no longer waiting."), "error")
        return redirect(url_for("admin.history.index"))
    filename = (form.filename.data or "workbook.xlsx")[:200]
    outcome = importer.run(data, current_user, filename=filename)
    if not outcome.ok:
        return _page(UploadForm(), 422, outcome=outcome, filename=filename)
    path.unlink(missing_ok=True)
    added = sum(outcome.added.values())
    flash(_("%(n)d records imported from %(file)s.", n=added, file=filename), "success")
    return redirect(url_for("admin.history.index"))
