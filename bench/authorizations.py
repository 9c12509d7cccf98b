"""Benchmark: POST /api/v1/authorizations under gunicorn on PostgreSQL (issue 5).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/amexprog_bench .venv/bin/python bench/authorizations.py

Generates its own data — 10,000 cards on 20 DK companies, some with spending controls, 3 charges
of history per card loaded through the real charge import, ECB rates for the past week — then
starts the app under gunicorn on 127.0.0.1 and drives it from a second process (a small asyncio
HTTP client, one connection per concurrent caller):
  1. the baseline: GET /api/v1/whoami, the cheapest authenticated endpoint (token look-up, no work);
  2. POST /api/v1/authorizations for 60 s: random cards, a mix of home purchases with chip and PIN,
     contactless payments, foreign online purchases and cash, each with a fresh transaction id.
The two are measured in alternating windows (6 × 5 s of the baseline, 6 × 10 s of decisions), so on
a shared machine both see the same background load. It prints sustained requests/s, p50/p99
latency and the decisions by reason, and the ratio of decisions/s to the baseline's requests/s.
Everything it creates is tagged with a run id, so it only ever adds to the database it is given.
Then it times the steps in-process: a whoami and a decision through Django (wall time, CPU in Python and
in the connection's PostgreSQL backend when it runs on this machine), and within the decision the body
parse and the one database call (issue 17 item 5). Targets on the 2-core machine:
≥ 300 decisions/s, p99 < 25 ms, ratio ≥ 0.6. Not a test: nothing
here asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.benchdb import ensure_database  # noqa: E402  (after the path set-up)

CARDS = 10_000
COMPANIES = 20
HISTORY_PER_CARD = 3
RATES = {"USD": "1.0850", "DKK": "7.4610", "SEK": "11.0200", "GBP": "0.8420", "EUR": "1"}
HOME_MERCHANTS = [("Netto", "København", "5411"), ("DSB", "København", "4112"),
                  ("Café Nørrebro", "København", "5812"), ("Q8", "Aarhus", "5541"), ("Elgiganten", "Odense", "5732"),
                  ("Casino Copenhagen", "København", "7995")]


# ── The client (second process): no Django here ─────────────────────────────────────────────────


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


def _request_factory(kind: str, key: str, pans: list[str], run: str, worker: int):
    rng = random.Random(f"{run}-{worker}")
    counter = 0

    def whoami() -> bytes:
        return (f"GET /api/v1/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {key}\r\n"
                f"Connection: keep-alive\r\n\r\n").encode()

    def authorization() -> bytes:
        nonlocal counter
        counter += 1
        draw = rng.random()
        body: dict[str, object] = {"transaction_id": f"B{run}-{worker}-{counter}", "card_number": rng.choice(pans),
                                   "type": "purchase", "merchant_country": "DK", "pin_verified": True,
                                   "entry_mode": "chip", "currency": "DKK"}
        name, city, mcc = HOME_MERCHANTS[rng.randrange(len(HOME_MERCHANTS))]
        if draw < 0.70:
            amount = f"{rng.randint(10, 2000)}.{rng.randrange(100):02d}"
        elif draw < 0.85:
            amount = f"{rng.randint(5, 300)}.{rng.randrange(100):02d}"
            body.update(entry_mode="contactless", pin_verified=False)
        elif draw < 0.95:
            amount = f"{rng.randint(5, 500)}.{rng.randrange(100):02d}"
            name, city, mcc = "Zalando", "Berlin", "5651"
            body.update(currency="EUR", merchant_country="DE", entry_mode="online", pin_verified=False)
        else:
            amount = f"{rng.randrange(2, 20) * 100}.00"
            name, mcc = "ATM", "6011"
            body.update(type="cash")
        body.update(amount=amount, merchant_name=name, merchant_city=city, mcc=mcc)
        payload = json.dumps(body).encode()
        return (f"POST /api/v1/authorizations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\nConnection: keep-alive\r\n\r\n"
                ).encode() + payload

    return whoami if kind == "whoami" else authorization


async def _drive(port: int, key: str, pans: list[str], schedule: list[tuple[str, float]], warmup: float,
                 concurrency: int, run: str) -> dict[str, dict]:
    """Run the schedule's windows back to back — (kind, seconds), kinds interleaved so both see the same
    load on a shared machine — and report each kind over all its windows."""
    latencies: dict[str, list[float]] = {"whoami": [], "authorize": []}
    statuses: dict[str, Counter] = {"whoami": Counter(), "authorize": Counter()}
    reasons: Counter = Counter()
    seconds: Counter = Counter()
    makers = {(kind, n): _request_factory(kind, key, pans, run, n) for kind in latencies for n in range(concurrency)}

    async def window(kind: str, length: float, counted: bool) -> None:
        deadline = time.perf_counter() + length

        async def caller(worker: int) -> None:
            make = makers[(kind, worker)]
            reader = writer = None
            while time.perf_counter() < deadline:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                request = make()
                sent = time.perf_counter()
                writer.write(request)
                await writer.drain()
                try:
                    status, headers, body = await _read_response(reader)
                except (ConnectionError, asyncio.IncompleteReadError):
                    writer.close()
                    reader = writer = None
                    statuses[kind]["reset"] += 1
                    continue
                done = time.perf_counter()
                if counted and done <= deadline:
                    latencies[kind].append(done - sent)
                    statuses[kind][status] += 1
                    if kind == "authorize" and status == 200:
                        decision = json.loads(body)
                        reasons["approved" if decision["approved"] else decision["reason"]] += 1
                if headers.get("connection", "").lower() == "close":
                    writer.close()
                    reader = writer = None
            if writer is not None:
                writer.close()

        await asyncio.gather(*(caller(n) for n in range(concurrency)))
        if counted:
            seconds[kind] += length

    for kind in ("whoami", "authorize"):
        await window(kind, warmup, counted=False)
    for kind, length in schedule:
        await window(kind, length, counted=True)
    result = {}
    for kind, values in latencies.items():
        values.sort()
        quantiles = statistics.quantiles(values, n=100) if len(values) >= 100 else [float("nan")] * 99
        result[kind] = {"requests": len(values), "seconds": seconds[kind], "per_second": len(values) / seconds[kind],
                        "p50_ms": quantiles[49] * 1000, "p99_ms": quantiles[98] * 1000,
                        "statuses": {str(k): v for k, v in statuses[kind].items()}}
    result["authorize"]["reasons"] = dict(reasons)
    return result


def client_main(args: argparse.Namespace) -> None:
    pans = Path(args.pans).read_text().split()
    schedule = json.loads(args.schedule)
    result = asyncio.run(_drive(args.port, args.key, pans, schedule, args.warmup, args.concurrency, args.run))
    print(json.dumps(result))


# ── The server side: data, gunicorn, and the report ─────────────────────────────────────────────


def build(run: str, today: dt.date) -> tuple[list[str], str]:
    """10,000 cards with history and controls; returns the card numbers and a network token key."""
    from django.db import transaction
    from moneyed import Money

    from accounts.audit import Actor, Role
    from accounts.controls import company_controls_set
    from accounts.models import Account, Card, Cardmember, Company
    from accounts.pan import generate_pan, pan_hash
    from accounts.services import api_token_create
    from charges.models import FxRate
    from charges.services import charge_file_import
    from charges.validation import COLUMNS

    ops = Actor(role=Role.ISSUER, label="bench")
    rng = random.Random(run)
    numbers: list[str] = []
    per_company = CARDS // COMPANIES
    with transaction.atomic():
        for c in range(COMPANIES):
            company = Company.objects.create(
                number=f"BA{run}{c:02d}", legal_name=f"Bench {run} {c}", vat_number=f"DK{run}{c}", market="DK",
                billing_type="individual", default_liability="corporate", cash_allowed=True,
                credit_limit=Money("50000000.00", "DKK"), annual_fee=Money("0.00", "DKK"), country="DK")
            if c % 2 == 0:  # half the companies have controls of their own
                company_controls_set(company=company, by=ops, on=today, daily_limit=Decimal("20000.00"),
                                     blocked_mccs=["7995"], blocked_countries=["RU", "KP"])
            members = Cardmember.objects.bulk_create(
                Cardmember(company=company, employee_id=f"E{i}", first_name="Bench", last_name=f"M{i}",
                           email=f"m{i}@{run}.example", language="da") for i in range(per_company))
            accounts = Account.objects.bulk_create(
                Account(number=f"8{secrets.randbelow(10**11):011d}", company=company, cardmember=member,
                        liability="corporate", billing_type="individual", currency="DKK", cycle_day=5,
                        opened_on=today - dt.timedelta(days=60)) for member in members)
            pans = [generate_pan() for _ in accounts]
            Card.objects.bulk_create(
                Card(account=account, pan_hash=pan_hash(pan), last4=pan[-4:], expiry=today + dt.timedelta(days=900),
                     status="active", issued_on=today - dt.timedelta(days=60), cash_enabled=rng.random() < 0.5,
                     monthly_limit=Money("50000.00", "DKK"), status_changed_on=today - dt.timedelta(days=60))
                for account, pan in zip(accounts, pans, strict=True))
            numbers += pans
        FxRate.objects.bulk_create([FxRate(rate_date=today - dt.timedelta(days=back), currency=code,
                                           rate=Decimal(rate))
                                    for back in range(1, 8) for code, rate in RATES.items()], ignore_conflicts=True)
    # History through the real import: three charges per card this month, so spend and the
    # company's balances are not empty.
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\n")
    processing = today - dt.timedelta(days=1)
    for n, pan in enumerate(numbers * HISTORY_PER_CARD):
        day = max(today.replace(day=1), processing - dt.timedelta(days=rng.randint(0, 5)))
        out.write(f"H{run}-{n},{pan},{day},{processing},purchase,{rng.randint(20, 900)}.00,DKK,Netto,København,"
                  f"DK,5411,false,\n")
    charge_file_import(source=io.BytesIO(out.getvalue().encode()), filename=f"bench-history-{run}.csv")
    _token, key = api_token_create(name=f"bench {run}", kind="network")
    return numbers, key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int, env: dict[str, str]) -> subprocess.Popen:
    # gthread workers keep connections alive between requests (sync workers close each one).
    worker_class = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else ["--worker-class",
                                                                                                 "sync"]
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "amexprog.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), *worker_class, "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def run_client(port: int, key: str, pans_file: str, schedule: list[tuple[str, float]], warmup: float,
               concurrency: int, run: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--client", "--port", str(port), "--key", key, "--pans", pans_file,
         "--schedule", json.dumps(schedule), "--warmup", str(warmup), "--concurrency", str(concurrency),
         "--run", run],
        check=True, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    return json.loads(output.stdout.strip().splitlines()[-1])


def steps(key: str, pans: list[str], run: str, n: int = 400) -> None:
    """Where the time goes, in this process (no HTTP server): the whole Django request of each kind
    (wall and CPU), and within a decision the body parse and the one database call."""
    from django.test import Client

    import charges.authorization_apis as apis
    import charges.authorizations as decisions

    spent: Counter = Counter()

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started
        return wrapper

    apis.authorization_request_parse = timed("parse", apis.authorization_request_parse)
    decisions.authorization_decide_call = timed("database call", decisions.authorization_decide_call)
    from django.db import connection

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {key}")
    make = _request_factory("authorize", key, pans, f"{run}s", 99)
    bodies = [make().split(b"\r\n\r\n", 1)[1] for _ in range(n + 50)]
    for kind in ("whoami", "authorize"):
        for index in range(n + 50):
            if index == 50:  # the first 50 warm up
                spent.clear()
                wall, cpu, server = time.perf_counter(), time.process_time(), _server_cpu(connection)
            if kind == "whoami":
                response = client.get("/api/v1/whoami")
            else:
                response = client.post("/api/v1/authorizations", bodies[index], content_type="application/json")
            assert response.status_code == 200, response.content[:200]
        wall, cpu = (time.perf_counter() - wall) / n * 1000, (time.process_time() - cpu) / n * 1000
        after = _server_cpu(connection)
        line = f"in-process {kind:<9}: {wall:5.2f} ms per request ({cpu:5.2f} ms CPU in this process"
        if None not in (server, after):
            line += f", {(after - server) / n * 1000:5.2f} ms in its PostgreSQL backend"
        line += ")"
        if kind == "authorize":
            line += "; of which " + ", ".join(f"{name} {seconds / n * 1000:.2f} ms" for name, seconds in spent.items())
        print(line)


def _server_cpu(connection) -> float | None:
    """CPU seconds (user and system) of this connection's PostgreSQL backend so far, when it runs on this
    machine (its /proc entry is readable); else None."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds of authorizations")
    parser.add_argument("--baseline-seconds", type=float, default=30.0, help="measured seconds of the baseline")
    parser.add_argument("--windows", type=int, default=6,
                        help="the two are measured in this many alternating windows each (same load for both)")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=4,
                        help="gunicorn workers (4 suits 2 cores best: each waits on PostgreSQL part of the time)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (more than 1: gthread workers)")
    parser.add_argument("--concurrency", type=int,
                        help="concurrent client connections (default: one per worker; a sync worker serves one "
                             "request at a time, so more only wait in the listen backlog: on 2 cores 3 workers with "
                             "6 connections gave fewer decisions/s and a longer p99 than 4 with 4; 2026-12-07)")
    parser.add_argument("--steps", type=int, default=1, help="then time the steps in-process (0: skip)")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--schedule", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--pans", help=argparse.SUPPRESS)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(args)
        return

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (created if missing).")
    ensure_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amexprog.settings.development")
    os.environ.setdefault("DJANGO_DEBUG", "false")  # DEBUG would keep every query in memory
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from amexprog.common import clock

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    call_command("migrate", verbosity=0)
    run = secrets.token_hex(3)
    today = clock.today()
    started = time.perf_counter()
    pans, key = build(run, today)
    print(f"run {run}: {len(pans):,} cards on {COMPANIES} companies, database {connection.settings_dict['NAME']}, "
          f"setup {time.perf_counter() - started:.1f} s")
    connections.close_all()

    workdir = Path(tempfile.mkdtemp(prefix="bench-auth-"))
    pans_file = workdir / "cards.txt"  # synthetic cards of this run only; removed at the end
    descriptor = os.open(pans_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(descriptor, "\n".join(pans).encode())
    os.close(descriptor)
    port = free_port()
    load_before = f"{os.getloadavg()[0]:.2f}"
    if args.concurrency is None:
        args.concurrency = args.workers
    server = start_gunicorn(port, args.workers, args.threads, {**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        schedule = [(kind, length / args.windows) for _ in range(args.windows)
                    for kind, length in (("whoami", args.baseline_seconds), ("authorize", args.seconds))]
        result = run_client(port, key, str(pans_file), schedule, args.warmup, args.concurrency, run)
        baseline, decisions = result["whoami"], result["authorize"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        pans_file.unlink()
        workdir.rmdir()

    workers = f"{args.workers} gthread workers × {args.threads} threads" if args.threads > 1 else \
        f"{args.workers} sync workers"
    print(f"gunicorn: {workers}; client: {args.concurrency} connections, asyncio, separate process; "
          f"load average before/after: {load_before} / {os.getloadavg()[0]:.2f}")
    for name, result in (("GET /api/v1/whoami (baseline)", baseline), ("POST /api/v1/authorizations", decisions)):
        print(f"{name:<32} {result['per_second']:8.1f} req/s  p50 {result['p50_ms']:6.1f} ms  "
              f"p99 {result['p99_ms']:6.1f} ms  ({result['requests']:,} in {result['seconds']:.0f} s; "
              f"HTTP {result['statuses']})")
    total = sum(decisions["reasons"].values()) or 1
    print("decisions: " + ", ".join(f"{reason} {count / total:.1%}" for reason, count in
                                     sorted(decisions["reasons"].items(), key=lambda item: -item[1])))
    print(f"ratio decisions/s ÷ baseline req/s: {decisions['per_second'] / baseline['per_second']:.2f}")
    if args.steps:
        steps(key, pans, run)


if __name__ == "__main__":
    main()
