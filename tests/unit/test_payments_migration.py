"""The migration of issue 22 keeps reconciled data valid: actual costs typed before
payments existed become approved payments of reconciled awards (their money was spent
by that reconciliation), and payments waiting for approval for an award not yet
reconciled; `funds check` passes after it."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from sponsorship.extensions import db
from sponsorship.funding.books import check_books, check_spend_approvals
from tests.apps import build_app

BEFORE = "e23a7c4b9f10"  # the migration just before the payments one


def test_typed_actual_costs_become_payments(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'migrate.db'}", demo=True)
    with app.app_context():
        flask_migrate.downgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            lines = conn.execute(
                sa.text("SELECT award_id, amount FROM award_cost_lines WHERE stage = 'actual'")
            ).all()
            reconciled = {row[0] for row in lines}
            # One award whose costs were typed but not yet reconciled (no money spent).
            waiting = conn.execute(
                sa.text("SELECT id FROM awards WHERE reconciled_at IS NULL ORDER BY id LIMIT 1")
            ).scalar_one()
            conn.execute(
                sa.text(
                    "INSERT INTO award_cost_lines (award_id, kind, stage, description,"
                    " quantity, unit_amount, amount) VALUES (:a, 'dsa', 'actual', 'DSA paid',"
                    " 10000, 4120000, 4120000)"
                ),
                {"a": waiting},
            )
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            payments = conn.execute(
                sa.text("SELECT award_id, status, base_amount, cost_line_id FROM payments")
            ).all()
            left = conn.execute(
                sa.text(
                    "SELECT count(*) FROM award_cost_lines WHERE stage = 'actual' AND award_id = :a"
                ),
                {"a": waiting},
            ).scalar_one()
        approved = [p for p in payments if p.status == "approved"]
        assert len(approved) == len(lines) and {p.award_id for p in approved} == reconciled
        assert all(p.cost_line_id is not None for p in approved)
        assert sum(p.base_amount for p in approved) == sum(row[1] for row in lines)
        entered = [p for p in payments if p.status == "entered"]
        assert [(p.award_id, p.base_amount, p.cost_line_id) for p in entered] == [
            (waiting, 4120000, None)
        ]
        assert left == 0  # written again when the payment is approved
        assert all(line.ok for line in check_books()) and check_spend_approvals() == []
        db.engine.dispose()
