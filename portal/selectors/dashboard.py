"""What a PA sees first on a company's page (issue 8, PA sheet): spend this statement period and over
the last 12 months, unpaid amounts by ageing bucket, blocked cards, cards near their monthly limit,
open disputes, EuroBonus requests awaiting approval, the latest notices and the highest balances.

Every part is one or two aggregate queries, so the page costs the same number of queries whatever
the number of accounts (pinned by tests).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, DateField, Exists, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Round, TruncMonth

from accounts.models import Account, Card, Company, Notice
from amexprog.common.db import from_minor, minor_sum
from charges.authorizations import SPEND_KINDS
from charges.models import Authorization, Hold
from disputes.models import Dispute, RefundRequest
from ledger.models import Posting
from portal.selectors.home import EXPIRING_WITHIN_DAYS, LIVE_CARD_STATUSES
from rewards.models import Enrolment
from statements.models import Statement
from statements.selectors_ageing import Ageing, ageing_buckets

NEAR_LIMIT_PERCENT = 80  # a card is near its limit from this share of its monthly limit used
SHOWN = 10
MONTHS = 12
BEFORE_ANY_STATEMENT = dt.date(1900, 1, 1)


@dataclass
class Bar:
    label: Any
    value: Decimal
    percent: int  # of the largest bar, for the chart's height


@dataclass
class Dashboard:
    company: Company
    on: dt.date
    period_spend: Decimal
    period_by_kind: list[Bar]
    months: list[Bar]
    ageing: Ageing
    blocked_count: int
    blocked_cards: list[Card]
    near_limit_count: int
    near_limit_cards: list[Card]
    open_disputes: int
    open_refund_requests: int
    pending_enrolments: int
    notices: list[Notice]
    top_accounts: list[Account] = field(default_factory=list)
    # SPEC 18, what the home's figures link to: open holds, today's declines, cards expiring soon.
    holds: list[Hold] = field(default_factory=list)
    declines_today: list[Authorization] = field(default_factory=list)
    expiring_cards: list[Card] = field(default_factory=list)


def _bars(rows: list[tuple[Any, Decimal]]) -> list[Bar]:
    largest = max((value for _label, value in rows), default=Decimal("0"))
    return [Bar(label, value, int(value * 100 / largest) if largest > 0 and value > 0 else 0)
            for label, value in rows]


def _month_starts(on: dt.date) -> list[dt.date]:
    months = []
    year, month = on.year, on.month
    for _ in range(MONTHS):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _minor(field_name: str) -> Cast:
    return Cast(Round(F(field_name) * 100), BigIntegerField())


def company_dashboard(company: Company, *, on: dt.date) -> Dashboard:
    spend = Posting.objects.filter(account__company=company, kind__in=SPEND_KINDS)

    # This statement period: each account's postings after its latest statement.
    last_statement = (Statement.objects.filter(account_id=OuterRef("account_id"))
                      .order_by("-statement_date").values("statement_date")[:1])
    period_rows = dict(
        spend.annotate(since=Coalesce(Subquery(last_statement), Value(BEFORE_ANY_STATEMENT), output_field=DateField()))
        .filter(posting_date__gt=F("since"), posting_date__lte=on)
        .values("kind").annotate(total=minor_sum("amount")).values_list("kind", "total")
    )
    labels = dict(Posting._meta.get_field("kind").choices)
    period_by_kind = _bars([(labels[kind], from_minor(period_rows[kind])) for kind in SPEND_KINDS
                            if kind in period_rows])

    months = _month_starts(on)
    month_rows = {
        (row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]): from_minor(row["total"])
        for row in spend.filter(posting_date__gte=months[0], posting_date__lte=on)
        .annotate(month=TruncMonth("posting_date")).values("month").annotate(total=minor_sum("amount"))
        .order_by()
    }

    cards = Card.objects.filter(account__company=company).select_related("account__cardmember")
    blocked = cards.filter(status=Card.Status.BLOCKED)
    # Used this calendar month in minor units ≥ 80 % of the limit: used × 100 ≥ limit × 80. Grouped from
    # this month's postings (few) rather than from every card of the company (many).
    month_start = on.replace(day=1)
    near = list(
        Posting.objects.filter(account__company=company, kind__in=SPEND_KINDS, posting_date__gte=month_start,
                               posting_date__lte=on, card__status=Card.Status.ACTIVE, card__monthly_limit__gt=0)
        .values("card_id", "card__monthly_limit").annotate(used_minor=minor_sum("amount"))
        .filter(used_minor__gte=F("card__monthly_limit") * NEAR_LIMIT_PERCENT)
        .order_by("-used_minor", "card_id").values_list("card_id", "used_minor")
    )
    shown = dict(near[:SHOWN])
    near_cards = sorted(cards.filter(pk__in=shown), key=lambda card: (-shown[card.pk], card.pk))
    for card in near_cards:
        card.used = from_minor(shown[card.pk])
        card.used_percent = int(card.used * 100 / card.monthly_limit.amount)

    highest = dict(
        Posting.objects.filter(account__company=company).values("account_id").annotate(total=minor_sum("amount"))
        .filter(total__gt=0).order_by("-total", "account_id").values_list("account_id", "total")[:SHOWN]
    )
    top_accounts = sorted(Account.objects.filter(pk__in=highest).select_related("cardmember"),
                          key=lambda account: (-highest[account.pk], account.number))
    for account in top_accounts:
        account.balance = from_minor(highest[account.pk])

    expiring = (cards.filter(status__in=LIVE_CARD_STATUSES, expiry__gte=on,
                             expiry__lte=on + dt.timedelta(days=EXPIRING_WITHIN_DAYS))
                .exclude(Exists(Card.objects.filter(replaces=OuterRef("pk")))).order_by("expiry", "id"))

    return Dashboard(
        company=company,
        on=on,
        period_spend=sum((bar.value for bar in period_by_kind), Decimal("0.00")),
        period_by_kind=period_by_kind,
        months=_bars([(month, month_rows.get(month, Decimal("0.00"))) for month in months]),
        ageing=ageing_buckets(company, on),
        blocked_count=blocked.count(),
        blocked_cards=list(blocked.order_by("-status_changed_on", "-id")[:SHOWN]),
        near_limit_count=len(near),
        near_limit_cards=near_cards,
        open_disputes=Dispute.objects.filter(account__company=company, status__in=Dispute.ACTIVE).count(),
        open_refund_requests=RefundRequest.objects.filter(account__company=company,
                                                          status__in=RefundRequest.OPEN).count(),
        pending_enrolments=Enrolment.objects.filter(account__company=company,
                                                    status=Enrolment.Status.REQUESTED).count(),
        notices=list(Notice.objects.filter(company=company).order_by("-created_on", "-id")[:5]),
        top_accounts=top_accounts,
        holds=list(Hold.objects.filter(company=company, status=Hold.Status.OPEN)
                   .select_related("card", "authorization", "account__cardmember")
                   .order_by("-created_on", "-id")[:SHOWN]),
        declines_today=list(Authorization.objects.filter(account__company=company, approved=False, decided_on=on)
                            .select_related("card", "account__cardmember").order_by("-decided_at", "-id")[:SHOWN]),
        expiring_cards=list(expiring[:SHOWN]),
    )
