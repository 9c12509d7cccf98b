"""Three months of demo activity, so `make run` opens on a portal with real statements.

From 3 August 2026 each demo card spends (at home and abroad, cash where allowed, a refund), the
day's charge file is loaded through the real importer, payments arrive (on time for most; Fjordbyg's
Mads stops paying, so reminders, interest and suspension show; Brabant's Julien pays late once), and
the daily cycle runs, exactly as production runs it, up to the day the history is run (SPEC 18: "the
demo's history runs up to the day `make run` is started"; issue 19 item 11). FX rates are real ECB
rates (a copy of the rows needed ships in accounts/demo_data/) and, after the copy ends, demo rates that
carry its last rates on with a small daily drift. Deterministic: the same dates and amounts for the same
day on every machine.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from accounts.demo import DEMO_START
from accounts.models import Account, BillingType, Card
from accounts.services import card_issue

RATES_FILE = Path(__file__).parent / "demo_data" / "eurofxref-2026-q3.csv"
PEGGED = frozenset({"DKK", "BGN"})  # ERM II: the demo keeps them where the ECB file leaves them
DAILY_DRIFT = 0.003  # at most ±0.3 % a day for the generated rates
MERCHANTS = {
    "DK": [("Netto", "København", "DK", "5411"), ("DSB", "København", "DK", "4112"), ("Q8", "Aarhus", "DK", "5541"),
           ("Restaurant Noma", "København", "DK", "5812"), ("Scandic Hotels", "Odense", "DK", "7011"),
           ("Magasin", "København", "DK", "5311")],
    "BE": [("Delhaize", "Antwerpen", "BE", "5411"), ("NMBS/SNCB", "Brussel", "BE", "4112"),
           ("TotalEnergies", "Gent", "BE", "5541"), ("Brasserie Appelmans", "Antwerpen", "BE", "5812"),
           ("Hotel Amigo", "Brussel", "BE", "7011")],
}
ABROAD = [("Lufthansa", "Frankfurt", "DE", "3008", "EUR"), ("Hilton", "New York", "US", "7011", "USD"),
          ("Ikea", "Malmö", "SE", "5712", "SEK"), ("Pret A Manger", "London", "GB", "5814", "GBP")]
NO_PAYMENT_AFTER = {"F-102": dt.date(2026, 9, 1)}  # Mads stops paying: the delinquency story
PAYS_LATE_DAYS = {"B-202": 12}  # Julien pays 12 days late


def demo_rates_after_file(*, through: dt.date) -> io.BytesIO | None:
    """Demo rates, in the ECB file's own layout, for each weekday after the shipped file's last day through
    `through` (None when the file reaches it): the last real rates carried on with a small deterministic
    drift, so foreign demo charges convert on any day the demo is started (issue 19 item 11)."""
    with RATES_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, latest = rows[0], max(rows[1:], key=lambda row: row[0])
    last_day = dt.date.fromisoformat(latest[0])
    if through <= last_day:
        return None
    rng = random.Random(f"demo-rates-{last_day}")
    current = dict(zip(header[1:], latest[1:], strict=True))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    generated = []
    day = last_day + dt.timedelta(days=1)
    while day <= through:
        if day.weekday() < 5:  # the ECB publishes on working days
            for currency, text in current.items():
                if currency and text not in ("N/A", "") and currency not in PEGGED:
                    decimals = len(text.partition(".")[2])
                    moved = Decimal(text) * Decimal(str(1 + rng.uniform(-DAILY_DRIFT, DAILY_DRIFT)))
                    current[currency] = str(moved.quantize(Decimal(1).scaleb(-decimals)))
            generated.append([day.isoformat(), *(current[currency] for currency in header[1:])])
        day += dt.timedelta(days=1)
    if not generated:
        return None
    writer.writerows(reversed(generated))  # newest first, as the ECB writes it
    return io.BytesIO(out.getvalue().encode())


def _charges(accounts: list[Account], cards: dict[int, str], rng: random.Random,
             last_day: dt.date) -> dict[dt.date, list[dict]]:
    """The demo's charges by processing date (one file a day, as the network sends them), up to
    `last_day` (the last processing day is the day after it)."""
    by_day: dict[dt.date, list[dict]] = defaultdict(list)
    for account in accounts:
        market, pan = account.company.market, cards[account.pk]
        purchases: list[str] = []
        day = DEMO_START + dt.timedelta(days=rng.randint(0, 3))
        while day <= last_day:
            serial = f"DEMO-{account.number}-{day:%m%d}"
            roll = rng.random()
            if roll < 0.12:
                name, city, country, mcc, currency = rng.choice(ABROAD)
                amount = Decimal(rng.randint(2000, 60000)) / 100
                kind = "purchase"
            elif roll < 0.17 and account.company.cash_allowed:
                name, city, country, mcc = "ATM", "København" if market == "DK" else "Brussel", market, "6011"
                currency, amount, kind = account.currency, Decimal(rng.choice([500, 1000, 2000])), "cash"
            else:
                name, city, country, mcc = rng.choice(MERCHANTS[market])
                currency = account.currency
                amount = Decimal(rng.randint(3000, 250000 if market == "DK" else 40000)) / 100
                kind = "purchase"
            row = dict(transaction_id=serial, card_number=pan, transaction_date=day.isoformat(),
                       processing_date=(day + dt.timedelta(days=1)).isoformat(), type=kind, amount=str(amount),
                       currency=currency, merchant_name=name, merchant_city=city, merchant_country=country,
                       mcc=mcc, merchant_converted="false", original_transaction_id="")
            by_day[day + dt.timedelta(days=1)].append(row)
            if kind == "purchase" and currency == account.currency:
                purchases.append(serial)
            if len(purchases) == 4 and rng.random() < 0.5:  # one refund of an earlier purchase
                original = next(r for d in by_day.values() for r in d if r["transaction_id"] == purchases[0])
                refund_day = day + dt.timedelta(days=2)
                by_day[refund_day + dt.timedelta(days=1)].append({
                    **original, "transaction_id": f"{serial}-R", "type": "refund",
                    "amount": str((Decimal(original["amount"]) / 2).quantize(Decimal("0.01"))),
                    "transaction_date": refund_day.isoformat(),
                    "processing_date": (refund_day + dt.timedelta(days=1)).isoformat(),
                    "original_transaction_id": purchases[0]})
                purchases.append("refunded")
            day += dt.timedelta(days=rng.randint(3, 9))
    return by_day


def _csv(rows: list[dict]) -> io.BytesIO:
    from charges import validation

    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=validation.COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return io.BytesIO(text.getvalue().encode())


def _payments_due(day: dt.date) -> list:
    """The payments the demo's holders make on `day`, as payment-file rows."""
    from charges.payments import PaymentRow
    from statements.models import CompanyStatement, Statement

    rows = []
    for statement in Statement.objects.filter(billed_amount__gt=0, account__billing_type=BillingType.INDIVIDUAL
                                              ).select_related("account__cardmember", "account__company"):
        employee = statement.account.cardmember.employee_id
        pay_on = statement.due_date + dt.timedelta(days=PAYS_LATE_DAYS.get(employee, -3))
        stop = NO_PAYMENT_AFTER.get(employee)
        if pay_on == day and not (stop and statement.statement_date >= stop):
            rows.append(PaymentRow(0, f"DEMO-PAY-{statement.pk}", statement.account, None, day, "payment",
                                   statement.billed_amount, statement.currency, "transfer", "", Decimal(0)))
    for statement in CompanyStatement.objects.filter(billed_amount__gt=0, due_date=day + dt.timedelta(days=2)):
        rows.append(PaymentRow(0, f"DEMO-CPAY-{statement.pk}", None, statement.company, day, "payment",
                               statement.billed_amount, statement.currency, "transfer", "", Decimal(0)))
    return rows


def demo_history_run(*, through: dt.date, pans: dict[int, str] | None = None) -> dict[str, int]:
    """Charges, payments and the daily cycle from DEMO_START through `through` (once per database)."""
    from amexprog.common.cycle import business_date, cycle_run_day
    from charges.payments import payment_receive
    from charges.services import charge_file_import, fx_rates_load
    from statements.models import Statement

    if business_date() is not None or through < DEMO_START:
        return {}
    fx_rates_load(source=RATES_FILE)
    generated = demo_rates_after_file(through=through)
    if generated is not None:
        fx_rates_load(source=generated)
    rng = random.Random(2026)
    # In creation order: account numbers are random, and the story must not change from run to run.
    accounts = list(Account.objects.filter(opened_on=DEMO_START).select_related("company").order_by("pk"))
    # Full card numbers are never stored: the charges use the numbers seed_demo just issued, and a
    # card issued by an earlier run is replaced (as for a lost card) so the demo knows its number.
    cards = dict(pans or {})
    for account in accounts:
        card = account.cards.filter(status=Card.Status.ACTIVE).first()
        if card is not None and account.pk not in cards:
            issued = card_issue(account=account, issued_on=DEMO_START, replaces=card,
                                cash_enabled=card.cash_enabled, monthly_limit=card.monthly_limit)
            Card.objects.filter(pk=card.pk).update(status=Card.Status.CANCELLED)
            cards[account.pk] = issued.pan
    # Spend up to the day before `through`: its file is processed on `through`, the last day the cycle runs.
    charges = _charges([a for a in accounts if a.pk in cards], cards, rng, last_day=through - dt.timedelta(days=1))
    counts = {"charge_files": 0, "payments": 0, "days": 0}
    day = DEMO_START
    while day <= through:
        if charges.get(day):
            charge_file_import(source=_csv(charges[day]), filename=f"demo-charges-{day}.csv")
            counts["charge_files"] += 1
        for row in _payments_due(day):
            payment_receive(row=row)
            counts["payments"] += 1
        cycle_run_day(on=day)
        counts["days"] += 1
        day += dt.timedelta(days=1)
    counts["statements"] = Statement.objects.count()
    return counts


