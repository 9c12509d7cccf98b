"""EuroBonus points at each statement (SPEC section 13, terms §38).

1 point per DKK 10 of eligible spend (a points rule, data). Eligible: purchases less their refunds;
cash, fees of every kind, interest and adjustments earn nothing. Points accrue at each statement on
the period's eligible spend with the cumulative rule

    points = floor(total eligible spend since enrolment ÷ 10) − points already awarded

so no remainder is lost and a refund reverses points. A statement whose account is more than 60
days past due on its statement date earns nothing, and that period's spend is left out of the
total for good.

Which spend counts: purchases posted while the enrolment is active (not before enrolment, not while
suspended, not after the end); a refund counts when the purchase it refunds counted (an unlinked
refund counts, to be safe), whenever it is posted during membership, so a suspension cannot keep
points for goods sent back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.db import transaction

from accounts.models import Account
from ledger.models import Posting, PostingKind
from rewards.models import Enrolment, ExportBatch, PointsPosting, PointsRule
from rewards.selectors import Participation, participation, points_rule_in_force
from statements.models import Statement
from statements.selectors import days_past_due, dues_for_accounts

ZERO = Decimal("0.00")
BATCH_CLOSED = "The SAS batch of {month:%Y-%m} is already {status}; points of a statement dated {day} cannot join it."


def floor_points(spend: Decimal, rule: PointsRule) -> int:
    return int((spend / rule.spend_per_point).to_integral_value(rounding=ROUND_FLOOR))


@dataclass(frozen=True)
class Award:
    """What one statement earns; the arithmetic a holder can check by hand."""

    eligible_spend: Decimal
    counted_spend: Decimal
    carried_in: Decimal
    carried_out: Decimal
    points: int
    forfeited: bool


def award(*, eligible_spend: Decimal, carried_in: Decimal, rule: PointsRule, forfeited: bool) -> Award:
    """`floor((carried_in + counted) ÷ rate)`: with carried_in = what the earlier points left over,
    this is exactly `floor(total since enrolment ÷ rate) − points already awarded`."""
    if forfeited:
        return Award(eligible_spend, ZERO, carried_in, carried_in, 0, True)
    total = carried_in + eligible_spend
    points = floor_points(total, rule)
    return Award(eligible_spend, eligible_spend, carried_in, total - points * rule.spend_per_point, points, False)


def _eligible_spend(postings: list[Posting], period: tuple[dt.date, dt.date], windows: Participation,
                    forfeited_periods: list[tuple[dt.date, dt.date]]) -> tuple[Decimal, Decimal, Decimal]:
    """(purchases, refunds, net) of the period that count."""
    start, end = period

    def purchase_counts(posting: Posting) -> bool:
        return (windows.earning_on(posting.posting_date)
                and not any(first <= posting.posting_date <= last for first, last in forfeited_periods))

    purchases = refunds = ZERO
    for posting in postings:
        if not start <= posting.posting_date <= end:
            continue
        if posting.kind == PostingKind.PURCHASE and purchase_counts(posting):
            purchases += posting.amount.amount
        elif posting.kind == PostingKind.REFUND:
            original = posting.related
            if original is None or (original.kind == PostingKind.PURCHASE and original.account_id == posting.account_id
                                    and purchase_counts(original)):
                refunds += posting.amount.amount  # negative
    return purchases, refunds, purchases + refunds


def points_award(*, on: dt.date) -> int:
    """Award the points of the statements produced on `on` and put them on the statements
    (Statement.eurobonus_points). Statements already awarded are skipped: safe to run again."""
    statements = list(
        Statement.objects.filter(statement_date=on, account__eurobonus__first_enrolled_on__lte=on,
                                 points_posting__isnull=True)
        .select_related("account__company", "account__eurobonus")
        .order_by("account_id")
    )
    if not statements:
        return 0
    enrolments = {
        e.pk: e for e in Enrolment.objects.filter(pk__in=[s.account.eurobonus.pk for s in statements])
        .prefetch_related("events")
    }
    account_ids = [s.account_id for s in statements]
    dues = dues_for_accounts(account_ids=account_ids, as_of=on, end_of_day=True)
    earliest = min(s.period_start for s in statements)
    postings: dict[int, list[Posting]] = defaultdict(list)
    for posting in (
        Posting.objects.filter(account_id__in=account_ids, kind__in=[PostingKind.PURCHASE, PostingKind.REFUND],
                               posting_date__gte=earliest, posting_date__lte=on)
        .select_related("related")
        .only("account_id", "kind", "amount", "amount_currency", "posting_date", "related",
              "related__kind", "related__account_id", "related__posting_date")
    ):
        postings[posting.account_id].append(posting)
    rules: dict[str, PointsRule] = {}
    awarded = 0
    for statement in statements:
        enrolment = enrolments[statement.account.eurobonus.pk]
        windows = participation(enrolment.events.all())
        if not windows.member_during(statement.period_start, statement.statement_date):
            continue  # no membership in this period: nothing to award, nothing to say
        market = statement.account.company.market
        rule = rules.get(market) or rules.setdefault(market, points_rule_in_force(market=market, on=on))
        _award_statement(statement=statement, enrolment=enrolment, windows=windows, rule=rule,
                         dpd=days_past_due(dues[statement.account_id], on=on), postings=postings[statement.account_id])
        awarded += 1
    return awarded


@transaction.atomic
def _award_statement(*, statement: Statement, enrolment: Enrolment, windows: Participation, rule: PointsRule,
                     dpd: int, postings: list[Posting]) -> PointsPosting:
    account: Account = statement.account
    previous = list(PointsPosting.objects.filter(account=account, statement_date__lt=statement.statement_date)
                    .order_by("statement_date").values("id", "carried_out", "cumulative_spend", "cumulative_points",
                                                       "forfeited", "period_start", "statement_date",
                                                       "eligible_spend", "rule__forfeit_after_days_past_due",
                                                       "explanation"))
    last = previous[-1] if previous else None
    forfeited = dpd > rule.forfeit_after_days_past_due
    restored = [] if forfeited else _restored_by_value_date(account, previous)
    forfeited_periods = [(p["period_start"], p["statement_date"]) for p in previous
                         if p["forfeited"] and p not in restored]
    purchases, refunds, eligible = _eligible_spend(postings, (statement.period_start, statement.statement_date),
                                                   windows, forfeited_periods)
    restored_spend = sum((p["eligible_spend"] for p in restored), ZERO)
    result = award(eligible_spend=eligible + restored_spend, carried_in=last["carried_out"] if last else ZERO,
                   rule=rule, forfeited=forfeited)
    result = Award(eligible, *[getattr(result, name) for name in
                               ("counted_spend", "carried_in", "carried_out", "points", "forfeited")])
    cumulative_spend = (last["cumulative_spend"] if last else ZERO) + result.counted_spend
    cumulative_points = (last["cumulative_points"] if last else 0) + result.points
    posting = PointsPosting.objects.create(
        statement=statement, enrolment=enrolment, account=account, member_number=enrolment.member_number,
        statement_date=statement.statement_date, period_start=statement.period_start, currency=statement.currency,
        eligible_spend=result.eligible_spend, counted_spend=result.counted_spend, carried_in=result.carried_in,
        carried_out=result.carried_out, cumulative_spend=cumulative_spend, points=result.points,
        cumulative_points=cumulative_points, forfeited=forfeited, days_past_due=dpd, rule=rule,
        explanation={"rule": "eurobonus_points", "points_rule_id": rule.pk, "points_rule": str(rule),
                     "spend_per_point": str(rule.spend_per_point), "purchases": str(purchases),
                     "refunds": str(refunds), "carried_in": str(result.carried_in),
                     "formula": f"floor(({result.carried_in} + {result.counted_spend}) ÷ {rule.spend_per_point})",
                     "forfeit_after_days_past_due": rule.forfeit_after_days_past_due, "days_past_due": dpd,
                     **({"restored": [p["id"] for p in restored], "restored_spend": str(restored_spend)}
                        if restored else {})},
        batch=_batch_for(statement.statement_date) if result.points else None,
        sas_status=PointsPosting.SasStatus.PENDING if result.points else "",
    )
    Statement.objects.filter(pk=statement.pk).update(eurobonus_points=result.points)
    return posting


def _restored_by_value_date(account: Account, previous: list[dict]) -> list[dict]:
    """Forfeited statements that a payment's value date shows were not past due (SPEC sections 9 and 13;
    issue 16 item 2): the bank's file came after the statement's run. The points ledger is never changed:
    their spend counts at this statement instead, once (the ids restored are kept in the explanation)."""
    already = {pk for p in previous for pk in (p["explanation"] or {}).get("restored", [])}
    candidates = [p for p in previous if p["forfeited"] and p["id"] not in already]
    if not candidates:
        return []
    late = list(Posting.objects.filter(account=account, value_date__isnull=False)
                .values_list("value_date", "posting_date"))
    # Only a payment booked after the statement with a value date on or before it can change its DPD.
    candidates = [p for p in candidates if any(value <= p["statement_date"] < booked for value, booked in late)]
    restored = []
    for row in candidates:
        dues = dues_for_accounts(account_ids=[account.pk], as_of=row["statement_date"], end_of_day=True)[account.pk]
        if days_past_due(dues, on=row["statement_date"]) <= row["rule__forfeit_after_days_past_due"]:
            restored.append(row)
    return restored


def _batch_for(day: dt.date) -> ExportBatch:
    """The month's SAS batch, accruing. A batch is exported only once its month is complete, so a
    statement of the month can never find it exported; if it does, stop rather than lose points."""
    month = day.replace(day=1)
    batch, _created = ExportBatch.objects.get_or_create(month=month,
                                                        defaults={"reference": ExportBatch.reference_for(month)})
    if batch.status != ExportBatch.Status.ACCRUED:
        raise RuntimeError(BATCH_CLOSED.format(month=month, status=batch.status, day=day))
    return batch
