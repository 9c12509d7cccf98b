"""The PA's home at a glance (SPEC 18; issue 19 item 2): per company and across the PA's companies, the
figures a finance team starts its day with — credit used of the limit, the next amount due and its
date, unbilled and pending (held) spend, declines today, accounts past due or suspended, cards
expiring within 60 days, open disputes and complaints, and the requests waiting for the PA.

Each figure is one grouped query over all the PA's companies at once (the dues too: statements.selectors
.company_dues allocates payments to the oldest dues in SQL), so the home costs the same number of
queries for one company as for twenty, with one account or ten thousand (pinned by tests).
Each figure comes with the link to the page that shows it (`links`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils.http import urlencode

from accounts.change_request_models import ChangeRequest
from accounts.models import Account, Card, Company
from amexprog.common.db import from_minor, minor_sum
from charges.authorizations import SPEND_KINDS
from charges.models import Authorization, Hold
from complaints.models import Complaint
from disputes.models import Dispute
from ledger.models import Posting
from ledger.selectors import company_owed_totals
from rewards.models import Enrolment
from statements.models import Statement
from statements.selectors import CompanyDues, company_dues

EXPIRING_WITHIN_DAYS = 60  # SPEC 18: cards expiring within 60 days
# Cards that can still be used or are on their way: a lost, cancelled or expired card does not "expire".
LIVE_CARD_STATUSES = (Card.Status.ORDERED, Card.Status.ACTIVE, Card.Status.BLOCKED)
ZERO = Decimal("0.00")
# The company-wide transactions view (issue 19 item 3) is built in parallel; until it is there the
# figures it would show link to the company page's sections that show them.
TRANSACTIONS_VIEW = "portal:company_transactions"


@dataclass
class Glance:
    """One company's figures, in the company's currency."""

    company: Company
    on: dt.date
    currency: str
    credit_limit: Decimal
    owed: Decimal = ZERO
    held: Decimal = ZERO
    unbilled: Decimal = ZERO
    next_due_amount: Decimal = ZERO
    next_due_date: dt.date | None = None
    overdue_amount: Decimal = ZERO
    declines_today: int = 0
    past_due_accounts: int = 0
    suspended_accounts: int = 0
    expiring_cards: int = 0
    open_disputes: int = 0
    open_complaints: int = 0
    pending_changes: int = 0
    pending_enrolments: int = 0
    links: dict[str, str] = field(default_factory=dict)

    @property
    def credit_used(self) -> Decimal:
        """SPEC 10: what the accounts owe plus what open authorizations hold against the limit."""
        return self.owed + self.held

    @property
    def credit_used_percent(self) -> int:
        if self.credit_limit <= 0:
            return 0
        return int(self.credit_used * 100 / self.credit_limit)

    @property
    def requests_awaiting(self) -> int:
        return self.pending_changes + self.pending_enrolments


@dataclass
class CurrencyTotal:
    currency: str
    credit_limit: Decimal = ZERO
    credit_used: Decimal = ZERO
    unbilled: Decimal = ZERO
    held: Decimal = ZERO
    next_due_amount: Decimal = ZERO
    next_due_date: dt.date | None = None


@dataclass
class GlanceTotals:
    """Across the PA's companies: money per currency (a DKK and a EUR company are not added up), counts summed."""

    money: list[CurrencyTotal]
    declines_today: int
    past_due_accounts: int
    suspended_accounts: int
    expiring_cards: int
    open_disputes: int
    open_complaints: int
    requests_awaiting: int


def _url(name: str, number: str, params: dict | None = None, anchor: str = "") -> str:
    url = reverse(name, args=[number])
    return url + (f"?{urlencode(params)}" if params else "") + (f"#{anchor}" if anchor else "")


def glance_links(company: Company, *, on: dt.date) -> dict[str, str]:
    """Where each figure is shown in full (SPEC 18: every figure a link)."""
    number = company.number
    detail = reverse("portal:company_detail", args=[number])
    day = on.isoformat()
    return {
        "company": detail,
        "credit": _url("portal:company_cardmembers", number, {"sort": "-balance"}),
        "due": _url("portal:company_statements", number),
        "unbilled": f"{detail}#period",  # the transactions view has no "since the last statement" filter
        "held": _url(TRANSACTIONS_VIEW, number, {"status": "pending"}),
        "declines": _url(TRANSACTIONS_VIEW, number, {"status": "declined", "date_from": day, "date_to": day}),
        "past_due": f"{detail}#ageing",
        "suspended": _url("portal:company_cardmembers", number, {"account_status": Account.Status.SUSPENDED}),
        "expiring": f"{detail}#expiring",
        "disputes": _url("portal:company_disputes", number),
        "complaints": reverse("portal:complaints"),
        "changes": _url("portal:company_changes", number),
        "enrolments": _url("portal:company_eurobonus", number),
    }


def _counts(queryset, key: str) -> dict[int, int]:
    return dict(queryset.order_by().values(key).annotate(n=Count("pk")).values_list(key, "n"))


def _money(queryset, key: str, amount: str) -> dict[int, Decimal]:
    rows = queryset.order_by().values(key).annotate(total=minor_sum(amount)).values_list(key, "total")
    return {company_id: from_minor(total) for company_id, total in rows}


def companies_glance(*, companies: list[Company], user, on: dt.date) -> list[Glance]:
    """SPEC 18: the home's figures of each company, in the order given."""
    ids = [company.pk for company in companies]
    if not ids:
        return []
    owed = company_owed_totals(company_ids=ids)
    held = _money(Hold.objects.filter(company_id__in=ids, status=Hold.Status.OPEN), "company_id", "amount")
    # Unbilled spend: each account's spend posted after its latest statement (the dashboard's "this
    # statement period", so the figure and the page it links to agree): a posting no statement of its
    # account is dated on or after, an anti-join the database does in one pass (issue 19, at 10,000
    # cardmembers), not a latest-statement subquery per posting.
    stated_since = Statement.objects.filter(account_id=OuterRef("account_id"),
                                            statement_date__gte=OuterRef("posting_date"))
    unbilled = _money(
        Posting.objects.filter(account__company_id__in=ids, kind__in=SPEND_KINDS, posting_date__lte=on)
        .exclude(Exists(stated_since)), "account__company_id", "amount")
    declines = _counts(Authorization.objects.filter(account__company_id__in=ids, approved=False, decided_on=on),
                       "account__company_id")
    suspended = _counts(Account.objects.filter(company_id__in=ids, status=Account.Status.SUSPENDED), "company_id")
    expiring = _counts(
        Card.objects.filter(account__company_id__in=ids, status__in=LIVE_CARD_STATUSES, expiry__gte=on,
                            expiry__lte=on + dt.timedelta(days=EXPIRING_WITHIN_DAYS))
        .exclude(Exists(Card.objects.filter(replaces=OuterRef("pk")))), "account__company_id")
    disputes = _counts(Dispute.objects.filter(account__company_id__in=ids, status__in=Dispute.ACTIVE),
                       "account__company_id")
    complaints = _counts(Complaint.objects.filter(company_id__in=ids, status=Complaint.Status.OPEN), "company_id")
    # Changes the PA can decide: those someone else asked for (SPEC 17, a second person approves).
    changes = _counts(ChangeRequest.objects.filter(company_id__in=ids, status=ChangeRequest.Status.PENDING)
                      .exclude(requested_by_user=user), "company_id")
    enrolments = _counts(Enrolment.objects.filter(account__company_id__in=ids, status=Enrolment.Status.REQUESTED),
                         "account__company_id")
    dues = company_dues(company_ids=ids, on=on)

    glances = []
    for company in companies:
        pk = company.pk
        due = dues.get(pk) or CompanyDues()
        glances.append(Glance(
            company=company, on=on, currency=company.currency, credit_limit=company.credit_limit.amount,
            owed=owed.get(pk, ZERO), held=held.get(pk, ZERO), unbilled=unbilled.get(pk, ZERO),
            next_due_amount=due.next_due_amount, next_due_date=due.next_due_date,
            overdue_amount=due.overdue_amount, declines_today=declines.get(pk, 0),
            past_due_accounts=due.past_due_accounts,
            suspended_accounts=suspended.get(pk, 0), expiring_cards=expiring.get(pk, 0),
            open_disputes=disputes.get(pk, 0), open_complaints=complaints.get(pk, 0),
            pending_changes=changes.get(pk, 0), pending_enrolments=enrolments.get(pk, 0),
            links=glance_links(company, on=on),
        ))
    return glances


def glance_totals(glances: list[Glance]) -> GlanceTotals:
    """SPEC 18, across the PA's companies: money added up per currency, the earliest next due date of each."""
    money: dict[str, CurrencyTotal] = {}
    for glance in glances:
        total = money.setdefault(glance.currency, CurrencyTotal(currency=glance.currency))
        total.credit_limit += glance.credit_limit
        total.credit_used += glance.credit_used
        total.unbilled += glance.unbilled
        total.held += glance.held
        if glance.next_due_date and (total.next_due_date is None or glance.next_due_date < total.next_due_date):
            total.next_due_date, total.next_due_amount = glance.next_due_date, glance.next_due_amount
        elif glance.next_due_date and glance.next_due_date == total.next_due_date:
            total.next_due_amount += glance.next_due_amount
    return GlanceTotals(
        money=[money[currency] for currency in sorted(money)],
        declines_today=sum(glance.declines_today for glance in glances),
        past_due_accounts=sum(glance.past_due_accounts for glance in glances),
        suspended_accounts=sum(glance.suspended_accounts for glance in glances),
        expiring_cards=sum(glance.expiring_cards for glance in glances),
        open_disputes=sum(glance.open_disputes for glance in glances),
        open_complaints=sum(glance.open_complaints for glance in glances),
        requests_awaiting=sum(glance.requests_awaiting for glance in glances),
    )
