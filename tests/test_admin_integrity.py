"""Issue 15 item 4 and item 12 (tokens), SPEC section 17: the admin cannot corrupt an account.

Money, currency, status, market and billing are never raw fields of a change form; the cycle's
records are a read-only monitor; nothing is deleted where a delete can only fail or harm; an API
token's kind and company are fixed once it exists. Each test posts as a superuser would from a
browser (the change form as rendered, with a few values changed) and checks that nothing moved.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from djmoney.models.fields import CurrencyField, MoneyField
from moneyed import Money

from accounts.controls import CARD_OWN_FIELDS, CONTROL_FIELDS
from accounts.models import Account, ApiToken, AuditEntry, Card, Company, SpendingControls
from accounts.services import api_token_create
from amexprog.common.models import BusinessDate, ChunkRun, CycleStepRun
from fees.models import ReferenceRate
from ledger.models import Posting
from ledger.services import posting_create
from statements.models import Statement
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

# Fields a ModelAdmin saves through a service with its checks and audit, never as raw fields:
# card controls (card_controls_set), company and card spending controls (company_controls_set,
# card_controls_set) and reference rates (reference_rate_set).
SAVED_THROUGH_A_SERVICE = {
    Card: set(CARD_OWN_FIELDS),
    SpendingControls: set(CONTROL_FIELDS),
    ReferenceRate: {"rate_percent"},
}
# Records that hold money, history or the cycle's progress: a delete could only fail or harm.
NEVER_DELETED = [Account, Card, Company, ApiToken, Posting, ReferenceRate,
                 "fees.Reminder", "fees.InterestAccrual", "fees.FeeSchedule", "ledger.JournalEntry",
                 "ledger.LedgerAccount", "charges.Authorization", "charges.Hold", "charges.ChargeFile",
                 "charges.FxRate", "disputes.Dispute", "disputes.RefundRequest", "disputes.UnauthorizedUseIncident",
                 "rewards.PointsPosting", "rewards.ExportBatch", "rewards.Enrolment", "accounts.AuditEntry",
                 "accounts.Notice", "communications.NoticeDelivery", "documents.TermsAcceptance"]


class FormFields(HTMLParser):
    """The values a browser would submit from the admin change form, as rendered."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data[name] = attrs.get("value") or "on"
            else:
                self.data[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.strip("\n")


def post_change_form(client, url: str, changes: dict):
    """GET the change form, then POST it back with `changes` on top (hidden fields, inlines and all)."""
    page = client.get(url)
    assert page.status_code == 200, url
    parser = FormFields()
    parser.feed(page.content.decode())
    data = {name: value for name, value in parser.data.items() if name not in ("q", "language", "next")}
    return client.post(url, {**data, **changes, "_save": "Save"})


@pytest.fixture
def superuser(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_issue15_item4_a_dkk_account_cannot_be_saved_as_eur_and_closed(client, superuser, bob_card):
    account = bob_card.card.account
    assert (account.currency, account.status, bob_card.card.status) == ("DKK", "active", "active")
    # updated_at (SPEC 16) moves with any save of the form: every other column must stay.
    before = Account.objects.values().get(pk=account.pk)
    before.pop("updated_at")
    url = reverse("admin:accounts_account_change", args=[account.pk])
    assert 'name="currency"' not in client.get(url).content.decode()
    post_change_form(client, url, {"currency": "EUR", "status": "closed", "closed_on": "2026-01-31",
                                   "billing_type": "individual", "liability": "individual", "cycle_day": "15"})
    after = Account.objects.values().get(pk=account.pk)
    after.pop("updated_at")
    assert after == before
    assert (before["currency"], before["status"], before["closed_on"]) == ("DKK", "active", None)
    assert Card.objects.get(pk=bob_card.card.pk).status == "active"


def test_issue15_item4_a_companys_market_billing_and_money_are_not_raw_fields(client, superuser, company_a):
    before = Company.objects.values().get(pk=company_a.pk)
    assert (before["market"], before["billing_type"]) == ("DK", "central")
    url = reverse("admin:accounts_company_change", args=[company_a.pk])
    post_change_form(client, url, {
        "market": "BE", "billing_type": "individual", "default_liability": "individual", "status": "terminated",
        "credit_limit_0": "1.00", "credit_limit_1": "EUR", "annual_fee_0": "9999.00", "annual_fee_1": "EUR",
        "iban": "BE71096123456769", "bic": "GKCCBEBB", "legal_name": "Alpha A/S (renamed)"})
    after = Company.objects.values().get(pk=company_a.pk)
    assert after["legal_name"] == "Alpha A/S (renamed)"  # the form did save: what may change, changed
    moved = ("legal_name", "updated_at")  # updated_at moves with the save (SPEC 16)
    assert {key: value for key, value in after.items() if key not in moved} == {
        key: value for key, value in before.items() if key not in moved}
    assert client.get(reverse("admin:accounts_company_add")).status_code == 403  # onboarding: company_create
    assert client.post(reverse("admin:accounts_company_delete", args=[company_a.pk]), {"post": "yes"}).status_code \
        == 403
    assert Company.objects.filter(pk=company_a.pk).exists()


def test_issue15_item4_cycle_records_are_a_read_only_monitor(client, superuser):
    day = dt.date(2026, 3, 2)
    business = BusinessDate.objects.create(last_completed=day)
    step = CycleStepRun.objects.create(day=day, step="fees", count=3)
    chunk = ChunkRun.objects.create(day=day, step="interest", first_id=1, last_id=500, size=500, count=7)
    refused = [
        client.post("/admin/common/cyclesteprun/add/", {"day": "2026-03-03", "step": "statements", "count": "0"}),
        client.post("/admin/common/chunkrun/add/", {"day": "2026-03-03", "step": "statements", "first_id": "1",
                                                    "last_id": "2", "size": "2", "count": "0"}),
        client.post(f"/admin/common/businessdate/{business.pk}/change/", {"last_completed": "2026-03-09"}),
        client.post(f"/admin/common/cyclesteprun/{step.pk}/change/", {"day": "2026-03-02", "step": "fees",
                                                                      "count": "0"}),
        client.post(f"/admin/common/businessdate/{business.pk}/delete/", {"post": "yes"}),
        client.post(f"/admin/common/cyclesteprun/{step.pk}/delete/", {"post": "yes"}),
        client.post(f"/admin/common/chunkrun/{chunk.pk}/delete/", {"post": "yes"}),
    ]
    # Issue 19 item 12: the records are no admin pages at all any more (404), only the monitor's page.
    assert [response.status_code for response in refused] == [404] * len(refused)
    assert BusinessDate.objects.get().last_completed == day
    assert list(CycleStepRun.objects.values_list("day", "step", "count")) == [(day, "fees", 3)]
    assert list(ChunkRun.objects.values_list("step", "count")) == [("interest", 7)]
    # ... and the monitor shows them.
    monitor = client.get("/admin/common/cyclemonitor/")
    assert monitor.status_code == 200
    assert "fees" in monitor.content.decode() and "interest" in monitor.content.decode()


def test_issue15_item4_postings_statements_and_accounts_are_never_deleted(client, superuser, bob_card):
    account = bob_card.card.account
    posting = posting_create(account=account, kind="purchase", amount=Money(Decimal("120.00"), "DKK"),
                             posting_date=dt.date(2026, 1, 10), source_key="charge/item4")[0]
    statement = Statement.objects.create(
        account=account, statement_date=dt.date(2026, 1, 31), period_start=dt.date(2026, 1, 1),
        due_date=dt.date(2026, 2, 28), currency="DKK", opening_balance=Decimal("0"),
        closing_balance=Decimal("120.00"), billed_amount=Decimal("120.00"), payments_amount=Decimal("0"))
    deletes = {
        "posting": client.post(f"/admin/ledger/posting/{posting.pk}/delete/", {"post": "yes"}),
        "statement": client.post(f"/admin/statements/statement/{statement.pk}/delete/", {"post": "yes"}),
        "account": client.post(reverse("admin:accounts_account_delete", args=[account.pk]), {"post": "yes"}),
        "card": client.post(reverse("admin:accounts_card_delete", args=[bob_card.card.pk]), {"post": "yes"}),
    }
    # Statements have no admin page at all; the others refuse.
    assert {name: response.status_code for name, response in deletes.items()} == {
        "posting": 403, "statement": 404, "account": 403, "card": 403}
    assert Posting.objects.filter(pk=posting.pk).exists() and Statement.objects.filter(pk=statement.pk).exists()
    assert Account.objects.filter(pk=account.pk).exists() and Card.objects.filter(pk=bob_card.card.pk).exists()
    # Nor is an account opened by hand: card orders open them (account_open).
    assert client.get(reverse("admin:accounts_account_add")).status_code == 403


def test_issue15_item12_token_kind_and_company_are_fixed_once_created(client, superuser, company_a, company_b):
    token, _key = api_token_create(name="ERP of A", kind="company", company=company_a)
    url = reverse("admin:accounts_apitoken_change", args=[token.pk])
    page = client.get(url).content.decode()
    assert 'name="kind"' not in page and 'name="company"' not in page
    post_change_form(client, url, {"kind": "ops", "company": ""})  # an escalation to every company's data
    post_change_form(client, url, {"company": str(company_b.pk)})
    token = ApiToken.objects.get(pk=token.pk)
    assert (token.kind, token.company_id) == ("company", company_a.pk)


def test_issue15_item12_token_a_revocation_is_final_and_tokens_are_not_deleted(client, superuser):
    """Revoked through the admin's action (accounts.services.api_token_revoke, which records who), never
    as a raw field: a revocation date posted in the change form, or cleared, changes nothing."""
    token, _key = api_token_create(name="network", kind="network")
    url = reverse("admin:accounts_apitoken_change", args=[token.pk])
    post_change_form(client, url, {"revoked_at_0": "2026-01-05", "revoked_at_1": "10:00:00"})
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    client.post(reverse("admin:accounts_apitoken_changelist"),
                {"action": "revoke_api_tokens", "_selected_action": [token.pk]})
    revoked = ApiToken.objects.get(pk=token.pk)
    assert revoked.revoked_at is not None and revoked.revoked_by == superuser
    post_change_form(client, url, {"revoked_at_0": "", "revoked_at_1": ""})
    assert ApiToken.objects.get(pk=token.pk).revoked_at == revoked.revoked_at
    assert client.post(reverse("admin:accounts_apitoken_delete", args=[token.pk]), {"post": "yes"}).status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()


# The generic guard: every registered admin, now and later --------------------------------------

GUARDED_NAMES = {"currency", "status", "market", "billing_type"}


def guarded(field: models.Field) -> bool:
    """Money, currency, status, market and billing (SPEC section 17)."""
    return (isinstance(field, (MoneyField, CurrencyField, models.DecimalField)) or field.name in GUARDED_NAMES
            or field.name.endswith(("_currency", "_status")))


def editable_guarded_fields(model_admin, request, obj) -> list[str]:
    """Guarded fields the change view of `obj` would save from the request (form and inline formsets)."""
    found = []
    if model_admin.has_change_permission(request, obj):
        form = model_admin.get_form(request, obj, change=True)
        found += [f"{model_admin.model._meta.label}.{name}" for name in form.base_fields
                  if _is_guarded(model_admin.model, name)]
    for inline in model_admin.get_inline_instances(request, obj):
        if inline.has_change_permission(request, obj) or inline.has_add_permission(request, obj):
            form = inline.get_formset(request, obj).form
            found += [f"{inline.model._meta.label}.{name}" for name in form.base_fields
                      if _is_guarded(inline.model, name)]
    return found


def _is_guarded(model, name: str) -> bool:
    if name in SAVED_THROUGH_A_SERVICE.get(model, set()):
        return False
    try:
        field = model._meta.get_field(name)
    except Exception:  # a form-only field (a decision, a note): the admin's save_model calls a service
        return False
    return guarded(field)


def test_issue15_item4_no_admin_change_form_edits_money_currency_status_market_or_billing(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    problems = []
    for model, model_admin in admin.site._registry.items():
        problems += editable_guarded_fields(model_admin, request, model())
    assert not problems, f"raw money/currency/status/market/billing fields in the admin: {sorted(problems)}"


def test_issue15_item4_the_guard_sees_what_it_guards(superuser):
    """The walk above would catch an admin that forgot: a plain ModelAdmin of Account is flagged."""
    request = RequestFactory().get("/admin/")
    request.user = superuser
    naive = admin.ModelAdmin(Account, admin.site)
    assert {"accounts.Account.currency", "accounts.Account.status", "accounts.Account.billing_type"} <= set(
        editable_guarded_fields(naive, request, Account()))
    assert {"accounts.Company.market", "accounts.Company.credit_limit"} <= set(
        editable_guarded_fields(admin.ModelAdmin(Company, admin.site), request, Company()))


def test_issue15_item4_no_delete_where_it_can_only_fail_or_harm(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    from django.apps import apps

    offered = []
    for entry in NEVER_DELETED:
        model = apps.get_model(entry) if isinstance(entry, str) else entry
        model_admin = admin.site._registry.get(model)
        assert model_admin is not None, model
        if model_admin.has_delete_permission(request, None) or model_admin.has_delete_permission(request, model()):
            offered.append(model._meta.label)
    assert not offered, f"delete offered in the admin for {offered}"
    # Issue 19 item 12: the cycle's records are no admin rows at all; their monitor adds, changes and deletes
    # nothing.
    for model in (BusinessDate, CycleStepRun, ChunkRun):
        assert model not in admin.site._registry, model
    from amexprog.common.models import CycleMonitor

    monitor = admin.site._registry[CycleMonitor]
    assert not monitor.has_add_permission(request)
    assert not monitor.has_change_permission(request, CycleMonitor())
    assert not monitor.has_delete_permission(request, CycleMonitor())


def test_issue15_item4_a_cards_own_controls_still_save_through_their_service(client, superuser, bob_card):
    """What stays editable goes through the service: the card change form saves (it used to end in a
    server error, its formset unsaved) and the change is audited."""
    url = reverse("admin:accounts_card_change", args=[bob_card.card.pk])
    response = post_change_form(client, url, {"contactless": ""})
    assert response.status_code == 302
    assert Card.objects.get(pk=bob_card.card.pk).contactless is False
    assert AuditEntry.objects.filter(card=bob_card.card, actor="admin:root").exists()


def test_issue15_item4_a_rules_version_takes_its_markets_currency(client, superuser):
    """A Belgian version in DKK would cap holders and award points in the wrong currency."""
    from disputes.models import DisputeRules
    from rewards.models import PointsRule

    client.post(reverse("admin:disputes_disputerules_add"), {
        "market": "BE", "currency": "DKK", "effective_from": "2030-01-01", "late_after_months": "1",
        "refused_after_months": "13", "unauthorized_holder_cap": "50.00", "refund_request_weeks": "8",
        "refund_decision_bank_days": "10", "complaint_answer_bank_days": "15"})
    client.post(reverse("admin:rewards_pointsrule_add"), {
        "market": "BE", "currency": "DKK", "effective_from": "2030-01-01", "label": "", "spend_per_point": "1.50",
        "forfeit_after_days_past_due": "60"})
    assert DisputeRules.objects.get(market="BE", effective_from=dt.date(2030, 1, 1)).currency == "EUR"
    assert PointsRule.objects.get(market="BE", effective_from=dt.date(2030, 1, 1)).currency == "EUR"


def test_issue15_item4_reference_rates_are_set_through_their_service_and_never_deleted(client, superuser):
    refused = client.post(reverse("admin:fees_referencerate_add"), {"effective_date": "2031-01-01",
                                                                      "rate_percent": "150.0000"})
    assert refused.status_code == 200 and not ReferenceRate.objects.filter(effective_date="2031-01-01").exists()
    client.post(reverse("admin:fees_referencerate_add"), {"effective_date": "2031-01-01", "rate_percent": "1.6000"})
    rate = ReferenceRate.objects.get(effective_date="2031-01-01")
    assert rate.rate_percent == Decimal("1.6000")
    post_change_form(client, reverse("admin:fees_referencerate_change", args=[rate.pk]),
                     {"effective_date": "2031-07-01", "rate_percent": "1.7500"})
    assert list(ReferenceRate.objects.filter(effective_date__gte="2031-01-01").values_list(
        "effective_date", "rate_percent")) == [(dt.date(2031, 1, 1), Decimal("1.7500"))]
    assert client.post(reverse("admin:fees_referencerate_delete", args=[rate.pk]), {"post": "yes"}).status_code \
        == 403


def test_issue15_item5_ops_cannot_give_a_pa_another_company_in_the_admin(client, superuser, alice, company_b):
    """A PA's companies were a raw list in the admin: ops could give alice company B without a second
    person or a notice. They change only through company_pa_add / company_pa_remove now."""
    from accounts.models import ProgrammeAdministrator

    pa = ProgrammeAdministrator.objects.get(user=alice)
    before = set(pa.companies.values_list("pk", flat=True))
    post_change_form(client, reverse("admin:accounts_programmeadministrator_change", args=[pa.pk]),
                     {"companies": [*before, company_b.pk]})
    assert set(pa.companies.values_list("pk", flat=True)) == before
    assert client.get(reverse("admin:accounts_programmeadministrator_add")).status_code == 403


def test_issue15_item2_the_admin_never_shows_a_second_factor_secret(client, superuser, alice):
    """An ops user who can read a PA's TOTP key holds their second factor: the device admin hides it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).content.decode()
    assert device.key not in page
    assert client.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk])).status_code in (403, 404)
