"""Load test: a mixed workload for five minutes under gunicorn on PostgreSQL (and Redis) (issue 9).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/amexprog_bench REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python bench/load.py [--duration 300]

Seeds its own data through bench/authorizations.py's builder (cards on DK companies with controls
and a charge history loaded through the real import), adds programme administrators with a TOTP
device, a company token and an ops token, then starts gunicorn (gthread workers) — and a Celery
worker when REDIS_URL is set — and drives, all at once for `--duration` seconds:
  - portal: PAs log in through the real login form and the TOTP step (codes computed from their
    device's key like an authenticator app), then browse the PA pages (home, company, cards,
    cardmembers, statements, an account's transactions, a card);
  - API reads with the company token: statements, an account's postings, cards;
  - POST /api/v1/authorizations with the network token (the mix of bench/authorizations.py);
  - a charge file of `--import-rows` charges POSTed to /api/v1/charge-files/ every
    `--import-every` seconds with the ops token (and an Idempotency-Key).
It prints throughput and p50/p99 per endpoint, the error count (any 5xx, unexpected 4xx or broken
connection; it should be 0) and the result of verify_ledger over the whole database at the end.
Exit status 1 when there were errors or verify_ledger found a violation. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import authorizations as auth_bench  # noqa: E402  (after the path set-up)

PASSWORD = "bench-load-pass-2026"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# ── Recording ────────────────────────────────────────────────────────────────────────────────────


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []

    def add(self, label: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.latencies[label].append(seconds)
            if not ok:
                self.errors[label] += 1
                if len(self.samples) < 20:
                    self.samples.append(f"{label}: {detail[:300]}")


class Client:
    """One keep-alive HTTP connection with a cookie jar (stdlib only)."""

    def __init__(self, port: int, recorder: Recorder, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.recorder = recorder
        self.headers = headers or {}
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def request(self, label: str, method: str, path: str, *, body: bytes | None = None,
                headers: dict[str, str] | None = None, expect: tuple[int, ...] = (200,),
                record: bool = True) -> tuple[int, dict[str, str], bytes]:
        all_headers = {"Host": "127.0.0.1", **self.headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            for attempt in (1, 2):
                reused = self.connection is not None
                if self.connection is None:
                    self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                try:
                    self.connection.request(method, path, body=body, headers=all_headers)
                    response = self.connection.getresponse()
                    break
                except (ConnectionError, http.client.RemoteDisconnected):
                    # The server closed an idle keep-alive connection: what every HTTP client does is
                    # open a new one and send again (once; a fresh connection failing is an error).
                    self.close()
                    if not reused or attempt == 2:
                        raise
            content = response.read()
            status = response.status
            response_headers = {name.lower(): value for name, value in response.getheaders()}
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    for morsel in SimpleCookie(value).values():
                        self.cookies[morsel.key] = morsel.value
            if response_headers.get("connection", "").lower() == "close":
                self.close()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            if record:
                self.recorder.add(label, time.perf_counter() - started, False, f"{type(exc).__name__}: {exc}")
            return 0, {}, b""
        if record:
            ok = status in expect
            self.recorder.add(label, time.perf_counter() - started, ok,
                              f"HTTP {status} {method} {path}: {content[:200]!r}")
        return status, response_headers, content

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# ── The four kinds of caller ─────────────────────────────────────────────────────────────────────


def portal_caller(port: int, recorder: Recorder, stop: threading.Event, pa: dict, code_for) -> None:
    client = Client(port, recorder)
    status, _h, page = client.request("portal login (form + TOTP)", "GET", "/login/", record=False)
    form = {"username": pa["username"], "password": PASSWORD,
            "csrfmiddlewaretoken": CSRF_INPUT.search(page.decode()).group(1)}
    started = time.perf_counter()
    status, headers, _b = client.request(
        "login", "POST", "/login/", body=urlencode(form).encode(), record=False,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{port}/login/"})
    status, _h, page = client.request("otp page", "GET", "/login/otp/", record=False)
    match = CSRF_INPUT.search(page.decode())
    ok = status == 200 and match is not None
    if ok:
        form = {"otp_token": code_for(pa["username"]), "csrfmiddlewaretoken": match.group(1)}
        status, headers, _b = client.request(
            "otp", "POST", "/login/otp/", body=urlencode(form).encode(), record=False,
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Referer": f"http://127.0.0.1:{port}/login/otp/"})
        ok = status == 302 and "/login" not in headers.get("location", "/login")
    recorder.add("portal login (password + TOTP)", time.perf_counter() - started, ok, f"HTTP {status} {headers}")
    if not ok:
        return
    company, account, card = pa["company"], pa["account"], pa["card"]
    pages = [("portal GET /pa/", "/pa/"),
             ("portal GET company", f"/pa/companies/{company}/"),
             ("portal GET company cards", f"/pa/companies/{company}/cards/"),
             ("portal GET cardmembers", f"/pa/companies/{company}/cardmembers/"),
             ("portal GET company statements", f"/pa/companies/{company}/statements/"),
             ("portal GET account transactions", f"/accounts/{account}/transactions/"),
             ("portal GET card", f"/cards/{card}/")]
    rng = random.Random(pa["username"])
    while not stop.is_set():
        label, path = rng.choice(pages)
        client.request(label, "GET", path)
    client.close()


def api_reader(port: int, recorder: Recorder, stop: threading.Event, key: str, accounts: list[str],
               seed: int) -> None:
    client = Client(port, recorder, {"Authorization": f"Token {key}", "Accept": "application/json"})
    rng = random.Random(seed)
    while not stop.is_set():
        draw = rng.random()
        if draw < 0.34:
            client.request("API GET /statements/", "GET", "/api/v1/statements/")
        elif draw < 0.67:
            client.request("API GET /accounts/{n}/postings/", "GET",
                           f"/api/v1/accounts/{rng.choice(accounts)}/postings/")
        else:
            client.request("API GET /cards/", "GET", "/api/v1/cards/")
    client.close()


def authorizer(port: int, recorder: Recorder, stop: threading.Event, key: str, pans: list[str], run: str,
               worker: int) -> None:
    client = Client(port, recorder, {"Authorization": f"Token {key}", "Content-Type": "application/json"})
    make = auth_bench._request_factory("authorize", key, pans, run, worker)
    while not stop.is_set():
        raw = make()  # a whole HTTP/1.1 request; keep its JSON body
        body = raw.split(b"\r\n\r\n", 1)[1]
        client.request("API POST /authorizations", "POST", "/api/v1/authorizations", body=body)
    client.close()


def importer(port: int, recorder: Recorder, stop: threading.Event, key: str, pans: list[str], run: str,
             rows: int, every: float, processing: dt.date, loaded: list[int]) -> None:
    from charges.validation import COLUMNS

    client = Client(port, recorder, {"Authorization": f"Token {key}"})
    rng = random.Random(run)
    number = 0
    while not stop.is_set():
        number += 1
        lines = [",".join(COLUMNS)]
        for n in range(rows):
            day = processing - dt.timedelta(days=rng.randint(0, 3))
            lines.append(f"L{run}-{number}-{n},{rng.choice(pans)},{day},{processing},purchase,"
                         f"{rng.randint(5, 900)}.{rng.randrange(100):02d},DKK,Netto,København,DK,5411,false,")
        content = ("\n".join(lines) + "\n").encode()
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"load-{run}-{number}.csv\""
                f"\r\nContent-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        status, _h, _b = client.request(
            "API POST /charge-files/", "POST", "/api/v1/charge-files/", body=body, expect=(201,),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                     "Idempotency-Key": f"load-{run}-{number}"})
        if status == 201:
            loaded.append(rows)
        stop.wait(every)
    client.close()


# ── Set-up, servers, report ──────────────────────────────────────────────────────────────────────


def seed(run: str, today: dt.date, cards: int, pas: int) -> dict:
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Account, Card, Company, ProgrammeAdministrator
    from accounts.services import api_token_create

    auth_bench.CARDS = cards
    auth_bench.COMPANIES = max(2, min(20, cards // 500))
    pans, network_key = auth_bench.build(run, today)
    companies = list(Company.objects.filter(number__startswith=f"BA{run}").order_by("number"))
    company = companies[0]
    accounts = list(Account.objects.filter(company=company).order_by("number").values_list("number", flat=True))
    card = Card.objects.filter(account__company=company).order_by("pk").first()
    administrators = []
    for index in range(pas):
        user = get_user_model().objects.create_user(username=f"pa-{run}-{index}", password=PASSWORD,
                                                    first_name="Bench", last_name=f"PA {index}")
        ProgrammeAdministrator.objects.create(user=user).companies.add(company)
        TOTPDevice.objects.create(user=user, name="bench authenticator", confirmed=True)
        administrators.append({"username": user.username, "company": company.number, "account": accounts[index],
                               "card": card.pk})
    return {
        "pans": pans, "network_key": network_key, "accounts": accounts, "pas": administrators,
        "company_key": api_token_create(name=f"load {run} company", kind="company", company=company)[1],
        "ops_key": api_token_create(name=f"load {run} ops", kind="ops", user=get_user_model().objects.create_user(
            username=f"ops-{run}", is_staff=True, is_superuser=True))[1],
        "companies": len(companies),
    }


def totp_code_for(username: str) -> str:
    from django.db import close_old_connections
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.security import totp_code

    close_old_connections()
    return totp_code(TOTPDevice.objects.get(user__username=username, confirmed=True))


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "celery"), "-A", "amexprog", "worker", "--concurrency", "1",
         "--loglevel", "WARNING"], cwd=ROOT, env=env, start_new_session=True)


def stop_process(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def report(recorder: Recorder, seconds: float) -> int:
    print(f"{'endpoint':<36} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    total = errors = 0
    for label in sorted(recorder.latencies):
        values = sorted(recorder.latencies[label])
        if len(values) >= 2:
            quantiles = statistics.quantiles(values, n=100, method="inclusive")
            p50, p99 = quantiles[49] * 1000, quantiles[98] * 1000
        else:
            p50 = p99 = values[0] * 1000
        total += len(values)
        errors += recorder.errors[label]
        print(f"{label:<36} {len(values):>8} {len(values) / seconds:>7.1f} {p50:>8.1f} {p99:>8.1f} "
              f"{recorder.errors[label]:>6}")
    print(f"{'all':<36} {total:>8} {total / seconds:>7.1f} {'':>8} {'':>8} {errors:>6}")
    for sample in recorder.samples:
        print("  error:", sample)
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of mixed load (default 300)")
    parser.add_argument("--cards", type=int, default=2000, help="cards to seed (default 2000)")
    parser.add_argument("--portal-users", type=int, default=2, help="PAs browsing the portal at once")
    parser.add_argument("--api-readers", type=int, default=2, help="API read callers at once")
    parser.add_argument("--authorizers", type=int, default=2, help="authorization callers at once")
    parser.add_argument("--import-rows", type=int, default=1000, help="charges per imported file")
    parser.add_argument("--import-every", type=float, default=20.0, help="seconds between charge files")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (created if missing).")
    auth_bench.ensure_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amexprog.settings.development")
    os.environ.setdefault("DJANGO_DEBUG", "false")  # DEBUG would keep every query in memory
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from amexprog.common import clock
    from ledger.verification import verify_ledger

    call_command("migrate", verbosity=0)
    run = secrets.token_hex(3)
    today = clock.today()
    started = time.perf_counter()
    data = seed(run, today, args.cards, args.portal_users)
    with connection.cursor() as cursor:
        # Planner statistics for the fresh rows, as autovacuum keeps them in production (it is off on
        # the development server: unanalysed, the dashboard's queries pick nested loops and take seconds).
        cursor.execute("ANALYZE")
    print(f"run {run}: {len(data['pans']):,} cards on {data['companies']} companies, {args.portal_users} PAs, "
          f"database {connection.settings_dict['NAME']}, setup {time.perf_counter() - started:.1f} s")
    connections.close_all()

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    port = auth_bench.free_port()
    load_before = os.getloadavg()[0]
    server = auth_bench.start_gunicorn(port, args.workers, args.threads, env)
    worker = start_worker(env) if os.environ.get("REDIS_URL") else None
    recorder = Recorder()
    stop = threading.Event()
    loaded: list[int] = []
    callers = (
        [threading.Thread(target=portal_caller, args=(port, recorder, stop, pa, totp_code_for))
         for pa in data["pas"]]
        + [threading.Thread(target=api_reader, args=(port, recorder, stop, data["company_key"], data["accounts"], n))
           for n in range(args.api_readers)]
        + [threading.Thread(target=authorizer, args=(port, recorder, stop, data["network_key"], data["pans"], run, n))
           for n in range(args.authorizers)]
        + [threading.Thread(target=importer, args=(port, recorder, stop, data["ops_key"], data["pans"], run,
                                                   args.import_rows, args.import_every, today - dt.timedelta(days=1),
                                                   loaded))]
    )
    try:
        began = time.perf_counter()
        for thread in callers:
            thread.start()
        stop.wait(args.duration)
        stop.set()
        for thread in callers:
            thread.join(timeout=180)
        elapsed = time.perf_counter() - began
    finally:
        stop.set()
        stop_process(server)
        if worker is not None:
            stop_process(worker)

    print(f"gunicorn: {args.workers} gthread workers × {args.threads} threads; Celery worker: "
          f"{'yes' if worker else 'no (REDIS_URL unset: tasks in-process)'}; callers: {args.portal_users} portal, "
          f"{args.api_readers} API read, {args.authorizers} authorization, 1 import; "
          f"load average before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f}")
    print(f"{elapsed:.0f} s; charge files loaded: {len(loaded)} ({sum(loaded):,} charges)")
    errors = report(recorder, elapsed)
    checked = time.perf_counter()
    problems = {name: found for name, found in verify_ledger().items() if found}
    print(f"verify_ledger: {'clean' if not problems else problems} ({time.perf_counter() - checked:.1f} s)")
    print(f"errors: {errors}")
    sys.exit(1 if errors or problems else 0)


if __name__ == "__main__":
    main()
