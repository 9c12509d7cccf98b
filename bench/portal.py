"""Benchmark: the cardmember list of a company with 10,000 cardmembers (issue 8 item 7), and the PA's
home at a glance (issue 19 item 2, SPEC 18).

Builds (once; reused on later runs) a company with N cardmembers (default 10,000), each with an
account and a card, and charges on some of the accounts; then renders the PA's cardmember list
through the Django test client as the signed-in PA, several times per variant (default order, the
highest balances first, a search, a filter and page 100) and the company-wide transactions page (its
variants: sorts, filters, search, pages; issue 19 item 3), and prints the median and p95 render times
and their ratio to a trivial page (the PA guide's index) measured in the same run. Target: < 300 ms.
The home section (`bench_home`) renders the PA's home at a glance over the same company, with open
holds and today's declines on some cards and cards expiring soon. Target: median < 300 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/amexprog_bench_portal .venv/bin/python bench/portal.py
    ... bench/portal.py --only-home            # the trivial page, the company dashboard and the home
    ... bench/portal.py --only-transactions    # the trivial page and the transactions page's variants

It uses its own database (created and migrated if missing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.benchdb import ensure_database  # noqa: E402  (after the path set-up)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amexprog.settings.development")
os.environ.pop("REDIS_URL", None)
os.environ["OTP_REQUIRED_FOR_PAS"] = "false"  # the PA signs in by force_login; the TOTP step is not measured

COMPANY = "BENCHPORTAL"
OPENED = dt.date(2026, 1, 5)


def build(count: int, charged: int):
    from django.contrib.auth import get_user_model
    from moneyed import Money

    from accounts.models import Account, Card, Cardmember, Company, ProgrammeAdministrator
    from ledger.services import posting_create
    from statements.models import Statement

    company = Company.objects.filter(number=COMPANY).first()
    if company and company.cardmembers.count() == count:
        print(f"reusing {count:,} cardmembers of {COMPANY}")
    else:
        if company:
            sys.exit(f"{COMPANY} exists with another number of cardmembers: drop the database to rebuild")
        started = time.perf_counter()
        company = Company.objects.create(
            number=COMPANY, legal_name="Bench Portal A/S", vat_number="DK99999999", market="DK",
            credit_limit=Money("100000000.00", "DKK"), annual_fee=Money("0.00", "DKK"))
        cost_centres = ["SALES", "IT", "FIN", "OPS", "HR"]
        Cardmember.objects.bulk_create([
            Cardmember(company=company, employee_id=f"E{n:06d}", first_name=f"First{n % 97}", last_name=f"Last{n:05d}",
                       email=f"e{n:06d}@bench.example", cost_centre=cost_centres[n % 5])
            for n in range(count)], batch_size=2000)
        members = list(company.cardmembers.order_by("employee_id"))
        Account.objects.bulk_create([
            Account(number=f"9{n:011d}", company=company, cardmember=member, liability="corporate",
                    billing_type="individual", currency="DKK", cycle_day=5, opened_on=OPENED,
                    status="suspended" if n % 50 == 0 else "active")
            for n, member in enumerate(members)], batch_size=2000)
        accounts = list(company.accounts.order_by("number"))
        Card.objects.bulk_create([
            Card(account=account, pan_hash=hashlib.sha256(f"bench-portal-{n}".encode()).hexdigest(),
                 last4=f"{n % 10000:04d}", expiry=dt.date(2030, 1, 31), issued_on=OPENED,
                 status="blocked" if n % 40 == 0 else "active", monthly_limit=Money("10000.00", "DKK"))
            for n, account in enumerate(accounts)], batch_size=2000)
        for n, account in enumerate(accounts[:charged]):
            posting_create(account=account, kind="purchase", amount=Money(Decimal(10 + n % 900), "DKK"),
                           posting_date=dt.date(2026, 1, 10), source_key=f"bench-portal/{n}")
        print(f"built {count:,} cardmembers, {charged:,} charged, in {time.perf_counter() - started:.1f} s")
    if not Statement.objects.filter(account__company=company).exists():
        # Half the accounts billed once, unpaid: the dashboard's ageing has every one of them to age.
        Statement.objects.bulk_create([
            Statement(account=account, statement_date=dt.date(2026, 1, 5), period_start=dt.date(2025, 12, 6),
                      due_date=dt.date(2026, 2, 2), currency="DKK", opening_balance=Decimal("0"),
                      closing_balance=Decimal("100.00"), billed_amount=Decimal("100.00"),
                      payments_amount=Decimal("0"))
            for account in company.accounts.order_by("number")[: count // 2]], batch_size=2000)
    user, _ = get_user_model().objects.get_or_create(username="bench-pa", defaults={"email": "pa@bench.example"})
    pa, _ = ProgrammeAdministrator.objects.get_or_create(user=user)
    pa.companies.add(company)
    return company, user


def timed(client, url: str, params: dict, runs: int) -> list[float]:
    for _ in range(2):  # warm-up: connections, template and URL caches
        client.get(url, params)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def add_home_figures(company, on: dt.date) -> None:
    """What the home counts besides balances and statements: open holds, declines today (every 100th card
    each), cards expiring within 60 days (every 200th card). Added once; later runs reuse them."""
    from accounts.models import Card
    from charges.models import Authorization, Hold

    if Authorization.objects.filter(account__company=company).exists():
        return
    cards = list(Card.objects.filter(account__company=company).select_related("account").order_by("id")[::100])
    at = dt.datetime.combine(on, dt.time(9), tzinfo=dt.UTC)
    made = Authorization.objects.bulk_create([
        Authorization(transaction_id=f"bench-home/{n}", card=card, account=card.account, type="purchase",
                      amount=Decimal("25.00"), currency="DKK", merchant_name="Bench Cafe", merchant_country="DK",
                      mcc="5812", entry_mode="chip", approved=n % 2 == 0, reason="" if n % 2 == 0 else "card_blocked",
                      billing_currency="DKK", billed_amount=Decimal("25.00"), hold_amount=Decimal("25.00"),
                      decided_on=on, decided_at=at)
        for n, card in enumerate(cards)])
    Hold.objects.bulk_create([
        Hold(authorization=authorization, transaction_id=authorization.transaction_id, card=authorization.card,
             account=authorization.account, company=company, kind="purchase", amount=Decimal("25.00"),
             base_amount=Decimal("25.00"), currency="DKK", created_on=on, expires_on=on + dt.timedelta(days=7))
        for authorization in made if authorization.approved])
    Card.objects.filter(pk__in=[card.pk for card in cards[::2]]).update(expiry=on + dt.timedelta(days=30))


def bench_home(client, company, runs: int, base_median: float) -> None:
    """Issue 19 item 2: the PA's home at a glance over a company of N cardmembers. Target: median < 300 ms."""
    from django.urls import reverse

    from portal.selectors import issue_date

    add_home_figures(company, issue_date())
    times = timed(client, reverse("portal:pa_home"), {}, runs)
    median = statistics.median(times)
    print(f"{'PA home at a glance (target page)':40} {median:10.1f} {p95(times):8.1f} {median / base_median:10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cardmembers", type=int, default=10_000)
    parser.add_argument("--charged", type=int, default=2_000, help="accounts with a charge (default 2,000)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only-transactions", action="store_true",
                        help="measure the trivial page and the transactions page only")
    parser.add_argument("--only-home", action="store_true",
                        help="measure the trivial page, the company dashboard and the PA's home only")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/amexprog_bench_portal")
    ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    company, user = build(args.cardmembers, args.charged)
    client = Client()
    client.force_login(user)

    listing = reverse("portal:company_cardmembers", args=[company.number])
    variants = {
        "list, by name": {},
        "list, highest balance first": {"sort": "-balance"},
        "search 'last0123'": {"q": "last0123"},
        "filter blocked cards + cost centre IT": {"card_status": "blocked", "cost_centre": "IT"},
        "list, page 100": {"page": 100},
    }
    # The trivial page: the PA guide's index (the PA's home was the trivial page until it showed figures).
    baseline = timed(client, reverse("portal:help_index"), {}, args.runs)
    base_median = statistics.median(baseline)
    if args.only_transactions:
        print(f"trivial page (PA guide index): median {base_median:.1f} ms, p95 {p95(baseline):.1f} ms")
        transactions_bench(client, company, runs=args.runs, base_median=base_median)
        return
    print(f"\n{'page':40} {'median ms':>10} {'p95 ms':>8} {'÷ trivial':>10}")
    print(f"{'trivial page (PA guide index)':40} {base_median:10.1f} {p95(baseline):8.1f} {1:10.1f}")
    for name, params in ({} if args.only_home else variants).items():
        times = timed(client, listing, params, args.runs)
        median = statistics.median(times)
        print(f"{name:40} {median:10.1f} {p95(times):8.1f} {median / base_median:10.1f}")
    times = timed(client, reverse("portal:company_detail", args=[company.number]), {}, args.runs)
    median = statistics.median(times)
    label = "company dashboard (not the target page)"
    print(f"{label:40} {median:10.1f} {p95(times):8.1f} {median / base_median:10.1f}")
    bench_home(client, company, args.runs, base_median)
    print(f"\n{args.cardmembers:,} cardmembers, {args.runs} runs per page; target: list < 300 ms, home < 300 ms")
    if args.only_home:
        return
    transactions_bench(client, company, runs=args.runs, base_median=base_median)


# ── The company-wide transactions (issue 19 item 3) ─────────────────────────────────────────────────
TXN_MARK = "bench-txn/"
TXN_POSTINGS_PER_ACCOUNT = 3
TXN_AUTHORIZATIONS = 10_000


def build_transactions(company) -> None:
    """Once: three postings per account through ledger.services (set-based) and 10,000 authorizations
    (a third declined, the rest pending on open holds), on days spread over two months."""
    from moneyed import Money

    from charges.models import Authorization, CompanyTransaction, Hold
    from ledger.services import PostingSpec, postings_create_bulk

    if Authorization.objects.filter(transaction_id__startswith=TXN_MARK).exists():
        print(f"reusing {CompanyTransaction.objects.filter(company=company).count():,} transactions of {COMPANY}")
        return
    started = time.perf_counter()
    accounts = list(company.accounts.order_by("number"))
    postings_create_bulk(specs=[
        PostingSpec(account=account, kind="purchase", amount=Money(Decimal(5 + (n * 7 + k * 13) % 2000), "DKK"),
                    posting_date=dt.date(2026, 1, 6) + dt.timedelta(days=(n + k * 11) % 60),
                    source_key=f"{TXN_MARK}{n}/{k}", description=f"Merchant {(n + k) % 300}")
        for n, account in enumerate(accounts) for k in range(TXN_POSTINGS_PER_ACCOUNT)])
    cards = {card.account_id: card for card in _company_cards(company)}
    merchants = ["Scandic Hotels", "SAS", "Joe & The Juice", "Shell", "Apple Store", "Hotel Oslo", "Uber"]
    mccs = ["7011", "4511", "5812", "5541", "5732", "7011", "4121"]
    authorizations = []
    for n in range(TXN_AUTHORIZATIONS):
        account = accounts[(n * 37) % len(accounts)]
        on = dt.date(2026, 1, 6) + dt.timedelta(days=n % 60)
        declined = n % 3 == 0
        authorizations.append(Authorization(
            transaction_id=f"{TXN_MARK}{n}", card=cards[account.pk], account=account, type="purchase",
            amount=Decimal(10 + n % 3000), currency="DKK", merchant_name=merchants[n % 7], merchant_city="Oslo",
            merchant_country="NO" if n % 2 else "DK", mcc=mccs[n % 7], entry_mode="chip", pin_verified=True,
            approved=not declined, reason="card_limit_exceeded" if declined else "", billing_currency="DKK",
            billed_amount=Decimal(10 + n % 3000), hold_amount=None if declined else Decimal(10 + n % 3000),
            decided_on=on, decided_at=dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC)))
    Authorization.objects.bulk_create(authorizations, batch_size=2000)
    Hold.objects.bulk_create([
        Hold(authorization=auth, transaction_id=auth.transaction_id, card_id=auth.card_id, account_id=auth.account_id,
             company=company, kind="purchase", amount=auth.billed_amount, base_amount=auth.billed_amount,
             currency="DKK", created_on=auth.decided_on, expires_on=auth.decided_on + dt.timedelta(days=7))
        for auth in Authorization.objects.filter(transaction_id__startswith=TXN_MARK, approved=True)],
        batch_size=2000)
    print(f"built {CompanyTransaction.objects.filter(company=company).count():,} transactions "
          f"in {time.perf_counter() - started:.1f} s")


def _company_cards(company):
    from accounts.models import Card

    return Card.objects.filter(account__company=company)


def transactions_bench(client, company, *, runs: int, base_median: float) -> None:
    """The company's transactions page (postings and authorizations, declines included) at 10,000
    cardmembers: each variant's median and p95, and its ratio to the trivial page. Target: < 300 ms."""
    from django.urls import reverse

    build_transactions(company)
    from django.db import connection

    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would have after the build
        cursor.execute("ANALYZE")
    url = reverse("portal:company_transactions", args=[company.number])
    variants = {
        "newest first": {},
        "largest amount first": {"sort": "-amount"},
        "by cardmember": {"sort": "cardmember"},
        "declines only": {"status": "declined"},
        "search 'scandic'": {"q": "scandic"},
        "cardmember 'last00123'": {"cardmember": "last00123"},
        "industry hotels + 500-1000 DKK": {"industry": "lodging", "amount_min": "500", "amount_max": "1000"},
        "a week, page 20": {"date_from": "2026-02-01", "date_to": "2026-02-07", "page": 20},
        "page 100": {"page": 100},
    }
    print(f"\n{'transactions page':40} {'median ms':>10} {'p95 ms':>8} {'÷ trivial':>10}")
    for name, params in variants.items():
        times = timed(client, url, params, runs)
        median = statistics.median(times)
        print(f"{name:40} {median:10.1f} {p95(times):8.1f} {median / base_median:10.1f}")
    # An export streams every filtered row: not a page, so not held to the page's target.
    times = []
    for _ in range(3):
        started = time.perf_counter()
        response = client.get(url, {"status": "declined", "export": "csv"})
        rows = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
        times.append((time.perf_counter() - started) * 1000)
    print(f"{f'CSV export of {rows:,} declines':40} {statistics.median(times):10.1f}")
    print("target: every transactions page < 300 ms")


if __name__ == "__main__":
    main()
