"""Issue 19 item 2 (SPEC 18): the PA's home at a glance, per company and across the PA's companies,
every figure a link to the page that shows it; constant query count; the reader's language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from moneyed import Money

from accounts.change_request_models import ChangeRequest
from accounts.models import Account, Card
from charges.models import Authorization, Hold
from complaints.services import complaint_open
from disputes.audit import actor_of
from disputes.services import dispute_open
from ledger.services import posting_create
from rewards.models import Enrolment
from statements.models import Statement
from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory, issue_card

CURRENT_TIME = dt.datetime(2026, 6, 20, 10, 0, tzinfo=dt.UTC)
ON = dt.date(2026, 6, 20)
HOME = reverse("portal:pa_home")


def charge(account, amount: str, on: dt.date, key: str, card=None):
    return posting_create(account=account, kind="purchase", amount=Money(Decimal(amount), account.currency),
                          posting_date=on, source_key=key, card=card, merchant_name="Shop")[0]


def statement(account, statement_date: dt.date, billed: str, due: dt.date):
    return Statement.objects.create(
        account=account, statement_date=statement_date, period_start=statement_date - dt.timedelta(days=30),
        due_date=due, currency=account.currency, opening_balance=Decimal("0"), closing_balance=Decimal(billed),
        billed_amount=Decimal(billed), payments_amount=Decimal("0"))


def authorization(card, key: str, amount: str, *, approved: bool, on: dt.date = ON) -> Authorization:
    account = card.account
    made = Authorization.objects.create(
        transaction_id=key, card=card, account=account, type="purchase", amount=Decimal(amount),
        currency=account.currency, merchant_name="Hotel Alpha", merchant_country="DK", mcc="7011",
        entry_mode="chip", approved=approved, reason="" if approved else "card_blocked",
        billing_currency=account.currency, billed_amount=Decimal(amount), hold_amount=Decimal(amount),
        decided_on=on, decided_at=dt.datetime.combine(on, dt.time(9), tzinfo=dt.UTC))
    if approved:
        Hold.objects.create(authorization=made, transaction_id=key, card=card, account=account,
                            company=account.company, kind="purchase", amount=Decimal(amount),
                            base_amount=Decimal(amount), currency=account.currency, created_on=on,
                            expires_on=on + dt.timedelta(days=7))
    return made


def member(company, n: int, **fields):
    return AccountFactory(cardmember=CardmemberFactory(company=company, first_name="Member", last_name=f"M{n:04d}"),
                          **fields)


def active_card(account, **fields) -> Card:
    card = issue_card(account).card
    Card.objects.filter(pk=card.pk).update(status=Card.Status.ACTIVE, **fields)
    card.refresh_from_db()
    return card


@pytest.fixture
def programme(alice, bob, bob_account, company_a):
    """Company A with one of each thing the home counts."""
    card = active_card(bob_account, expiry=ON + dt.timedelta(days=30))  # expires within 60 days
    charge(bob_account, "300.00", dt.date(2026, 4, 10), "c/apr", card=card)
    statement(bob_account, dt.date(2026, 4, 30), "300.00", due=dt.date(2026, 5, 10))  # overdue: past due
    june = charge(bob_account, "850.00", dt.date(2026, 6, 3), "c/jun", card=card)  # unbilled
    billed = member(company_a, 1)
    charge(billed, "200.00", dt.date(2026, 6, 1), "c/billed")
    statement(billed, dt.date(2026, 6, 5), "200.00", due=dt.date(2026, 7, 1))  # the next amount due
    member(company_a, 2, status=Account.Status.SUSPENDED)
    authorization(card, "auth/held", "45.50", approved=True)
    authorization(card, "auth/declined", "99.00", approved=False)
    authorization(card, "auth/declined-yesterday", "99.00", approved=False, on=ON - dt.timedelta(days=1))
    dispute_open(charge=june, reason="not_received", by=actor_of(bob), on=ON)
    complaint_open(user=alice, company=company_a, account=bob_account, topic="service", subject="Slow answers",
                   description="Nobody answered.", on=ON)
    for requested_by in (None, alice):  # the PA's own request waits for someone else, not for the PA
        ChangeRequest.objects.create(
            company=company_a, kind=ChangeRequest.Kind.BANK_DETAILS, requested_on=ON, requested_at=CURRENT_TIME,
            requested_by="someone", requested_by_user=requested_by,
            changes={"iban": {"before": "", "after": "DK5000400440116243"}, "bic": {"before": "", "after": ""}})
    Enrolment.objects.create(account=billed, member_number="EBS123456789", status="requested", source="request",
                             requested_on=ON)
    return company_a


def tile(page: str, number: str, name: str) -> str:
    """The <a> of one figure on the page."""
    start = page.index(f'id="glance-{number}-{name}"')
    return page[page.rindex("<a", 0, start):page.index("</a>", start)]


@time_machine.travel(CURRENT_TIME, tick=False)
def test_issue19_item2_home_shows_every_figure_as_a_link(alice_client, programme):
    page = alice_client.get(HOME).content.decode()
    number = programme.number
    detail = reverse("portal:company_detail", args=[number])
    transactions = reverse("portal:company_transactions", args=[number])
    expected = {
        "credit": ("DKK\xa01,395.50", reverse("portal:company_cardmembers", args=[number])),  # 1,150 + 200 + 45.50
        "due": ("DKK\xa0200.00", reverse("portal:company_statements", args=[number])),
        "unbilled": ("DKK\xa0850.00", f"{detail}#period"),
        "held": ("DKK\xa045.50", transactions + "?status=pending"),
        "declines": (">1<", transactions + "?status=declined"),
        "past-due": (">1<", f"{detail}#ageing"),
        "suspended": (">1<", reverse("portal:company_cardmembers", args=[number])),
        "expiring": (">1<", f"{detail}#expiring"),
        "disputes": (">1<", reverse("portal:company_disputes", args=[number])),
        "complaints": (">1<", reverse("portal:complaints")),
        "changes": (">1<", reverse("portal:company_changes", args=[number])),
        "enrolments": (">1<", reverse("portal:company_eurobonus", args=[number])),
    }
    for name, (figure, href) in expected.items():
        link = tile(page, number, name)
        assert figure in link, (name, link)
        assert f'href="{href}' in link, (name, link)
    assert "1 Jul 2026" in tile(page, number, "due")  # en-GB date
    assert "DKK\xa0300.00 overdue" in tile(page, number, "due")
    assert "of DKK\xa01,000,000.00" in tile(page, number, "credit")


@time_machine.travel(CURRENT_TIME, tick=False)
def test_issue19_item2_every_home_link_leads_to_a_page_showing_the_figure(alice_client, programme):
    """The company page's sections the home links to show the same figures (the rest are list pages)."""
    page = alice_client.get(reverse("portal:company_detail", args=[programme.number])).content.decode()
    assert 'id="held"' in page and "DKK\xa045.50" in page and "Hotel Alpha" in page
    assert 'id="declines"' in page and "Declines today: 1" in page
    assert 'id="expiring"' in page and "Cards expiring within 60 days: 1" in page
    assert 'id="period"' in page and "DKK\xa0850.00" in page
    assert 'id="ageing"' in page
    suspended = alice_client.get(reverse("portal:company_cardmembers", args=[programme.number]),
                                 {"account_status": "suspended"}).content.decode()
    assert "M0002" in suspended and "Jensen" not in suspended


@time_machine.travel(CURRENT_TIME, tick=False)
def test_issue19_item2_home_adds_up_across_companies_per_currency(alice_client, alice, programme, company_b):
    belgian = CompanyFactory(number="20001", legal_name="Gamma BV", market="BE",
                             credit_limit=Money("250000.00", "EUR"), annual_fee=Money("55.00", "EUR"))
    alice.pa.companies.add(company_b, belgian)
    charge(member(company_b, 10), "100.00", dt.date(2026, 6, 10), "c/b")
    outsider = CompanyFactory(number="30001", legal_name="Outside A/S")
    charge(member(outsider, 11), "7777.00", dt.date(2026, 6, 10), "c/outsider")

    page = alice_client.get(HOME).content.decode()

    across = page[page.index('id="across"'):page.index('id="company-list"')]
    assert "Across your companies" in across
    assert "DKK\xa0950.00" in across  # unbilled: 850 (A) + 100 (B)
    assert "EUR" in across and "€" not in across  # the Belgian company's euros stay apart
    for number in ("10001", "10002", "20001"):
        assert f'id="company-{number}"' in page
    assert "30001" not in page and "7,777.00" not in page and "8,727.00" not in page


def add_companies(alice, first: int, count: int, accounts: int) -> None:
    for n in range(first, first + count):
        company = CompanyFactory(number=f"{40000 + n}", legal_name=f"Company {n}")
        alice.pa.companies.add(company)
        for m in range(accounts):
            account = member(company, n * 100 + m)
            card = active_card(account, expiry=ON + dt.timedelta(days=10))
            charge(account, "90.00", dt.date(2026, 5, 1), f"c/{n}/{m}", card=card)
            statement(account, dt.date(2026, 5, 5), "90.00", due=dt.date(2026, 6, 25))
            authorization(card, f"a/{n}/{m}", "10.00", approved=True)
            authorization(card, f"d/{n}/{m}", "10.00", approved=False)


@time_machine.travel(CURRENT_TIME, tick=False)
def test_issue19_item2_home_query_count_is_constant(alice_client, alice, company_a):
    add_companies(alice, 0, 1, accounts=1)  # one company with one account of each kind of figure
    with CaptureQueriesContext(connection) as one:
        assert alice_client.get(HOME).status_code == 200
    add_companies(alice, 1, 4, accounts=3)
    with CaptureQueriesContext(connection) as many:
        page = alice_client.get(HOME).content.decode()
    assert len(many.captured_queries) == len(one.captured_queries), [q["sql"] for q in many.captured_queries]
    assert 'id="company-40003"' in page and "DKK\xa090.00" in page


@time_machine.travel(CURRENT_TIME, tick=False)
def test_issue19_item2_home_in_danish(alice_client, programme):
    alice_client.cookies["django_language"] = "da"
    page = alice_client.get(HOME).content.decode()
    due = tile(page, programme.number, "due")
    assert "200,00\xa0kr." in due and "1. jul. 2026" in due
    assert "Brugt kredit" in tile(page, programme.number, "credit")
    assert "Credit used" not in page and "Declines today" not in page
