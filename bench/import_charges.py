"""Benchmark: the charge import on PostgreSQL against a raw COPY of the same file (DESIGN "Fast paths").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/amexprog_bench .venv/bin/python bench/import_charges.py [--n N]

Generates its own data — 10,000 cards (DK and BE companies), ECB rates, and a charge file of N
rows (mixed currencies, 5 % cash, 2 % refunds of earlier purchases, some merchant-converted) —
then measures in the same run:
  1. a raw COPY of the file into an unindexed table of text columns (the baseline);
  2. `charge_file_import` of the file, in a child process, so its peak RSS is the import's alone;
and prints charges/s, the ratio import ÷ raw COPY, and the peak RSS, then runs verify_ledger.
`--events both` measures the events outbox's cost (issue 18 item 7: ≤ 15 %) in one run: four imports of
files alike but for their transaction ids, without, with, with and without the outbox (each after its own
raw COPY), then the time to number the run's events (after commit, off the import's path).
Everything it creates is tagged with a run id, so it only ever adds to the database it is given.
Targets (issue 17): ≥ 20,000 charges/s, ratio ≤ 50, peak RSS < 500 MB. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import logging
import multiprocessing
import os
import random
import resource
import secrets
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amexprog.settings.development")
os.environ.setdefault("DJANGO_DEBUG", "false")  # DEBUG would keep every query in memory

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from moneyed import Money  # noqa: E402

from accounts.models import Account, Card, Cardmember, Company  # noqa: E402
from accounts.pan import generate_pan, pan_hash  # noqa: E402
from charges.models import FxRate  # noqa: E402
from charges.validation import COLUMNS  # noqa: E402

CARDS = 10_000
CARDS_PER_COMPANY = 100
BE_SHARE = 0.2
PROCESSING_DATE = dt.date(2026, 3, 11)
RATE_DATE = dt.date(2026, 3, 10)
RATES = {"USD": "1.0850", "DKK": "7.4610", "SEK": "11.0200", "GBP": "0.8420", "NOK": "11.5170", "JPY": "162.35",
         "CHF": "0.9412", "PLN": "4.2150", "EUR": "1"}
# (currency, weight, minor-unit digits)
CURRENCIES = [("DKK", 40, 2), ("EUR", 20, 2), ("USD", 15, 2), ("SEK", 8, 2), ("GBP", 7, 2), ("NOK", 5, 2),
              ("JPY", 3, 0), ("CHF", 1, 2), ("PLN", 1, 2)]
MERCHANTS = [("Netto", "København", "DK", "5411"), ("SAS", "Kastrup", "DK", "4511"),
             ("Hotel Adlon", "Berlin", "DE", "7011"), ("Apple Store", "New York", "US", "5732"),
             ("NK", "Stockholm", "SE", "5311"), ("Hamleys", "London", "GB", "5945"),
             ("Café Nørrebro", "København", "DK", "5812"), ("Uber", "Oslo", "NO", "4121")]


def create_cards(tag: str) -> list[tuple[str, str]]:
    """10,000 cards on fresh companies; returns (card number, billing currency) per card."""
    cards: list[tuple[str, str]] = []
    companies = CARDS // CARDS_PER_COMPANY
    with transaction.atomic():
        for c in range(companies):
            market = "BE" if c < companies * BE_SHARE else "DK"
            currency = "EUR" if market == "BE" else "DKK"
            company = Company.objects.create(
                number=f"B{tag}{c:04d}", legal_name=f"Bench {tag} {c}", vat_number=f"X{tag}{c}", market=market,
                billing_type="individual", default_liability="corporate",
                credit_limit=Money("1000000000.00", currency), annual_fee=Money("0.00", currency), country=market)
            members = Cardmember.objects.bulk_create(
                Cardmember(company=company, employee_id=f"E{i}", first_name="Bench", last_name=f"M{i}",
                           email=f"m{i}@{tag}.example", language="da")
                for i in range(CARDS_PER_COMPANY))
            accounts = Account.objects.bulk_create(
                Account(number=f"9{secrets.randbelow(10**11):011d}", company=company, cardmember=member,
                        liability="corporate", billing_type="individual", currency=currency, cycle_day=5,
                        opened_on=dt.date(2026, 1, 5))
                for member in members)
            numbers = [generate_pan() for _ in accounts]
            Card.objects.bulk_create(
                Card(account=account, pan_hash=pan_hash(number), last4=number[-4:], expiry=dt.date(2030, 1, 31),
                     status="active", issued_on=dt.date(2026, 1, 5), status_changed_on=dt.date(2026, 1, 5))
                for account, number in zip(accounts, numbers, strict=True))
            cards.extend((number, currency) for number in numbers)
    return cards


def store_rates() -> None:
    FxRate.objects.bulk_create(
        [FxRate(rate_date=RATE_DATE, currency=c, rate=Decimal(r)) for c, r in RATES.items()], ignore_conflicts=True)


def write_charge_file(path: Path, n: int, cards: list[tuple[str, str]], tag: str) -> None:
    rng = random.Random(20260311)
    names = [c for c, _, _ in CURRENCIES]
    weights = [w for _, w, _ in CURRENCIES]
    digits = {c: d for c, _, d in CURRENCIES}
    recent: list[tuple[str, str, str, str]] = []  # purchases a later refund can point to
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for i in range(n):
            draw = rng.random()
            transaction_id = f"{tag}-{i:08d}"
            transaction_date = (PROCESSING_DATE - dt.timedelta(days=rng.randint(1, 5))).isoformat()
            name, city, country, mcc = MERCHANTS[i % len(MERCHANTS)]
            if draw < 0.02 and recent:
                original, number, amount, currency = recent[rng.randrange(len(recent))]
                writer.writerow([transaction_id, number, transaction_date, PROCESSING_DATE, "refund", amount,
                                 currency, name, city, country, mcc, "false", original])
                continue
            number, billing = cards[rng.randrange(len(cards))]
            currency = rng.choices(names, weights)[0]
            kind = "cash" if draw < 0.07 else "purchase"
            converted = "false"
            if kind == "purchase" and draw > 0.99:
                currency, converted = billing, "true"  # the merchant converted to the billing currency
            whole = rng.randint(1, 20_000 if currency == "JPY" else 2_000)
            amount = str(whole) if digits[currency] == 0 else f"{whole}.{rng.randrange(100):02d}"
            if kind == "cash":
                name, mcc = "ATM", "6011"
            writer.writerow([transaction_id, number, transaction_date, PROCESSING_DATE, kind, amount, currency,
                             name, city, country, mcc, converted, ""])
            if kind == "purchase":
                if len(recent) < 5000:
                    recent.append((transaction_id, number, amount, currency))
                else:
                    recent[rng.randrange(5000)] = (transaction_id, number, amount, currency)


def raw_copy_seconds(path: Path, tag: str) -> float:
    table = f"bench_raw_copy_{tag}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {table} ({', '.join(f'{c} text' for c in COLUMNS)})")
    try:
        with transaction.atomic(), connection.cursor() as cursor, path.open("rb") as handle:
            started = time.perf_counter()
            cursor.cursor.copy_expert(f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)", handle,
                                      size=1 << 20)
            elapsed = time.perf_counter() - started
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {table}")
    return elapsed


def _import_in_child(path: str, events: bool, results) -> None:
    connections.close_all()
    from charges.services import charge_file_import

    if not events:  # the same import without its posting.created outbox rows (the bench's measure only)
        import functools

        from ledger import services as ledger_services

        ledger_services.postings_insert_rows = functools.partial(ledger_services.postings_insert_rows, events=False)

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("    %(message)s"))
    step_log = logging.getLogger("charges.bulk")
    step_log.addHandler(handler)
    step_log.setLevel(logging.DEBUG)
    step_log.propagate = False
    started = time.perf_counter()
    with transaction.atomic():
        charge_file = charge_file_import(source=path)
        committing = time.perf_counter()
    done = time.perf_counter()
    print(f"    {'commit (deferred checks)':<28} {done - committing:8.2f} s", flush=True)
    elapsed = done - started
    results.put((elapsed, charge_file.row_count, charge_file.posting_count))


def import_once(path: Path, tag: str, events: bool) -> dict[str, float]:
    """A raw COPY of the file, then its import in a child process; prints and returns the figures."""
    print(f"--- import with the events outbox {'ON' if events else 'OFF'} ({path.name}), load average "
          f"{os.getloadavg()[0]:.2f}", flush=True)
    baseline = raw_copy_seconds(path, tag)
    print(f"raw COPY into an unindexed table: {baseline:.2f} s", flush=True)
    connections.close_all()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    before_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    child = context.Process(target=_import_in_child, args=(str(path), events, results))
    child.start()
    elapsed, rows, postings = results.get()
    child.join()
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
    print(f"import: {elapsed:.2f} s for {rows:,} charges ({postings:,} postings)")
    print(f"charges/s: {rows / elapsed:,.0f}   (target ≥ 20,000)")
    print(f"ratio import ÷ raw COPY: {elapsed / baseline:.2f}   (target ≤ 50)")
    print(f"peak RSS of the import process: {peak_kb / 1024:.0f} MB{'' if peak_kb > before_kb else ' (or less)'}"
          "   (target < 500 MB)", flush=True)
    return {"copy": baseline, "import": elapsed, "rows": rows}


def number_events(tag: str) -> None:
    """Number the run's events as a reader or the webhook dispatcher would (after commit): the batch rows
    the imports wrote become one event per posting here, off the import's path; the time is printed."""
    from events.models import Event
    from events.services import events_sequence

    companies = list(Company.objects.filter(number__startswith=f"B{tag}").values_list("pk", flat=True))
    started = time.perf_counter()
    numbered = sum(events_sequence(company_id=pk) for pk in companies)
    elapsed = time.perf_counter() - started
    count = Event.objects.filter(company_id__in=companies, type="posting.created", seq__isnull=False).count()
    print(f"numbering the run's events after commit: {numbered:,} events in {elapsed:.2f} s "
          f"({len(companies)} companies; {count:,} numbered posting.created events)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="charges in the generated file (default 1,000,000)")
    parser.add_argument("--keep", action="store_true", help="keep the generated file (its path is printed)")
    parser.add_argument("--events", choices=("on", "off", "both"), default="on",
                        help="the events outbox: on (default, as in production), off (the same import without its "
                             "posting.created rows, to measure them), or both (off, on, on, off in one run)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the bulk path is PostgreSQL's.")
    call_command("migrate", verbosity=0)
    tag = secrets.token_hex(3)
    print(f"run {tag}: {args.n:,} charges on {CARDS:,} cards, database {connection.settings_dict['NAME']}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    started = time.perf_counter()
    cards = create_cards(tag)
    store_rates()
    workdir = Path(tempfile.mkdtemp(prefix="bench-charges-"))
    plan = {"on": [True], "off": [False], "both": [False, True, True, False]}[args.events]
    paths = []
    for round_no, _events in enumerate(plan):
        path = workdir / f"charges-{tag}-{round_no}.csv"
        write_charge_file(path, args.n, cards, f"{tag}{round_no}")  # same rows, their own transaction ids
        paths.append(path)
    print(f"setup: {time.perf_counter() - started:.1f} s, file {paths[0].stat().st_size / 1e6:.0f} MB")

    figures = [(events, import_once(path, tag, events)) for path, events in zip(paths, plan, strict=True)]
    if args.events == "both":
        on = [f for events, f in figures if events]
        off = [f for events, f in figures if not events]
        mean_on = sum(f["import"] for f in on) / len(on)
        mean_off = sum(f["import"] for f in off) / len(off)
        ratio_on = sum(f["import"] / f["copy"] for f in on) / len(on)
        ratio_off = sum(f["import"] / f["copy"] for f in off) / len(off)
        print(f"events outbox: import {mean_off:.2f} s off, {mean_on:.2f} s on (mean of two each): "
              f"{100 * (mean_on / mean_off - 1):+.1f} %   (issue 18 item 7: ≤ +15 %); ratio to COPY "
              f"{ratio_off:.1f} off, {ratio_on:.1f} on")
    number_events(tag)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    started = time.perf_counter()
    with connection.cursor() as cursor:  # fresh statistics after a bulk load, as autovacuum would
        for table in ("ledger_posting",):
            cursor.execute(f"ANALYZE {table}")
    print(f"analyze ledger tables: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    try:
        call_command("verify_ledger")
        print(f"verify_ledger: ok ({time.perf_counter() - started:.1f} s)")
    except Exception as exc:  # noqa: BLE001 — report and keep the figures above visible
        print(f"verify_ledger FAILED: {exc}")
    if args.keep:
        print(f"files kept: {', '.join(map(str, paths))}")
    else:
        for path in paths:
            path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
