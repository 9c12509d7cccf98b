"""A cardmember disputes a charge in the browser (SPEC section 12; terms §21a).

Bob (Nordlys Energi, Danish) logs in with his password (cardmembers have no TOTP step), opens his
transactions, disputes part of a hotel bill with a photo of the receipt, and sees the temporary
credit on his account.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD
from accounts.models import Account
from disputes.models import Dispute
from tests.e2e.conftest import network_charge, plain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECEIPT = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_bob_disputes_part_of_a_charge_and_sees_the_credit(visit, demo):
    account = Account.objects.get(cardmember__user__username="bob")
    charge = network_charge(demo, "bob", day=dt.date(2026, 8, 5), merchant="Scandic Hotels", city="Odense",
                            country="DK", mcc="7011", amount="2480.00", currency="DKK", transaction_id="E2E-HOTEL-1")
    bob = visit()
    page = bob.page
    bob.login("bob", DEMO_PASSWORD)
    assert page.locator("html").get_attribute("lang") == "da"  # Bob's own language
    assert account.number in page.locator("main").inner_text()

    bob.click(f"main a[href='{reverse('portal:account_transactions', args=[account.number])}']", "transactions")
    dispute_link = reverse("portal:dispute_new", args=[charge.pk])
    bob.click(f"a[href='{dispute_link}']", "dispute-form")
    assert charge.merchant_name in page.locator("main").inner_text()

    disputed = (charge.amount.amount / 2).quantize(Decimal("0.01"))
    page.check("input[name=reason][value=wrong_amount]")
    page.fill("input[name=amount]", str(disputed))
    page.fill("textarea[name=note]", "Beløbet på kvitteringen er det halve.")
    page.set_input_files("input[name=file]", {"name": "kvittering.png", "mimeType": "image/png", "buffer": RECEIPT})
    bob.shot("dispute-filled")
    bob.click("main form button[type=submit]", "dispute-opened")

    dispute = Dispute.objects.get(charge=charge)
    assert page.url.endswith(reverse("portal:dispute_detail", args=[dispute.pk]))
    assert f"#{dispute.pk}" in page.locator("h1").inner_text()
    assert dispute.reason == "wrong_amount" and dispute.credited.amount == disputed
    main = plain(page.locator("main").inner_text())
    assert "Beløbet på kvitteringen er det halve." in main and "kvittering.png" in main
    danish_amount = f"{disputed:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") + " kr."
    assert danish_amount in plain(page.locator("ul.messages").inner_text())

    # The temporary credit is on his transactions at once.
    bob.goto(reverse("portal:account_transactions", args=[account.number]), "transactions-with-credit")
    credit = page.locator("tr.kind-dispute_credit")
    assert credit.count() == 1
    assert re.search(rf"-\s?{re.escape(danish_amount)}", plain(credit.inner_text())), credit.inner_text()
