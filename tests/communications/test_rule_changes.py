"""Issue 16 item 6: two months' notice for every change, and the right to say no (terms §25b; SPEC 15).

Terms versions, fee schedules, programme rules, dispute rules and points rules take effect at least 2
months after publication unless ops confirm, with a reason, that the change is solely in the holder's
favour; every affected holder (the company's PAs for centrally billed corporate accounts) gets a
notice in their language; until the effective date the account can reject the change, which closes
it free of charge: the annual fee refunded pro rata, nothing else charged.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from moneyed import Money

from accounts.audit import Actor, Role
from accounts.models import Account, AuditEntry, Card, Notice
from amexprog.common.errors import ApplicationError
from communications.models import ChangeRejection, RuleChange
from communications.rule_changes import TOO_SOON, rule_change_publish, rule_change_reject
from disputes.models import DisputeRules
from fees.reference_rates import reference_rate_set
from ledger.models import Posting, PostingKind
from ledger.services import posting_create
from rewards.models import PointsRule
from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory, issue_card
from tests.conftest import token_client
from tests.test_translations import compiled_locale  # noqa: F401  (the catalogues, compiled for the test)

pytestmark = pytest.mark.django_db

PUBLISHED = dt.date(2026, 3, 15)
OPENED = dt.date(2026, 1, 10)
NOW = dt.datetime(2026, 3, 15, 10, 0, tzinfo=dt.UTC)
OPS = "user:olga"


def dispute_rules(effective_from: dt.date, cap: str = "375.00") -> DisputeRules:
    return DisputeRules.objects.create(market="DK", currency="DKK", effective_from=effective_from,
                                       unauthorized_holder_cap=Decimal(cap))


def with_annual_fee(account: Account) -> Account:
    """The account opened on 10 January 2026 and was charged its DKK 650.00 annual fee that day."""
    Account.objects.filter(pk=account.pk).update(opened_on=OPENED)
    account.refresh_from_db()
    posting_create(account=account, kind=PostingKind.FEE_ANNUAL, amount=Money("650.00", "DKK"), posting_date=OPENED,
                   source_key=f"annual-fee/{account.pk}/1", description="Annual card fee")
    return account


def test_issue16_item6_terms_25b_a_change_less_than_two_months_ahead_is_refused():
    rules = dispute_rules(dt.date(2026, 5, 14), cap="400.00")
    with pytest.raises(ApplicationError) as error:
        rule_change_publish(kind=RuleChange.Kind.DISPUTE_RULES, rule=rules, published_on=PUBLISHED,
                            published_by=OPS)
    assert error.value.code == "change_too_soon"
    assert error.value.extra["earliest"] == "2026-05-15"
    assert str(TOO_SOON % {"earliest": dt.date(2026, 5, 15)}) == error.value.message
    # Solely in the holder's favour: sooner, but only with a reason, which the record keeps.
    with pytest.raises(ApplicationError) as error:
        rule_change_publish(kind=RuleChange.Kind.DISPUTE_RULES, rule=rules, published_on=PUBLISHED,
                            published_by=OPS, holder_favourable=True, favourable_reason="  ")
    assert error.value.code == "favourable_reason_required"
    assert not RuleChange.objects.exists()
    lower_cap = dispute_rules(dt.date(2026, 3, 16), cap="300.00")
    change = rule_change_publish(kind=RuleChange.Kind.DISPUTE_RULES, rule=lower_cap, published_on=PUBLISHED,
                                 published_by=OPS, holder_favourable=True,
                                 favourable_reason="The holder's share falls from DKK 375 to DKK 300.")
    assert (change.holder_favourable, change.published_by, change.effective_from) == (True, OPS, dt.date(2026, 3, 16))
    # Two months to the day is enough.
    points = PointsRule.objects.create(market="DK", currency="DKK", effective_from=dt.date(2026, 5, 15),
                                       spend_per_point=Decimal("12.00"), forfeit_after_days_past_due=60)
    assert rule_change_publish(kind=RuleChange.Kind.POINTS_RULE, rule=points, published_on=PUBLISHED,
                               published_by=OPS).effective_from == dt.date(2026, 5, 15)


@pytest.mark.usefixtures("compiled_locale")
def test_issue16_item6_terms_25b_every_affected_holder_gets_a_notice_in_their_language(company_a, bob_card,
                                                                                        bob_account):
    dina = AccountFactory(cardmember=CardmemberFactory(company=CompanyFactory(number="70001"), first_name="Dina",
                                                       last_name="Dahl", language="da"))
    dina_card = issue_card(dina)
    belgian = CompanyFactory(number="70003", market="BE")
    AccountFactory(cardmember=CardmemberFactory(company=belgian, language="fr"), currency="EUR")
    rules = dispute_rules(dt.date(2026, 6, 1), cap="400.00")

    change = rule_change_publish(kind=RuleChange.Kind.DISPUTE_RULES, rule=rules, published_on=PUBLISHED,
                                 published_by=OPS)

    to_dina = Notice.objects.get(cardmember=dina.cardmember)
    assert to_dina.kind == "rule_change" and to_dina.source_key == f"rule-change/{change.pk}/cardmember/" \
                                                                     f"{dina.cardmember_id}"
    assert to_dina.subject == "Ændring af indsigelsesreglerne fra 1. juni 2026"
    assert "375 → 400" in to_dina.body
    assert f"Dina Dahl, kort der ender på {dina_card.card.last4}" in to_dina.body
    assert f"/accounts/{dina.number}/changes/" in to_dina.body
    assert "31. maj 2026" in to_dina.body  # the last day to reject
    # Company A bills centrally with corporate liability: one notice to its PAs, naming Bob's card.
    to_company = Notice.objects.get(company=company_a)
    assert f"Bob Jensen, kort der ender på {bob_card.card.last4}" in to_company.body
    assert f"/accounts/{bob_account.number}/changes/" in to_company.body
    assert Notice.objects.count() == 2  # the Belgian holder is not affected by a DK change


def test_issue16_item6_terms_25b_rejecting_closes_the_account_free_of_charge_with_the_fee_refunded_pro_rata(
        company_a, bob_card, bob_account):
    account = with_annual_fee(bob_account)
    change = rule_change_publish(kind=RuleChange.Kind.DISPUTE_RULES, rule=dispute_rules(dt.date(2026, 6, 1)),
                                 published_on=PUBLISHED, published_by=OPS)

    rule_change_reject(change=change, account=account, by=Actor(role=Role.COMPANY, label="user:alice"),
                       on=PUBLISHED)

    account.refresh_from_db()
    assert account.status == "closing"
    assert Card.objects.get(pk=bob_card.card.pk).status == "cancelled"
    # DKK 650.00 × 301 days left (15 March 2026 → 10 January 2027) ÷ 365 = DKK 536.03 back; nothing else.
    postings = {p.kind: p.amount for p in Posting.objects.filter(account=account)}
    assert postings == {"fee_annual": Money("650.00", "DKK"), "fee_annual_refund": Money("-536.03", "DKK")}
    rejection = ChangeRejection.objects.get()
    assert (rejection.account, rejection.rejected_on, rejection.actor_role) == (account, PUBLISHED, "company")
    assert AuditEntry.objects.filter(account=account, action="rule_change_rejected").exists()
    assert AuditEntry.objects.get(account=account, action="account_closed").reason == "change_rejected"


def test_issue16_item6_terms_25b_a_change_in_force_or_of_another_market_cannot_be_rejected(bob_account):
    change = rule_change_publish(kind=RuleChange.Kind.DISPUTE_RULES, rule=dispute_rules(dt.date(2026, 6, 1)),
                                 published_on=PUBLISHED, published_by=OPS)
    holder = Actor(role=Role.HOLDER, label="user:bob")
    with pytest.raises(ApplicationError) as error:
        rule_change_reject(change=change, account=bob_account, by=holder, on=dt.date(2026, 6, 1))
    assert (error.value.code, error.value.status) == ("change_in_force", 409)
    belgian = RuleChange.objects.create(kind="points_rule", rule_id=1, market="BE", published_on=PUBLISHED,
                                        effective_from=dt.date(2026, 6, 1), published_by=OPS)
    with pytest.raises(ApplicationError) as error:
        rule_change_reject(change=belgian, account=bob_account, by=holder, on=PUBLISHED)
    assert error.value.code == "change_not_for_account"
    # The day before the effective date is the last day to say no.
    rule_change_reject(change=change, account=bob_account, by=holder, on=dt.date(2026, 5, 31))
    assert Account.objects.get(pk=bob_account.pk).status == "closing"


def test_issue16_item6_reference_rate_moves_are_not_changes():
    reference_rate_set(effective_date=dt.date(2026, 7, 1), rate_percent=Decimal("1.7500"))
    assert not RuleChange.objects.exists()
    assert not Notice.objects.filter(kind="rule_change").exists()


@time_machine.travel(NOW, tick=False)
def test_issue16_item6_the_company_rejects_through_the_api(company_a, bob_card, bob_account, tokens):
    account = with_annual_fee(bob_account)
    change = rule_change_publish(kind=RuleChange.Kind.DISPUTE_RULES, rule=dispute_rules(dt.date(2026, 6, 1)),
                                 published_on=PUBLISHED, published_by=OPS)
    client = token_client(tokens.a)
    listed = client.get(reverse("account-rule-changes", kwargs={"number": account.number})).json()["results"]
    assert [(c["id"], c["kind"], c["reject_until"]) for c in listed] == [(change.pk, "dispute_rules", "2026-05-31")]
    response = client.post(reverse("account-rule-change-reject",
                                   kwargs={"number": account.number, "change_id": change.pk}), format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["account_status"], response.json()["rejected_on"]) == ("closing", "2026-03-15")
    assert Posting.objects.get(account=account, kind="fee_annual_refund").amount == Money("-536.03", "DKK")
    assert client.get(reverse("account-rule-changes", kwargs={"number": account.number})).json()["results"] == []


@time_machine.travel(NOW, tick=False)
def test_issue16_item6_the_holder_rejects_in_the_portal(client, bob, bob_card, bob_account):
    change = rule_change_publish(kind=RuleChange.Kind.DISPUTE_RULES, rule=dispute_rules(dt.date(2026, 6, 1)),
                                 published_on=PUBLISHED, published_by=OPS)
    client.force_login(bob)
    page = client.get(reverse("portal:account_changes", args=[bob_account.number]))
    assert page.status_code == 200
    reject = reverse("portal:account_change_reject", args=[bob_account.number, change.pk])
    assert reject in page.content.decode()
    client.post(reject, {})  # not confirmed: nothing happens
    assert Account.objects.get(pk=bob_account.pk).status == "active"
    assert client.post(reject, {"confirm": "on"}).status_code == 302
    assert Account.objects.get(pk=bob_account.pk).status == "closing"
    assert ChangeRejection.objects.get().actor_role == "holder"


@time_machine.travel(NOW, tick=False)
def test_issue16_item6_ops_publish_in_the_admin_with_two_months_notice_or_a_favourable_reason(admin_client):
    add = reverse("admin:disputes_disputerules_add")
    form = {"market": "DK", "late_after_months": "1", "refused_after_months": "13",
            "unauthorized_holder_cap": "300.00", "refund_request_weeks": "8", "refund_decision_bank_days": "10",
            "complaint_answer_bank_days": "15"}
    refused = admin_client.post(add, {**form, "effective_from": "2026-04-01"})
    assert refused.status_code == 200 and "2026-05-15 at the earliest" in refused.content.decode()
    assert admin_client.post(add, {**form, "effective_from": "2026-04-01", "holder_favourable": "on",
                                   "favourable_reason": "Lower holder share"}).status_code == 302
    change = RuleChange.objects.get(kind="dispute_rules")
    assert (change.effective_from, change.holder_favourable, change.favourable_reason) == (
        dt.date(2026, 4, 1), True, "Lower holder share")
    terms = admin_client.post(reverse("admin:documents_termsversion_add"), {
        "version": "99", "effective_from": "2026-05-15", "texts-TOTAL_FORMS": "0", "texts-INITIAL_FORMS": "0"})
    assert terms.status_code == 302
    assert RuleChange.objects.get(kind="terms").published_on == dt.date(2026, 3, 15)


@pytest.mark.usefixtures("compiled_locale")
def test_issue16_item6_a_fee_schedule_change_can_be_rejected_and_its_notice_links_there(company_a, alice, bob_card,
                                                                                        bob_account):
    from fees.publishing import fee_schedule_publish

    schedule = fee_schedule_publish(
        market="DK", effective_from=dt.date(2026, 5, 15), published_on=PUBLISHED, published_by=OPS,
        annual_fee_max=Decimal("650.00"), reminder_fee=Decimal("100.00"), fx_fee_percent=Decimal("2.750"),
        cash_fee_percent=Decimal("4.000"), cash_fee_minimum=Decimal("25.00"), eurobonus_fee=Decimal("250.00"),
        late_interest_margin_percent=Decimal("7.000"))
    change = RuleChange.objects.get(kind="fee_schedule", rule_id=schedule.pk)
    assert (change.effective_from, change.published_by) == (dt.date(2026, 5, 15), OPS)
    notice = Notice.objects.get(company=company_a, kind="fee_change")
    assert "you may reject it until 14 May 2026" in notice.body  # in Alice's language, English
    assert f"Bob Jensen, card ending {bob_card.card.last4}: " in notice.body
    assert f"/accounts/{bob_account.number}/changes/" in notice.body
    rule_change_reject(change=change, account=bob_account, by=Actor(role=Role.COMPANY, label="user:alice"),
                       on=dt.date(2026, 5, 14))
    assert Account.objects.get(pk=bob_account.pk).status == "closing"
