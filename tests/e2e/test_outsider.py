"""Carol, PA of Fjordbyg (10002), types company A's addresses into her browser: every one is a 404,
the same page as for something that does not exist (DESIGN "Tests"; SPEC section 1)."""

import pytest
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD
from accounts.models import Card
from statements.models import CompanyStatement, Statement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_carol_gets_404_on_every_company_a_page(visit, demo):
    bob_card = Card.objects.get(account__cardmember__user__username="bob", status=Card.Status.ACTIVE)
    bob_statement = Statement.objects.filter(account=bob_card.account, billed_amount__gt=0).latest("statement_date")
    company_statement = CompanyStatement.objects.filter(company__number="10001").latest("statement_date")
    carol = visit()
    carol.login("carol", DEMO_PASSWORD)
    assert carol.page.locator("h1").inner_text().startswith("Your companies")  # then the business date
    assert "Fjordbyg ApS" in carol.page.content() and "Nordlys" not in carol.page.content()

    forbidden = {
        "company": reverse("portal:company_detail", args=["10001"]),
        "cards": reverse("portal:company_cards", args=["10001"]),
        "card": reverse("portal:card_detail", args=[bob_card.pk]),
        "statements": reverse("portal:company_statements", args=["10001"]),
        "statement": reverse("portal:statement_detail", args=[bob_statement.pk]),
        "statement-pdf": reverse("portal:statement_pdf", args=[bob_statement.pk]),
        "company-statement": reverse("portal:company_statement_detail", args=[company_statement.pk]),
        "company-statement-pdf": reverse("portal:company_statement_pdf", args=[company_statement.pk]),
        "order-upload": reverse("portal:order_upload", args=["10001"]),
        "order-new": reverse("portal:order_new", args=["10001"]),
        "account-transactions": reverse("portal:account_transactions", args=[bob_card.account.number]),
    }
    for name, url in forbidden.items():
        response = carol.goto(url, f"404-{name}")
        assert response.status == 404, url
        page = carol.page.content()
        assert "Nordlys" not in page and "Jensen" not in page and bob_card.last4 not in page, url

    # Her own company still opens: the 404s are about whose data it is, not a broken session.
    response = carol.goto(reverse("portal:company_cards", args=["10002"]), "own-cards")
    assert response.status == 200
    assert "Dina Poulsen" in carol.page.locator("table.list tbody").inner_text()
