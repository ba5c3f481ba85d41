"""Every POST route refuses a request that carries no CSRF token."""

import pytest

from tests.factories import UserFactory
from tests.web.test_authorization import MATRIX


def _post_routes():
    return sorted(route for route in MATRIX if route[1] == "POST")


def test_csrf_test_knows_every_post_route(app):
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posts == {endpoint for endpoint, _ in _post_routes()}


@pytest.mark.parametrize("route", _post_routes(), ids=lambda r: r[0])
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "administrator"])
def test_post_without_csrf_token_is_refused(app, db, client, auth, route, signed_in):
    assert app.config["WTF_CSRF_ENABLED"] is not False
    if signed_in:
        user = UserFactory()
        db.session.commit()
        auth.login(user.email)
    path = MATRIX[route].path.format(invite="any-token")
    response = client.post(path, data=MATRIX[route].data or {})
    assert response.status_code == 400
    assert "The request could not be understood" in response.get_data(as_text=True)
