"""The statement-cycle fixtures (an account overdue since 28 February 2026) for the fee tests."""

from tests.statements.conftest import no_fee_company, overdue_account  # noqa: F401 (fixtures)
