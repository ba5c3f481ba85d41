"""Confirmation pages: one pattern for every irreversible or money-moving action.

An action's route answers GET with `confirmation(...)`: a page (no JavaScript needed)
that says what will happen, asks for a reason where one is recorded, and offers a
Cancel link back to where the user came from. Its form posts to the same URL, where the
route does the action and redirects (post/redirect/get); a refused form is shown again
on the same page, with the GOV.UK error pattern of `templates/macros/forms.html`::

    @bp.route("/things/<int:thing_id>/delete", methods=["GET", "POST"])
    def delete(thing_id):
        thing, form = load(thing_id), ReasonForm()
        if form.validate_on_submit():
            with refusal(form.reason) as outcome:
                things.delete(current_user, thing, reason=form.reason.data)
            if not outcome.refused:
                flash(_("Deleted."), "success")
                return redirect(url_for(".thing", thing_id=thing.id))
        return confirmation(
            form,
            title=_("Delete %(name)s?", name=thing.name),
            consequences=[_("The thing is gone for good.")],
            button=_("Delete"),
            cancel=url_for(".thing", thing_id=thing.id),
        )

Links that open the page are ordinary `<a href>`s to the action's URL.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import render_template, request

#: The status of a posted confirmation that was refused (as the other forms answer).
INVALID = 422


def confirmation(
    form,
    *,
    title: str,
    consequences: Iterable[str],
    button: str,
    cancel: str,
    action: str | None = None,
    danger: bool = True,
    hidden: Iterable[tuple[str, str]] = (),
    lead: str | None = None,
    hints: dict[str, str] | None = None,
    status: int | None = None,
):
    """The confirmation page for `form`: its visible fields (a reason), `hidden` pairs
    carried to the post (a selection), what will happen, and a way back."""
    if status is None:
        status = INVALID if request.method == "POST" else 200
    return (
        render_template(
            "confirm.html",
            form=form,
            title=title,
            lead=lead,
            consequences=list(consequences),
            button=button,
            cancel=cancel,
            action=action or request.path,
            danger=danger,
            hidden=list(hidden),
            hints=hints or {},
        ),
        status,
    )
