"""Browser tests: Debian's headless Chromium, driven by Playwright, against pytest-django's live_server.

No browser is downloaded (`playwright install` is never run): Playwright drives /usr/bin/chromium,
which `.ci/run` installs from Debian when it is missing. Without it the tests skip on a developer's
machine and fail in CI (CI=true), so a CI run can never pass by silently skipping them.

Every page a test visits is saved as a full-page screenshot under
`test-artifacts/screenshots/<test>/NN-name.png` (gitignored), for a person to look at.

The data is the demo's (accounts/demo.py, accounts/demo_history.py): the same companies, people
and charges `make run` shows, with the clock frozen a few days after the history ends.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TIMEOUT_MS = 15_000

# The demo history runs from 3 August 2026 (DEMO_START) through HISTORY_THROUGH, the first
# statement day of Bob's cycle (5): Bob and Freja have statements, Nordlys (central billing) its
# company statement, everyone has charges. Three days of cycle keep each test's set-up to seconds.
# The tests happen the next morning.
HISTORY_THROUGH = dt.date(2026, 8, 5)
CURRENT_TIME = dt.datetime(2026, 8, 6, 9, 0, tzinfo=dt.UTC)


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def browser(monkeypatch, live_server):
    """A fresh headless Chromium per test (about a second to start).

    Playwright's sync API keeps an asyncio event loop in this thread, so Django's async-unsafe
    check would refuse the ORM calls the test itself makes (set-up, assertions on the database);
    the test thread never runs async code of its own, so the check is switched off for the test
    only (monkeypatch restores it).
    """
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium chromium-driver)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[dev]')")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
            # asgiref's thread-locals follow the running event loop's context, so the test's own ORM
            # calls got a connection of their own: close it before the loop goes, or it stays open
            # (and keeps PostgreSQL from dropping the test database at the end of the run).
            connections.close_all()


def plain(text: str) -> str:
    """Page text with Babel's no-break spaces (between amount and currency) as plain spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def totp_from_secret(secret: str) -> str:
    """What an authenticator app shows for a base32 key typed in from the enrolment page (RFC 6238)."""
    from django_otp.oath import TOTP

    key = base64.b32decode(secret.replace(" ", "").upper() + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{TOTP(key, step=30, digits=6).token():06d}"


class Screenshots:
    """`test-artifacts/screenshots/<test>/NN-name.png`, numbered in the order the pages were seen."""

    def __init__(self, folder: Path):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.folder = folder
        self.count = 0

    def next_path(self, name: str) -> Path:
        self.count += 1
        return self.folder / f"{self.count:02d}-{name}.png"


class Visit:
    """One person's browser session (own cookies), that screenshots every page it shows."""

    def __init__(self, browser, base_url: str, screenshots: Screenshots):
        self.context = browser.new_context(base_url=base_url, locale="en-GB", accept_downloads=True,
                                           viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.screenshots = screenshots

    def shot(self, name: str) -> Path:
        path = self.screenshots.next_path(name)
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def keep(self, download, name: str) -> Path:
        """A downloaded file goes next to the screenshots, for a person to open."""
        path = self.screenshots.next_path(name).with_suffix(Path(download.suggested_filename).suffix)
        download.save_as(str(path))
        return path

    def goto(self, url: str, name: str):
        response = self.page.goto(url)
        self.shot(name)
        return response

    def click(self, selector: str, name: str):
        """Click a link or submit button, wait for the page it leads to, screenshot that page."""
        with self.page.expect_navigation() as navigation:
            self.page.click(selector)
        self.page.wait_for_load_state()
        self.shot(name)
        return navigation.value

    def login(self, username: str, password: str, *, enrol: bool = False) -> None:
        """The login form (`username`, `password`), then for a PA the TOTP step (`otp_token`).

        A PA normally has an authenticator app set up already (tests/otp_helpers.py makes the device
        and computes its current code). With `enrol`, the PA has none yet: the TOTP step says a set-up
        link was emailed (issue 15 item 2); the link is opened from the mail (django.core.mail.outbox:
        the live server runs in this process), the set-up page shows the secret key to type into an
        app, the code is computed from the key read off the page, as the app would, and the recovery
        codes page that follows is left with its "continue" link. A cardmember has no TOTP step.
        """
        from django.contrib.auth import get_user_model
        from django.core import mail

        from accounts.security import otp_required_for
        from tests.otp_helpers import current_code, enrolment_link_path, totp_device

        user = get_user_model().objects.get(username=username)
        needs_otp = otp_required_for(user)
        device = totp_device(user) if needs_otp and not enrol else None
        self.page.goto("/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.shot(f"login-{username}")
        with self.page.expect_navigation():
            self.page.click("form:has(input[name=password]) button[type=submit]")
        otp_field = self.page.locator("input[name=otp_token]")
        if needs_otp and enrol:
            assert self.page.locator("#otp-link-sent").count() == 1, f"{username} was not sent a set-up link"
            self.shot(f"otp-link-sent-{username}")
            self.page.goto(enrolment_link_path(mail.outbox[-1]))
        if needs_otp:
            assert otp_field.count() == 1, f"{username} was not asked for a TOTP code"
            if enrol:
                code = totp_from_secret(self.page.locator("#otp-secret").inner_text())
            else:
                code = current_code(device)
            otp_field.fill(code)
            self.shot(f"otp-{username}")
            with self.page.expect_navigation():
                self.page.click("form:has(input[name=otp_token]) button[type=submit]")
            if enrol:
                assert self.page.locator("#recovery-codes li").count() == 10, "no recovery codes shown"
                self.shot(f"recovery-codes-{username}")
                with self.page.expect_navigation():
                    self.page.click("a.button")
        assert otp_field.count() == 0, f"{username} is still on the TOTP step"
        assert self.page.locator("input[name=password]").count() == 0, f"{username}'s password was refused"
        self.shot(f"logged-in-{username}")

    def choose_language(self, code: str, name: str) -> None:
        """The language selector in the top bar submits itself on change."""
        with self.page.expect_navigation():
            self.page.select_option("#language-select", code)
        self.shot(name)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, live_server, request):
    """`visit()` opens a browser session; a test may open one per person."""
    screenshots = Screenshots(SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name))
    visits: list[Visit] = []

    def start() -> Visit:
        visits.append(Visit(browser, live_server.url, screenshots))
        return visits[-1]

    yield start
    for each in visits:
        each.close()


@pytest.fixture
def frozen():
    with time_machine.travel(CURRENT_TIME, tick=True):
        yield CURRENT_TIME


@pytest.fixture
def flushable_ledger(transactional_db):
    """After a browser test the database is emptied (flush), which SQLite's append-only ledger
    triggers refuse; they are dropped just before, and the flush's post_migrate puts them back
    (ledger/apps.py). PostgreSQL's flush truncates, which its row triggers do not see."""
    yield
    from django.db import connection

    from ledger.chart import SQLITE_APPEND_ONLY

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for statement in SQLITE_APPEND_ONLY:
                cursor.execute("DROP TRIGGER IF EXISTS " + statement.split()[5])


@pytest.fixture
def demo(flushable_ledger, frozen):
    """seed_demo --history through HISTORY_THROUGH: companies 10001 (alice, bob), 10002 (carol) and
    20001 (emma, Belgian, Dutch), with real charges, payments and statements."""
    import importlib

    from django.apps import apps

    from accounts.demo import DEMO_START, demo_seed
    from accounts.demo_history import demo_history_run

    # The issuer's details come from a data migration, which an earlier test's flush emptied: without them a
    # statement shows no payment instructions (issue 19 item 4), unlike the database `make run` starts from.
    importlib.import_module("documents.migrations.0004_issuer_details_examples").seed(apps, None)
    result = demo_seed(on=DEMO_START)
    demo_history_run(through=HISTORY_THROUGH, pans=result.pans)
    return result


def network_charge(demo, username: str, *, day: dt.date, merchant: str, city: str, country: str, mcc: str,
                   amount: str, currency: str, transaction_id: str):
    """One purchase in the account's currency on the named cardmember's demo card, in the network's
    charge file of the next day, loaded by the real importer; returns its posting. The demo's own
    charges are random per account number, so a test brings the charge it needs."""
    from accounts.demo_history import _csv
    from accounts.models import Account
    from charges.services import charge_file_import
    from ledger.models import Posting

    account = Account.objects.get(cardmember__user__username=username)
    charge_file_import(source=_csv([dict(
        transaction_id=transaction_id, card_number=demo.pans[account.pk], transaction_date=day.isoformat(),
        processing_date=(day + dt.timedelta(days=1)).isoformat(), type="purchase", amount=amount,
        currency=currency, merchant_name=merchant, merchant_city=city, merchant_country=country, mcc=mcc,
        merchant_converted="false", original_transaction_id="")]), filename=f"charges-{transaction_id}.csv")
    return Posting.objects.get(account=account, kind="purchase", merchant_name=merchant, transaction_date=day,
                               amount=Decimal(amount))
