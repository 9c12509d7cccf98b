import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.authentication import hash_key
from accounts.models import ApiToken, Card, Company
from ledger.models import Posting

pytestmark = pytest.mark.django_db


def call(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_seed_demo_creates_the_demo_and_is_idempotent(settings):
    settings.DEBUG = True
    first = call("seed_demo", "--date", "2026-01-05")
    assert "alice" in first and "carol" in first and "bob" in first
    assert set(Company.objects.values_list("market", "billing_type")) == {
        ("DK", "central"), ("DK", "individual"), ("BE", "individual")}
    assert Company.objects.get(market="BE").currency == "EUR"
    cards = Card.objects.count()
    assert cards >= 6
    second = call("seed_demo")
    assert "nothing created" in second
    assert Card.objects.count() == cards
    assert not re.search(r"\b37\d{13}\b", first + second)  # no full card number printed


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call("seed_demo")


def test_create_token_prints_a_working_company_key(company_a):
    key = call("create_token", "--company", "10001").strip()
    token = ApiToken.objects.get(key_hash=hash_key(key))
    assert token.kind == "company" and token.company == company_a
    with pytest.raises(CommandError, match="No company"):
        call("create_token", "--company", "99999")
    network = call("create_token", "--network").strip()
    assert ApiToken.objects.get(key_hash=hash_key(network)).kind == "network"


def test_verify_ledger_passes_on_a_clean_ledger_and_fails_on_a_broken_one(bob_account):
    import datetime as dt

    from moneyed import Money

    from ledger.services import posting_create

    posting_create(account=bob_account, kind="purchase", amount=Money("10.00", "DKK"),
                   posting_date=dt.date(2026, 3, 1), source_key="charge/ok")
    assert re.search(r"Ledger verified: all \d+ checks pass", call("verify_ledger"))
    # A posting written past the service's rules (after the account's close, in another currency): the
    # kind of bug verify_ledger exists for. (Issue 17: a posting can no longer disagree with its legs.)
    bob_account.closed_on = dt.date(2026, 3, 1)
    bob_account.save()
    Posting.objects.create(account=bob_account, posting_date=dt.date(2026, 3, 2), kind="purchase",
                           counter_account="merchant_settlement", amount=Money("50.00", "EUR"), source_key="bug/1")
    out = StringIO()
    with pytest.raises(CommandError, match="ledger checks failed"):
        call_command("verify_ledger", stdout=out)
    assert f"posting bug/1 on 2026-03-02 after account {bob_account.number} closed" in out.getvalue()
    assert "posting bug/1 is not in its account's currency" in out.getvalue()


@pytest.mark.slow
def test_demo_history_runs_the_real_importers_and_cycle():
    import datetime as dt

    from accounts.demo import DEMO_START, demo_seed
    from accounts.demo_history import demo_history_run
    from amexprog.common.cycle import business_date
    from ledger.verification import verify_ledger
    from statements.models import Statement

    seeded = demo_seed(on=DEMO_START)
    counts = demo_history_run(through=dt.date(2026, 10, 20), pans=seeded.pans)
    assert counts["charge_files"] > 20 and counts["payments"] > 5
    assert business_date() == dt.date(2026, 10, 20)
    assert Statement.objects.filter(account__cardmember__employee_id="E-001").count() == 3  # 5 Aug, Sep, Oct
    kinds = set(Posting.objects.values_list("kind", flat=True))
    assert {"purchase", "cash", "fee_cash", "fee_fx", "refund", "payment", "fee_annual"} <= kinds
    mads = Statement.objects.filter(account__cardmember__employee_id="F-102").last().account
    assert mads.delinquency.days_past_due > 0  # the demo's delinquency story
    assert {name: problems for name, problems in verify_ledger().items() if problems} == {}
    assert demo_history_run(through=dt.date(2026, 10, 31)) == {}  # once per database


def test_seed_demo_gives_alice_carol_and_admin_the_demo_totp_key(settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.demo import DEMO_TOTP_KEY, DEMO_TOTP_SECRET
    from accounts.security import totp_code

    settings.DEBUG = True
    out = call("seed_demo", "--date", "2026-01-05")
    assert DEMO_TOTP_SECRET in out and "demo_otp_code" in out
    devices = TOTPDevice.objects.filter(confirmed=True)
    assert set(devices.values_list("user__username", flat=True)) == {"admin", "alice", "carol"}
    assert {device.key for device in devices} == {DEMO_TOTP_KEY}
    assert not TOTPDevice.objects.filter(user__username="emma").exists()  # she enrols on first login
    call("seed_demo")
    assert TOTPDevice.objects.count() == 3
    assert call("demo_otp_code").strip() == totp_code(devices.first())
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call("demo_otp_code")
