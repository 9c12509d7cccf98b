import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username: str, password: str = PASSWORD):
    return client.post(reverse("portal:login"), {"username": username, "password": password})


def test_pa_logs_in_and_sees_only_their_companies(client, alice, carol):
    from tests.otp_helpers import current_code, otp_submit

    response = login(client, "alice")
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:otp"))
    assert otp_submit(client, current_code(alice)).status_code == 302
    home = client.get(reverse("portal:home"), follow=True)
    assert home.redirect_chain[-1][0] == reverse("portal:pa_home")
    assert "Alpha A/S" in home.content.decode()
    assert "Beta ApS" not in home.content.decode()


def test_outsider_pa_gets_404_on_another_companys_page(client, alice, carol, bob_account):
    client.force_login(carol)
    assert client.get(reverse("portal:company_detail", args=["10001"])).status_code == 404
    own = client.get(reverse("portal:company_detail", args=["10002"]))
    assert own.status_code == 200
    assert bob_account.number not in own.content.decode()


def test_pa_company_page_lists_accounts_with_balances(client, alice, bob_account):
    import datetime as dt

    from moneyed import Money

    from ledger.services import posting_create

    posting_create(account=bob_account, kind="purchase", amount=Money("1234.56", "DKK"),
                   posting_date=dt.date(2026, 3, 1), source_key="charge/portal-1")
    client.force_login(alice)
    page = client.get(reverse("portal:company_detail", args=["10001"])).content.decode()
    assert bob_account.number in page
    assert "DKK\xa01,234.56" in page


def test_cardmember_sees_their_account_and_masked_card_only(client, bob, bob_card, b_account):
    login(client, "bob")
    page = client.get(reverse("portal:home"), follow=True).content.decode()
    assert bob_card.card.account.number in page
    assert bob_card.pan[-4:] in page
    assert bob_card.pan not in page
    assert b_account.number not in page
    assert client.get(reverse("portal:company_detail", args=["10001"])).status_code == 404


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(reverse("portal:pa_home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_login_is_locked_after_repeated_failures(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "alice", "wrong-password").status_code == 200
    assert login(client, "alice", "wrong-password").status_code == 429
    locked = login(client, "alice")  # even the right password is refused now
    assert locked.status_code == 429
    assert "Too many failed login attempts" in locked.content.decode()


def test_language_switch_shows_danish_amounts(client, alice, bob_account):
    import datetime as dt

    from moneyed import Money

    from ledger.services import posting_create

    posting_create(account=bob_account, kind="purchase", amount=Money("1234.56", "DKK"),
                   posting_date=dt.date(2026, 3, 1), source_key="charge/portal-2")
    client.force_login(alice)
    url = reverse("portal:company_detail", args=["10001"])
    response = client.post(reverse("set_language"), {"language": "da", "next": url}, follow=True)
    page = response.content.decode()
    assert '<html lang="da">' in page
    assert "1.234,56\xa0kr." in page


def test_login_applies_the_users_language(client, alice):
    alice.pa.language = "nl"
    alice.pa.save()
    from tests.otp_helpers import current_code, otp_submit

    login(client, "alice")
    otp_submit(client, current_code(alice))
    page = client.get(reverse("portal:pa_home")).content.decode()
    assert '<html lang="nl">' in page
