"""The chart of accounts (SPEC section 4), created after every `migrate` (and after a test flush)."""

from __future__ import annotations

CHART_OF_ACCOUNTS = [
    ("receivable", "Cardmember receivables", "asset"),
    ("merchant_settlement", "Merchant settlement payable", "liability"),
    ("bank", "Bank", "asset"),
    ("fee_income_annual", "Fee income: annual card fees", "income"),
    ("fee_income_cash", "Fee income: cash withdrawal fees", "income"),
    ("fee_income_reminder", "Fee income: reminder fees", "income"),
    ("fee_income_eurobonus", "Fee income: EuroBonus fees", "income"),
    ("fee_income_returned_payment", "Fee income: returned payment costs", "income"),
    ("interest_income", "Interest income", "income"),
    ("fx_income", "FX income", "income"),
    ("dispute_suspense", "Dispute suspense", "liability"),
    ("write_off", "Write-off", "expense"),
]


def ensure_chart(**kwargs) -> None:
    from ledger.models import LedgerAccount

    LedgerAccount.objects.bulk_create(
        [LedgerAccount(code=code, name=name, type=kind) for code, name, kind in CHART_OF_ACCOUNTS],
        ignore_conflicts=True,
    )
