"""One customer at a glance for ops (issue 19 item 12, SPEC 17 and 18): a company or a cardmember with its
accounts' balances, statements, payments, disputes and standing. Read-only: every change still goes
through the services and their admin actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import Account, Cardmember, Company

RECENT = 12  # rows of statements, payments and disputes shown per customer


@dataclass
class AccountLine:
    account: Account
    balance: Decimal
    unpaid: Decimal
    overdue: Decimal
    days_past_due: int


@dataclass
class CustomerOverview:
    company: Company
    cardmember: Cardmember | None
    as_of: dt.date
    accounts: list[AccountLine] = field(default_factory=list)
    statements: list = field(default_factory=list)
    company_statements: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    disputes: list = field(default_factory=list)
    open_disputes: int = 0

    @property
    def currency(self) -> str:
        return self.accounts[0].account.currency if self.accounts else ""

    @property
    def balance(self) -> Decimal:
        return sum((line.balance for line in self.accounts), Decimal("0.00"))

    @property
    def unpaid(self) -> Decimal:
        return sum((line.unpaid for line in self.accounts), Decimal("0.00"))

    @property
    def overdue(self) -> Decimal:
        return sum((line.overdue for line in self.accounts), Decimal("0.00"))

    @property
    def not_in_good_standing(self) -> list[AccountLine]:
        return [line for line in self.accounts if line.account.status != Account.Status.ACTIVE]


def customer_overview(*, as_of: dt.date, company: Company | None = None,
                      cardmember: Cardmember | None = None) -> CustomerOverview:
    """The figures of one customer on `as_of` (SPEC 9 for dues and days past due, SPEC 12 for disputes):
    the same selectors the portal and the cycle use, so ops see what the holder and the PA see."""
    from disputes.models import Dispute
    from ledger.selectors import account_balances, payments_of
    from statements.models import CompanyStatement, Statement
    from statements.selectors import days_past_due, dues_for_accounts, overdue

    if (company is None) == (cardmember is None):
        raise ValueError("one customer: a company or a cardmember")
    accounts = Account.objects.select_related("cardmember", "company").order_by("number")
    if cardmember is not None:
        company = cardmember.company
        accounts = accounts.filter(cardmember=cardmember)
    else:
        accounts = accounts.filter(company=company)
    accounts = list(accounts)
    ids = [account.pk for account in accounts]
    balances = account_balances(account_ids=ids)
    dues = dues_for_accounts(account_ids=ids, as_of=as_of, end_of_day=True)
    overview = CustomerOverview(company=company, cardmember=cardmember, as_of=as_of)
    for account in accounts:
        account_dues = dues.get(account.pk, [])
        late = overdue(account_dues, on=as_of)
        overview.accounts.append(AccountLine(
            account=account, balance=balances.get(account.pk, Decimal("0.00")),
            unpaid=sum((due.unpaid for due in account_dues), Decimal("0.00")),
            overdue=sum((due.unpaid for due in late), Decimal("0.00")),
            days_past_due=days_past_due(account_dues, on=as_of)))
    overview.statements = list(Statement.objects.filter(account_id__in=ids).select_related("account__cardmember")
                               .order_by("-statement_date", "account__number")[:RECENT])
    if cardmember is None:
        overview.company_statements = list(CompanyStatement.objects.filter(company=company)
                                           .order_by("-statement_date")[:RECENT])
    overview.payments = payments_of(account_ids=ids, limit=RECENT)
    disputes = Dispute.objects.filter(account_id__in=ids)
    overview.open_disputes = disputes.filter(status__in=Dispute.ACTIVE).count()
    overview.disputes = list(disputes.select_related("account__cardmember", "charge").order_by("-pk")[:RECENT])
    return overview
