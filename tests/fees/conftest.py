"""Fixtures the fee tests share with the statement tests."""

from tests.statements.conftest import no_fee_company, overdue_account  # noqa: F401  (fixtures used here)
