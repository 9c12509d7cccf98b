"""The authorization matrix (SPEC section 1): every URL pattern the project serves, tried by every kind
of caller, with the outcome each one must get.

Actors: anonymous, bob (cardmember of company A), alice (PA of A), carol (PA of B), ops (staff), and
for API routes also company A's token, company A's read-only token, company B's token, a network token
and an ops token. The ops roles (SPEC section 17, issue 15 item 3) are tried too: one person per ops
group (viewer, service agent, credit, finance, admin) and an ops outsider (staff without any
permission); see OPS_ROLES. Every object in the URLs belongs to company A. A route's entry in ROUTES
says how to build its URL from the `world` below and what each actor gets on GET (every actor named: a
missing one fails test_every_route_names_every_actor); where the route accepts writes, the outsiders
(anonymous, carol, A's read-only token, B's token, the network token, and whoever else the entry names)
also try to write and must be refused with company A's data unchanged.

Token scopes (SPEC sections 16, 17; issue 15 item 12): A's read-only token reads what A's token reads
and writes nothing; the network token gets a 403 everywhere but the authorization call and whoami.

Adding a URL: add an entry to ROUTES keyed by its name (`portal:<name>` for portal pages, the plain
name for API routes; an unnamed route by its pattern string). test_every_url_pattern_has_an_entry
names any route without one. Admin pages are covered by one rule: staff only, anyone else is sent
to the admin's login page.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from moneyed import Money
from rest_framework.test import APIClient

import tests.conftest as shared
from accounts import roles
from accounts.imports import CARD_COLUMNS
from accounts.models import AuditEntry, ChangeRequest, Company, Notice
from accounts.services import api_token_create
from charges.models import Authorization, ChargeFile, Hold, PaymentFile
from disputes import services as dispute_services
from disputes.audit import actor_of
from disputes.models import Evidence
from fees.models import FeeSchedule
from rewards.services import enrolment_request
from statements.models import CompanyStatement
from tests.accounts.factories import UserFactory, ops_user
from tests.accounts.order_files import CARD_ROW, company_file, csv_bytes
from tests.charges.test_authorizations import authorize
from tests.disputes.conftest import PDF, charge
from tests.statements.scenarios import bill_on_opening_day

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

NOW = dt.datetime(2026, 1, 20, 10, 0, tzinfo=dt.UTC)

# Outcomes ------------------------------------------------------------------------------------------
OK = "ok"            # 2xx (or a redirect that is not to a login page, e.g. after a successful form)
HIDDEN = "hidden"    # 2xx, and nothing of company A in the body (an outsider's own list)
LOGIN = "login"      # redirect to the portal's (or the admin's) login page
NF, FORBIDDEN, UNAUTHENTICATED, NOT_ALLOWED = 404, 403, 401, 405
DENIED = "denied"    # 401, 403, 404, 405 or a login redirect: any refusal (used for writes)

PORTAL_ACTORS = ("anon", "bob", "alice", "carol", "ops")
TOKEN_ACTORS = ("token_a", "token_a_ro", "token_b", "token_network", "token_ops")
API_ACTORS = PORTAL_ACTORS + TOKEN_ACTORS
OUTSIDERS = ("anon", "carol", "token_a_ro", "token_b", "token_network")
# The ops roles (SPEC section 17): a person per ops group, and an ops outsider (staff, no permission).
OPS_ROLES = {"viewer": roles.VIEWER, "agent": roles.SERVICE_AGENT, "credit": roles.CREDIT, "finance": roles.FINANCE,
             "opsadmin": roles.ADMIN, "outsider": None}


def profile(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


# A company-A object over the API: A's people and tokens and ops see it, B's get 404, the network 403.
API_A = {"anon": UNAUTHENTICATED, "bob": NF, "alice": OK, "carol": NF, "ops": OK,
         "token_a": OK, "token_a_ro": OK, "token_b": NF, "token_network": FORBIDDEN, "token_ops": OK}
API_A_HOLDER = profile(API_A, bob=OK)  # ... and Bob's own account, card, statement, case
# A list over the API: everyone admitted gets 200, outsiders without company A's rows.
API_LIST = {"anon": UNAUTHENTICATED, "bob": OK, "alice": OK, "carol": HIDDEN, "ops": OK,
            "token_a": OK, "token_a_ro": OK, "token_b": HIDDEN, "token_network": FORBIDDEN, "token_ops": OK}
API_LIST_NO_HOLDER = profile(API_LIST, bob=HIDDEN)
# Published terms (fee schedules, rates): every admitted caller reads them.
API_PUBLIC = profile(API_LIST, carol=OK, token_b=OK)
# Ops only.
API_OPS = {"anon": UNAUTHENTICATED, "bob": FORBIDDEN, "alice": FORBIDDEN, "carol": FORBIDDEN, "ops": OK,
           "token_a": FORBIDDEN, "token_a_ro": FORBIDDEN, "token_b": FORBIDDEN, "token_network": FORBIDDEN,
           "token_ops": OK}
# An ops-only POST action: GET is 405 for ops, everyone else is refused before that.
API_OPS_POST_ONLY = profile(API_OPS, ops=NOT_ALLOWED, token_ops=NOT_ALLOWED)
# A POST-only API action: GET is 405 for whoever gets past authentication and the object lookup.
API_POST_ONLY = {"anon": UNAUTHENTICATED, "bob": NOT_ALLOWED, "alice": NOT_ALLOWED, "carol": NOT_ALLOWED,
                 "ops": NOT_ALLOWED, "token_a": NOT_ALLOWED, "token_a_ro": NOT_ALLOWED, "token_b": NOT_ALLOWED,
                 "token_network": FORBIDDEN, "token_ops": NOT_ALLOWED}

# The sandbox (SPEC section 16, issue 18 item 8): POST only, for a company's read-write token alone; a GET
# is a 405 for the company tokens the permission admits (a read-only token's scope allows GET).
API_SANDBOX = {"anon": UNAUTHENTICATED, "bob": FORBIDDEN, "alice": FORBIDDEN, "carol": FORBIDDEN, "ops": FORBIDDEN,
               "token_a": NOT_ALLOWED, "token_a_ro": NOT_ALLOWED, "token_b": NOT_ALLOWED,
               "token_network": FORBIDDEN, "token_ops": FORBIDDEN}
SANDBOX_ALSO = ("bob", "alice", "ops", "token_ops")

# Portal pages of company A for its PAs (ops work in the admin: the PA pages are not theirs).
PORTAL_PA = {"anon": LOGIN, "bob": NF, "alice": OK, "carol": NF, "ops": NF}
# ... some of which ops open too (they start from accounts.selectors.visible_companies).
PORTAL_PA_AND_OPS = profile(PORTAL_PA, ops=OK)
# Portal pages of Bob's account (holder, PA, and ops through accounts.selectors).
PORTAL_HOLDER = profile(PORTAL_PA, bob=OK, ops=OK)
# Portal pages every signed-in person opens (their own home, lists of what they may see).
PORTAL_ANY = {"anon": LOGIN, "bob": OK, "alice": OK, "carol": HIDDEN, "ops": OK}
# A POST-only portal action: GET is 405 once signed in.
PORTAL_POST_ONLY = {"anon": LOGIN, "bob": NOT_ALLOWED, "alice": NOT_ALLOWED, "carol": NOT_ALLOWED,
                    "ops": NOT_ALLOWED}


@dataclass
class Write:
    """An outsider's write attempt: method, body, and who else must be refused besides OUTSIDERS."""

    method: str = "post"
    body: Callable[[SimpleNamespace], Any] = lambda w: {}
    also: tuple[str, ...] = ()
    multipart: bool = False
    allowed: tuple[str, ...] = ()  # outsiders by default whom this route serves (the network token)
    # Other answers that count as a refusal, e.g. a file's row error that reads the same for another
    # company's number as for one that does not exist.
    refused_with: tuple[int, ...] = ()


@dataclass
class Route:
    kwargs: Callable[[SimpleNamespace], dict[str, Any]] = lambda w: {}
    get: dict[str, Any] | None = None
    write: Write | None = None
    api: bool = True


def a_company(w):
    return {"number": w.company_a.number}


def a_account(w):
    return {"number": w.bob_account.number}


def a_card(w):
    return {"pk": w.card.pk}


def pk(attribute: str):
    return lambda w: {"pk": getattr(w, attribute).pk}


REASON = Write(body=lambda w: {"reason": "outsider"})
CONTROLS = Write(method="patch", body=lambda w: {"monthly_limit": "1.00", "blocked_countries": ["DK"]})
CONTROLS_FORM = Write(body=lambda w: {"monthly_limit": "1.00", "blocked_countries": "DK"})
NOTE = Write(body=lambda w: {"note": "outsider"})
UPLOAD = Write(multipart=True, body=lambda w: {"file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n")})
ORDER = {"company_number": "10001", "employee_id": "E-999", "first_name": "Eve", "last_name": "Evil",
         "email": "eve@example.com", "monthly_limit": "100.00"}

ROUTES: dict[str, Route] = {
    # ── API: parties, accounts, cards ─────────────────────────────────────────────────────────────
    # The network token's scope reaches the authorization call and whoami only (issue 15 item 12).
    "api-root": Route(get={"anon": UNAUTHENTICATED, "bob": OK, "alice": OK, "carol": OK, "ops": OK,
                           "token_a": OK, "token_a_ro": OK, "token_b": OK, "token_network": FORBIDDEN,
                           "token_ops": OK}),
    "whoami": Route(get=profile(API_PUBLIC, token_network=OK)),
    # GET lists the decisions on the cards the caller sees; POST is the network's.
    "authorizations": Route(get=API_LIST,
                            write=Write(body=lambda w: {"transaction_id": "X", "card_number": "0" * 15},
                                        also=("token_a", "alice"), allowed=("token_network",))),
    "api/v1/authorizations/": Route(get=None),  # the trailing-slash twin: tested through "authorizations"
    # The company-wide transactions (issue 18 item 6): the caller's companies only; a cardmember none.
    "transactions": Route(get=API_LIST_NO_HOLDER),
    "company-list": Route(get=API_LIST_NO_HOLDER),
    "company-detail": Route(a_company, get=API_A),
    "company-controls": Route(a_company, get=API_A, write=Write(method="patch", body=CONTROLS.body, also=("bob",))),
    "company-terminate": Route(a_company, get=API_POST_ONLY,
                               write=Write(body=lambda w: {"reason": "outsider"}, also=("bob",))),
    # Ops put a company or an account in default, suspend or lift it (issue 16 item 3); a PA or holder is
    # refused by the service (403), an outsider never sees the object.
    "company-standing": Route(a_company, get=API_POST_ONLY, write=Write(
        body=lambda w: {"status": "suspended", "cause": "insolvency"}, also=("bob", "alice", "token_a"))),
    "cardmember-list": Route(get=API_LIST),
    "cardmember-detail": Route(lambda w: {"pk": w.bob_account.cardmember_id}, get=API_A_HOLDER),
    "account-list": Route(get=API_LIST),
    "account-detail": Route(a_account, get=API_A_HOLDER),
    "account-close": Route(a_account, get=API_POST_ONLY,
                           write=Write(body=lambda w: {"reason": "company_request"})),
    # Closure by the issuer (terms §31a; issue 16 item 10): ops with close_account only; a PA or holder is
    # refused by the service (403), an outsider never sees the account or card.
    "account-issuer-close": Route(a_account, get=API_POST_ONLY, write=Write(
        body=lambda w: {"grounds": "breach", "reason": "outsider"}, also=("bob", "alice", "token_a"))),
    "card-issuer-cancel": Route(a_card, get=API_POST_ONLY, write=Write(
        body=lambda w: {"grounds": "breach", "reason": "outsider"}, also=("bob", "alice", "token_a"))),
    "account-standing": Route(a_account, get=API_POST_ONLY, write=Write(
        body=lambda w: {"status": "suspended", "cause": "insolvency"}, also=("bob", "alice", "token_a"))),
    "account-statements": Route(a_account, get=API_A_HOLDER),
    "account-postings": Route(a_account, get=API_A_HOLDER),
    "card-list": Route(get=API_LIST),
    "card-detail": Route(a_card, get=API_A_HOLDER),
    "card-orders": Route(get=API_POST_ONLY,
                         write=Write(body=lambda w: ORDER, also=("bob",))),
    "card-order-files": Route(get=API_POST_ONLY,
                              write=Write(multipart=True, also=("bob",), refused_with=(400,),
                                          body=lambda w: {"file": SimpleUploadedFile(
                                              "order.csv", csv_bytes(CARD_COLUMNS, [CARD_ROW]))})),
    "card-activate": Route(a_card, get=API_POST_ONLY, write=Write()),
    "card-block": Route(a_card, get=API_POST_ONLY, write=REASON),
    "card-unblock": Route(a_card, get=API_POST_ONLY, write=REASON),
    "card-report": Route(a_card, get=API_POST_ONLY,
                         write=Write(body=lambda w: {"status": "lost", "reason": "outsider"})),
    "card-cancel": Route(a_card, get=API_POST_ONLY, write=REASON),
    "card-reissue": Route(a_card, get=API_POST_ONLY, write=Write()),
    "card-renew": Route(a_card, get=API_POST_ONLY, write=Write(also=("bob", "alice", "token_a"))),
    "card-controls": Route(a_card, get=API_A_HOLDER, write=CONTROLS),
    # Stops of a merchant's recurring charges (terms §16, issue 16 item 9): the holder and the company.
    # Changes of terms and rules the account may reject until they apply (terms §25b, issue 16 item 6):
    # the holder and the company; rejecting closes the account.
    "account-rule-changes": Route(a_account, get=API_A_HOLDER),
    "account-rule-change-reject": Route(lambda w: {"number": w.bob_account.number, "change_id": w.rule_change.pk},
                                        get=API_POST_ONLY, write=Write()),
    "card-recurring-stops": Route(a_card, get=API_A_HOLDER, write=Write(body=lambda w: {"merchant_name": "Outsider"})),
    "card-recurring-stop-detail": Route(lambda w: {"pk": w.card.pk, "stop_id": w.recurring_stop.pk},
                                        get=API_A_HOLDER, write=Write(method="delete")),
    # ── API: files from the network and the bank (ops) ──────────────────────────────────────────
    "charge-file-list": Route(get=API_OPS, write=UPLOAD),
    "charge-file-detail": Route(pk("charge_file"), get=API_OPS),
    "payment-file-list": Route(get=API_OPS, write=UPLOAD),
    "payment-file-detail": Route(pk("payment_file"), get=API_OPS),
    "company-files": Route(get=API_OPS_POST_ONLY, write=Write(
        multipart=True, also=("bob", "alice", "token_a"),
        body=lambda w: {"file": SimpleUploadedFile("c.csv", company_file({"company_number": "40004"}))})),
    # ── API: statements ───────────────────────────────────────────────────────────────────────────
    "statement-list": Route(get=API_LIST),
    "statement-detail": Route(pk("statement"), get=API_A_HOLDER),
    "statement-pdf": Route(pk("statement"), get=API_A_HOLDER),
    "company-statement-list": Route(get=API_LIST_NO_HOLDER),
    "company-statement-detail": Route(pk("company_statement"), get=API_A),
    "company-statement-pdf": Route(pk("company_statement"), get=API_A),
    # ── API: disputes and refund requests ───────────────────────────────────────────────────────
    "dispute-list": Route(get=API_LIST, write=Write(body=lambda w: {"charge_id": w.charge.pk,
                                                                      "reason": "not_received", "note": "x"})),
    "dispute-detail": Route(pk("dispute"), get=API_A_HOLDER),
    "dispute-evidence": Route(pk("dispute"), get=API_POST_ONLY, write=NOTE),
    "dispute-withdraw": Route(pk("dispute"), get=API_POST_ONLY, write=NOTE),
    "dispute-transition": Route(pk("dispute"), get=API_POST_ONLY,
                                write=Write(body=lambda w: {"status": "won", "note": "x"},
                                            also=("bob", "alice", "token_a"))),
    "dispute-evidence-file": Route(lambda w: {"pk": w.dispute.pk, "evidence_id": w.dispute_evidence.pk},
                                   get=API_A_HOLDER),
    "refund-request-list": Route(get=API_LIST, write=Write(body=lambda w: {
        "charge_id": w.refund_charge.pk, "expected_amount": "1.00", "explanation": "x"})),
    "refund-request-detail": Route(pk("refund_request"), get=API_A_HOLDER),
    "refund-request-evidence": Route(pk("refund_request"), get=API_POST_ONLY,
                                     write=NOTE),
    "refund-request-withdraw": Route(pk("refund_request"), get=API_POST_ONLY,
                                     write=NOTE),
    "refund-request-decision": Route(pk("refund_request"), get=API_POST_ONLY,
                                     write=Write(body=lambda w: {"granted": True},
                                                 also=("bob", "alice", "token_a"))),
    "refund-request-evidence-file": Route(lambda w: {"pk": w.refund_request.pk,
                                                     "evidence_id": w.refund_evidence.pk}, get=API_A_HOLDER),
    # ── API: EuroBonus ────────────────────────────────────────────────────────────────────────────
    "eurobonus-enrolment-list": Route(get=API_LIST, write=Write(body=lambda w: {
        "account_number": w.bob_account.number, "member_number": "EBS999999999"})),
    "eurobonus-enrolment-detail": Route(pk("enrolment"), get=API_A_HOLDER),
    **{f"eurobonus-enrolment-{verb}": Route(pk("enrolment"), get=API_POST_ONLY,
                                            write=Write(body=lambda w: {"reason": "x"}, also=("bob",)))
       for verb in ("approve", "reject", "suspend", "resume", "end")},
    "eurobonus-points-list": Route(get=API_LIST),
    "eurobonus-batch-list": Route(get=API_OPS),
    "interest-accrual-list": Route(get=API_LIST),
    "dispute-rules-list": Route(get=API_PUBLIC),
    # Collection costs (terms §9c, §27d): ops only.
    "collection-cost-list": Route(get=API_OPS, write=Write(multipart=True, also=("bob", "alice", "token_a"),
                                                           body=lambda w: {
        "account_number": w.collection_cost.account.number, "amount": "1.00", "agency": "x",
        "invoice_reference": "outsider", "file": SimpleUploadedFile("i.pdf", PDF)})),
    "collection-cost-detail": Route(pk("collection_cost"), get=API_OPS),
    # Complaints (terms §21b–d): A's complaint is A's PAs' and token's; the final answer is ops'.
    "complaint-list": Route(get=API_LIST, write=Write(body=lambda w: {
        "company_number": w.company_a.number, "topic": "fees", "subject": "outsider", "description": "outsider"})),
    "complaint-detail": Route(pk("complaint"), get=API_A),
    "complaint-answer": Route(pk("complaint"), get=API_POST_ONLY,
                              write=Write(body=lambda w: {"answer": "outsider"}, also=("bob", "alice", "token_a"))),
    "complaint-authority-list": Route(get=API_PUBLIC),
    "complaint-authority-detail": Route(pk("complaint_authority"), get=API_PUBLIC),
    "eurobonus-points-rule-list": Route(get=API_PUBLIC),
    "programme-rules-list": Route(get=API_PUBLIC),
    # ── API: the general ledger (ops) ─────────────────────────────────────────────────────────────
    "ledger-entry-list": Route(get=API_OPS),
    "ledger-entry-detail": Route(lambda w: {"pk": w.statement.account.postings.first().pk}, get=API_OPS),
    "ledger-account-list": Route(get=API_OPS),
    "eurobonus-batch-export": Route(get=API_OPS_POST_ONLY,
                                    write=Write(body=lambda w: {"month": "2026-01"}, also=("bob", "alice", "token_a"))),
    "eurobonus-batch-confirmation": Route(get=API_OPS_POST_ONLY, write=Write(
        multipart=True, also=("bob", "alice", "token_a"),
        body=lambda w: {"file": SimpleUploadedFile("sas.csv", b"batch_reference,line_reference\n")})),
    # ── API: decisions, holds, rates, fees, audit log ───────────────────────────────────────────
    "hold-list": Route(get=API_LIST),
    "hold-detail": Route(pk("hold"), get=API_A_HOLDER),
    "fx-rate-list": Route(get=API_PUBLIC),
    "fee-schedule-list": Route(get=API_PUBLIC, write=Write(body=lambda w: {
        "market": "DK", "effective_from": "2026-06-01", "annual_fee_max": "1.00", "reminder_fee": "1.00",
        "fx_fee_percent": "1.000", "cash_fee_percent": "1.000", "cash_fee_minimum": "1.00",
        "eurobonus_fee": "1.00"}, also=("bob", "alice", "token_a"))),
    "fee-schedule-detail": Route(pk("fee_schedule"), get=API_PUBLIC),
    "reference-rate-list": Route(get=API_PUBLIC, write=Write(body=lambda w: {
        "effective_date": "2026-01-01", "rate_percent": "9.0000"}, also=("bob", "alice", "token_a"))),
    "audit-entry-list": Route(get=API_LIST),
    "audit-entry-detail": Route(pk("audit_entry"), get=API_A_HOLDER),
    "reminder-list": Route(get=API_LIST),
    "embossing-order-list": Route(get=API_OPS),
    # ── API: the sandbox (development and test settings only; SPEC section 16, issue 18 item 8) ─────
    "sandbox-authorize": Route(get=API_SANDBOX, write=Write(body=lambda w: {
        "card_id": w.card.pk, "amount": "1.00", "currency": "DKK"}, also=SANDBOX_ALSO)),
    "sandbox-authorization-clear": Route(lambda w: {"transaction_id": w.authorization.transaction_id},
                                         get=API_SANDBOX, write=Write(also=SANDBOX_ALSO)),
    "sandbox-hold-expire": Route(lambda w: {"transaction_id": w.authorization.transaction_id},
                                 get=API_SANDBOX, write=Write(also=SANDBOX_ALSO)),
    "sandbox-payments": Route(get=API_SANDBOX, write=Write(body=lambda w: {
        "account_number": w.bob_account.number, "amount": "1.00"}, also=SANDBOX_ALSO)),
    # The business date is the whole programme's: company B's token may advance it as well as A's.
    "sandbox-business-date-advance": Route(get=API_SANDBOX, write=Write(body=lambda w: {"days": 1},
                                                                        also=SANDBOX_ALSO, allowed=("token_b",))),
    # ── Schema and docs: public ───────────────────────────────────────────────────────────────────
    # ... but not to a network token, whose scope is the authorization call (issue 15 item 12).
    "schema": Route(get={**{actor: OK for actor in API_ACTORS}, "token_network": FORBIDDEN}),
    "api-docs": Route(get={**{actor: OK for actor in API_ACTORS}, "token_network": FORBIDDEN}),
    # ── i18n ──────────────────────────────────────────────────────────────────────────────────────
    "set_language": Route(api=False, get={actor: OK for actor in PORTAL_ACTORS}),
    # ── Portal ────────────────────────────────────────────────────────────────────────────────────
    "portal:home": Route(api=False, get={"anon": LOGIN, "bob": OK, "alice": OK, "carol": OK, "ops": OK}),
    "portal:login": Route(api=False, get={actor: OK for actor in PORTAL_ACTORS}),
    "portal:logout": Route(api=False, get={actor: NOT_ALLOWED for actor in PORTAL_ACTORS}),
    # Issue 19 item 7: PA pages and the PA guide are not a cardmember's.
    "portal:pa_home": Route(api=False, get=profile(PORTAL_ANY, bob=NF)),
    "portal:company_detail": Route(a_company, api=False, get=PORTAL_PA),
    "portal:cardmember_home": Route(api=False, get=PORTAL_ANY),
    "portal:order_new": Route(a_company, api=False, get=PORTAL_PA,
                              write=Write(body=lambda w: ORDER, also=("bob",))),
    "portal:order_upload": Route(a_company, api=False, get=PORTAL_PA,
                                 write=Write(multipart=True, also=("bob",), body=lambda w: {
                                     "file": SimpleUploadedFile("o.csv", csv_bytes(CARD_COLUMNS, [CARD_ROW]))})),
    "portal:account_statements": Route(a_account, api=False, get=PORTAL_HOLDER),
    "portal:account_transactions": Route(a_account, api=False, get=PORTAL_HOLDER),
    "portal:statement_detail": Route(pk("statement"), api=False, get=PORTAL_HOLDER),
    "portal:statement_pdf": Route(pk("statement"), api=False, get=PORTAL_HOLDER),
    "portal:company_statements": Route(a_company, api=False, get=PORTAL_PA_AND_OPS),
    "portal:company_statement_detail": Route(pk("company_statement"), api=False, get=PORTAL_PA_AND_OPS),
    "portal:company_statement_pdf": Route(pk("company_statement"), api=False, get=PORTAL_PA_AND_OPS),
    "portal:account_eurobonus": Route(a_account, api=False, get=PORTAL_HOLDER,
                                      write=Write(body=lambda w: {"member_number": "EBS999999999"})),
    "portal:company_eurobonus": Route(a_company, api=False, get=PORTAL_PA_AND_OPS),
    "portal:eurobonus_decide": Route(lambda w: {"pk": w.enrolment.pk, "verb": "approve"}, api=False,
                                     get=PORTAL_POST_ONLY, write=Write(also=("bob",))),
    "portal:eurobonus_exports": Route(api=False, get={"anon": LOGIN, "bob": FORBIDDEN, "alice": FORBIDDEN,
                                                      "carol": FORBIDDEN, "ops": OK}),
    "portal:company_cards": Route(a_company, api=False, get=PORTAL_PA),
    # Issue 19 item 5: bulk actions are POSTs of A's PAs; everyone else's block of A's card is refused.
    "portal:company_cards_bulk": Route(a_company, api=False, get=PORTAL_POST_ONLY, write=Write(
        body=lambda w: {"cards": [w.card.pk], "action": "block", "step": "confirm", "reason": "outsider"},
        also=("bob",))),
    "portal:company_controls": Route(a_company, api=False, get=PORTAL_PA, write=Write(body=CONTROLS_FORM.body,
                                                                                      also=("bob",))),
    "portal:company_terminate": Route(a_company, api=False, get=PORTAL_PA,
                                      write=Write(body=lambda w: {"reason": "x", "confirm": "on"}, also=("bob",))),
    "portal:card_detail": Route(a_card, api=False, get=PORTAL_HOLDER),
    "portal:card_controls": Route(a_card, api=False, get=profile(PORTAL_HOLDER, bob=NF),
                                  write=Write(body=CONTROLS_FORM.body, also=("bob",))),
    "portal:card_action": Route(lambda w: {"pk": w.card.pk, "action": "block"}, api=False, get=PORTAL_POST_ONLY,
                                write=Write(body=lambda w: {"reason": "outsider"})),
    "portal:card_recurring_stop_add": Route(a_card, api=False, get=PORTAL_POST_ONLY,
                                            write=Write(body=lambda w: {"merchant_name": "Outsider"})),
    "portal:card_recurring_stop_revoke": Route(lambda w: {"pk": w.card.pk, "stop_id": w.recurring_stop.pk},
                                               api=False, get=PORTAL_POST_ONLY, write=Write()),
    "portal:account_changes": Route(a_account, api=False, get=PORTAL_HOLDER),
    "portal:account_change_reject": Route(lambda w: {"number": w.bob_account.number, "change_id": w.rule_change.pk},
                                          api=False, get=PORTAL_POST_ONLY,
                                          write=Write(body=lambda w: {"confirm": "on"})),
    "portal:account_close": Route(a_account, api=False, get=PORTAL_HOLDER,
                                  write=Write(body=lambda w: {"reason": "company_request"})),
    "portal:account_disputes": Route(a_account, api=False, get=PORTAL_HOLDER),
    "portal:company_disputes": Route(a_company, api=False, get=PORTAL_PA),
    "portal:dispute_new": Route(pk("charge"), api=False, get=PORTAL_HOLDER,
                                write=Write(body=lambda w: {"reason": "not_received", "note": "x"})),
    "portal:refund_request_new": Route(pk("refund_charge"), api=False, get=PORTAL_HOLDER,
                                       write=Write(body=lambda w: {"expected_amount": "1.00", "explanation": "x"})),
    "portal:dispute_detail": Route(pk("dispute"), api=False, get=PORTAL_HOLDER,
                                   write=Write(body=lambda w: {"note": "outsider"})),
    "portal:dispute_withdraw": Route(pk("dispute"), api=False, get=PORTAL_POST_ONLY, write=NOTE),
    "portal:dispute_evidence_file": Route(lambda w: {"pk": w.dispute.pk, "evidence_id": w.dispute_evidence.pk},
                                          api=False, get=PORTAL_HOLDER),
    "portal:refund_request_detail": Route(pk("refund_request"), api=False, get=PORTAL_HOLDER,
                                          write=Write(body=lambda w: {"note": "outsider"})),
    "portal:refund_request_withdraw": Route(pk("refund_request"), api=False, get=PORTAL_POST_ONLY, write=NOTE),
    "portal:refund_request_evidence_file": Route(lambda w: {"pk": w.refund_request.pk,
                                                            "evidence_id": w.refund_evidence.pk},
                                                 api=False, get=PORTAL_HOLDER),
    # ── Added on the day by the other helpers (read from their views) ─────────────────────────────
    "cardmember-export": Route(pk("cardmember"), get=API_A_HOLDER),
    "cardmember-unlock-login": Route(pk("cardmember"), get=API_POST_ONLY, write=Write(also=("bob",))),
    "company-administrators": Route(a_company, get=API_A, write=Write(
        body=lambda w: {"email": "eve@example.com"}, also=("bob",))),
    "company-administrators-remove": Route(a_company, get=API_POST_ONLY, write=Write(
        body=lambda w: {"email": w.alice.email}, also=("bob",))),
    "incident-list": Route(get=API_LIST, write=Write(body=lambda w: {
        "card_id": w.card.pk, "kind": "stolen"})),
    "incident-detail": Route(pk("incident"), get=API_A_HOLDER),
    "incident-resolve": Route(pk("incident"), get=API_POST_ONLY, write=Write(
        body=lambda w: {"finding": "capped"}, also=("bob", "alice", "token_a"))),
    "refund-request-ask-information": Route(pk("refund_request"), get=API_POST_ONLY, write=Write(
        body=lambda w: {"note": "x"}, also=("bob", "alice", "token_a"))),
    "refund-request-information-complete": Route(pk("refund_request"), get=API_POST_ONLY, write=Write(
        body=lambda w: {"note": "x"}, also=("bob", "alice", "token_a"))),
    "notice-list": Route(get=API_LIST),
    "notice-detail": Route(pk("notice"), get=API_A_HOLDER),
    # Returned mail is recorded by ops only: everyone else is refused before the method is looked at.
    "notice-returned": Route(pk("notice"), get=profile(API_OPS, ops=NOT_ALLOWED, token_ops=NOT_ALLOWED),
                             write=Write(also=("bob", "alice", "token_a"))),
    "account-payment-allocation": Route(a_account, get=API_A_HOLDER),
    "account-credit-refund": Route(a_account, get=API_POST_ONLY, write=Write(body=lambda w: {
        "iban": "DK5000400440116243", "amount": "1.00"})),
    "charge-personal": Route(pk("charge"), get=API_POST_ONLY, write=Write()),
    "charge-reimbursed": Route(pk("charge"), get=API_POST_ONLY, write=Write()),
    "company-personal-charges": Route(a_company, get=API_A),
    "company-payments": Route(a_company, get=API_A),
    "company-report": Route(lambda w: {"number": w.company_a.number, "name": "cardmembers", "file_format": "csv"},
                            get=API_A),
    "portal:company_report_download": Route(
        lambda w: {"number": w.company_a.number, "name": "cardmembers", "file_format": "csv"}, api=False,
        get=PORTAL_PA),
    "portal:otp": Route(api=False, get={"anon": LOGIN, "bob": OK, "alice": OK, "carol": OK, "ops": OK}),
    # Issue 15 item 2: a set-up page shows only the secret its own session's link created (else it sends
    # the user to the code step), and a link that is not the user's is refused there.
    "portal:otp_setup": Route(api=False, get={"anon": LOGIN, "bob": OK, "alice": OK, "carol": OK, "ops": OK}),
    "portal:otp_enrol": Route(lambda w: {"uidb64": "MQ", "token": "not-a-token"}, api=False,
                              get={"anon": LOGIN, "bob": OK, "alice": OK, "carol": OK, "ops": OK}),
    "portal:password_reset": Route(api=False, get={actor: OK for actor in PORTAL_ACTORS}),
    "portal:password_reset_done": Route(api=False, get={actor: OK for actor in PORTAL_ACTORS}),
    "portal:password_reset_confirm": Route(lambda w: {"uidb64": "MQ", "token": "set-password"}, api=False,
                                           get={actor: OK for actor in PORTAL_ACTORS}),
    "portal:password_reset_complete": Route(api=False, get={actor: OK for actor in PORTAL_ACTORS}),
    "portal:inbox": Route(api=False, get=PORTAL_ANY),
    "portal:complaints": Route(api=False, get=PORTAL_ANY),
    "portal:complaint_detail": Route(pk("complaint"), api=False, get=PORTAL_PA_AND_OPS),
    "portal:notice_detail": Route(pk("notice"), api=False, get=profile(PORTAL_HOLDER, ops=NF)),
    "portal:terms": Route(api=False, get={"anon": LOGIN, "bob": OK, "alice": OK, "carol": OK, "ops": OK}),
    "portal:terms_accept": Route(api=False, get=PORTAL_POST_ONLY, write=Write(body=lambda w: {"version": "1"})),
    "portal:terms_pdf": Route(lambda w: {"version": w.terms_version}, api=False,
                              get={"anon": LOGIN, "bob": OK, "alice": OK, "carol": OK, "ops": OK}),
    "portal:fee_schedule_pdf": Route(lambda w: {"market": "DK"}, api=False,
                                     get={"anon": LOGIN, "bob": OK, "alice": OK, "carol": OK, "ops": OK}),
    "portal:company_terms": Route(a_company, api=False, get=PORTAL_PA),
    "portal:help_index": Route(api=False, get={"anon": LOGIN, "bob": NF, "alice": OK, "carol": OK, "ops": OK}),
    "portal:help_page": Route(lambda w: {"slug": "cards"}, api=False,
                              get={"anon": LOGIN, "bob": NF, "alice": OK, "carol": OK, "ops": OK}),
    "portal:company_edit": Route(a_company, api=False, get=PORTAL_PA, write=Write(
        body=lambda w: {"legal_name": "Taken over"}, also=("bob",))),
    "portal:company_administrators": Route(a_company, api=False, get=PORTAL_PA, write=Write(
        body=lambda w: {"email": "eve@example.com"}, also=("bob",))),
    "portal:company_administrator_remove": Route(a_company, api=False, get=PORTAL_POST_ONLY, write=Write(
        body=lambda w: {"email": w.alice.email}, also=("bob",))),
    "portal:company_cardmembers": Route(a_company, api=False, get=PORTAL_PA),
    "portal:cardmember_detail": Route(lambda w: {"number": w.company_a.number, "pk": w.cardmember.pk},
                                      api=False, get=PORTAL_PA),
    "portal:cardmember_edit": Route(lambda w: {"number": w.company_a.number, "pk": w.cardmember.pk},
                                    api=False, get=PORTAL_PA, write=Write(
                                        body=lambda w: {"first_name": "Eve", "last_name": "Evil"}, also=("bob",))),
    "portal:company_locked_logins": Route(a_company, api=False, get=PORTAL_PA),
    # A PA's own API tokens (issue 18 item 10): PA pages; ops manage tokens in the admin.
    "portal:company_api_tokens": Route(a_company, api=False, get=PORTAL_PA,
                                       write=Write(body=lambda w: {"name": "outsider", "scope": "read-write"},
                                                   also=("bob", "ops"))),
    "portal:company_api_token_revoke": Route(
        lambda w: {"number": w.company_a.number, "pk": apps.get_model("accounts", "ApiToken").objects.get(
            prefix=w.tokens.a[:8]).pk},
                                             api=False, get=PORTAL_POST_ONLY,
                                             write=Write(body=lambda w: {"confirm_prefix": w.tokens.a[:8]},
                                                         also=("bob", "ops"))),
    "portal:cardmember_unlock": Route(lambda w: {"number": w.company_a.number, "pk": w.cardmember.pk},
                                      api=False, get=PORTAL_POST_ONLY, write=Write(also=("bob",))),
    "portal:company_reports": Route(a_company, api=False, get=PORTAL_PA),
    # Issue 19 item 3: the company's transactions, for its PAs and ops who may view companies.
    "portal:company_transactions": Route(a_company, api=False, get=PORTAL_PA_AND_OPS),
    "portal:company_payments": Route(a_company, api=False, get=PORTAL_PA),
    "portal:company_dispute_charges": Route(a_company, api=False, get=PORTAL_PA),
    "portal:cardmember_data_export": Route(pk("cardmember"), api=False, get=PORTAL_HOLDER),
    "portal:card_report_confirm": Route(a_card, api=False, get={"anon": LOGIN, "bob": OK, "alice": NF, "carol": NF,
                                                                "ops": NF},
                                        write=Write(body=lambda w: {"status": "lost"}, also=("alice",))),
    "portal:contact_edit": Route(api=False, get={"anon": LOGIN, "bob": OK, "alice": NF, "carol": NF, "ops": NF}),
    "portal:account_payments": Route(a_account, api=False, get=PORTAL_HOLDER),
    "portal:account_credit_refund": Route(a_account, api=False, get=PORTAL_POST_ONLY, write=Write(body=lambda w: {
        "iban": "DK5000400440116243", "amount": "1.00"})),
    "portal:charge_personal": Route(pk("charge"), api=False, get=PORTAL_POST_ONLY, write=Write()),
    "portal:charge_reimbursed": Route(pk("charge"), api=False, get=PORTAL_POST_ONLY, write=Write()),
    # Changes waiting for a second person (issue 15 item 5, SPEC section 17).
    "change-request-list": Route(get=API_LIST_NO_HOLDER),
    "change-request-detail": Route(pk("change_request"), get=API_A),
    "change-request-approve": Route(pk("change_request"), get=API_POST_ONLY, write=Write(also=("bob",))),
    "change-request-reject": Route(pk("change_request"), get=API_POST_ONLY, write=Write(
        body=lambda w: {"reason": "outsider"}, also=("bob",))),
    "portal:company_changes": Route(a_company, api=False, get=PORTAL_PA),
    "portal:company_change_decide": Route(
        lambda w: {"number": w.company_a.number, "pk": w.change_request.pk, "decision": "approve"}, api=False,
        get=PORTAL_POST_ONLY, write=Write(also=("bob",))),
    # Events and webhooks (SPEC section 16, issue 18 item 7): a company's events to its PAs and tokens; ops
    # read them naming the company (without it: 400 `company_required`, they see every company).
    "events": Route(get={"anon": UNAUTHENTICATED, "bob": HIDDEN, "alice": OK, "carol": HIDDEN, "ops": 400,
                         "token_a": OK, "token_a_ro": OK, "token_b": HIDDEN, "token_network": FORBIDDEN,
                         "token_ops": 400}),
    "api/v1/events/": Route(get=None),  # the trailing-slash twin: tested through "events"
    "webhook-endpoint-list": Route(get=API_LIST_NO_HOLDER, write=Write(body=lambda w: {
        "url": "https://evil.example.com/hooks", "company_number": w.company_a.number}, also=("bob",))),
    "webhook-endpoint-detail": Route(pk("webhook_endpoint"), get=API_A),
    "webhook-endpoint-attempts": Route(pk("webhook_endpoint"), get=API_A),
    "webhook-endpoint-revoke": Route(pk("webhook_endpoint"), get=API_POST_ONLY, write=Write(also=("bob",))),
    "webhook-endpoint-rotate-secret": Route(pk("webhook_endpoint"), get=API_POST_ONLY, write=Write(
        body=lambda w: {"overlap_hours": 1}, also=("bob",))),
    "webhook-endpoint-replay": Route(pk("webhook_endpoint"), get=API_POST_ONLY, write=Write(
        body=lambda w: {"event_id": 1}, also=("bob",))),
    "portal:company_webhooks": Route(a_company, api=False, get=PORTAL_PA, write=Write(
        body=lambda w: {"url": "https://evil.example.com/hooks"}, also=("bob",))),
    "portal:company_webhook_detail": Route(lambda w: {"number": w.company_a.number, "pk": w.webhook_endpoint.pk},
                                           api=False, get=PORTAL_PA),
    "portal:company_webhook_revoke": Route(lambda w: {"number": w.company_a.number, "pk": w.webhook_endpoint.pk},
                                           api=False, get=PORTAL_POST_ONLY, write=Write(also=("bob",))),
    "portal:company_webhook_rotate": Route(lambda w: {"number": w.company_a.number, "pk": w.webhook_endpoint.pk},
                                           api=False, get=PORTAL_POST_ONLY,
                                           write=Write(body=lambda w: {"overlap_hours": "1"}, also=("bob",))),
    "portal:company_webhook_replay": Route(
        lambda w: {"number": w.company_a.number, "pk": w.webhook_endpoint.pk, "attempt_id": w.webhook_attempt.pk},
        api=False, get=PORTAL_POST_ONLY, write=Write(also=("bob",))),
}


# URL patterns ---------------------------------------------------------------------------------------

def url_patterns() -> list[tuple[str, str]]:
    """(key, route) for every URL pattern: the key is the pattern's name with its namespace, or its
    route string when unnamed; DRF's format-suffix twins share their route's name."""
    found: list[tuple[str, str]] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if pattern.name:
                    found.append((":".join(filter(None, [namespace, pattern.name])), route))
                else:
                    found.append((route, route))

    walk(get_resolver().url_patterns, "", "")
    return found


def is_admin(key: str, route: str) -> bool:
    return route.startswith("admin/") or key.startswith("admin:")


def test_every_url_pattern_has_an_entry():
    missing = sorted({key for key, route in url_patterns() if not is_admin(key, route) and key not in ROUTES})
    assert not missing, (
        f"URL patterns without an authorization-matrix entry: {missing}. Add each to ROUTES in "
        f"{__file__}: Route(kwargs=lambda w: {{...}} built from the `world` fixture, get={{actor: outcome}} for "
        f"{API_ACTORS} (portal pages: {PORTAL_ACTORS}, api=False), and write=Write(...) if it accepts "
        f"POST/PATCH/PUT/DELETE."
    )
    stale = sorted(set(ROUTES) - {key for key, _ in url_patterns()})
    assert not stale, f"ROUTES entries for URL patterns that no longer exist: {stale}"


def test_every_route_names_every_actor():
    """A new actor (e.g. the read-only token, issue 15 item 12) must be given its outcome on every route."""
    missing = []
    for key, entry in ROUTES.items():
        actors = API_ACTORS if entry.api else PORTAL_ACTORS
        if entry.get is not None and set(actors) - set(entry.get):
            missing.append(f"{key}: {sorted(set(actors) - set(entry.get))}")
    assert not missing, "Routes without an outcome for every actor:\n" + "\n".join(missing)


# The world: company A's objects, and company B next to it ---------------------------------------------

def _collection_cost(company, ops):
    """A company-A account in default with one documented collection cost (terms §27d)."""
    from accounts.models import Account
    from fees.collection import collection_cost_post
    from tests.accounts.factories import AccountFactory, CardmemberFactory

    account = AccountFactory(cardmember=CardmemberFactory(company=company, first_name="Dan", last_name="Debt"))
    Account.objects.filter(pk=account.pk).update(status=Account.Status.IN_DEFAULT)
    account.refresh_from_db()
    with time_machine.travel(NOW, tick=False):
        return collection_cost_post(account=account, amount=Decimal("100.00"), agency="Inkasso",
                                    invoice_reference="M-1", evidence=io.BytesIO(PDF), filename="i.pdf", user=ops,
                                    on=dt.date(2026, 1, 21))


@pytest.fixture
def world(company_a, company_b, alice, carol, bob, bob_account, bob_card, b_account, tokens, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    company_a.eurobonus_allowed = True
    company_a.save()
    with time_machine.travel(NOW, tick=False):
        statement, _b_statement = bill_on_opening_day(bob_account, b_account)
        company_statement = CompanyStatement.objects.get(company=company_a)
        card = bob_card.card
        card.refresh_from_db()
        hotel = charge(bob_account, "500.00", dt.date(2026, 1, 15), "matrix-hotel", card=card)
        shop = charge(bob_account, "80.00", dt.date(2026, 1, 16), "matrix-shop", card=card)
        holder = actor_of(bob)
        on = dispute_services.case_day()
        dispute = dispute_services.dispute_open(charge=hotel, reason="not_received", by=holder, on=on,
                                                note="never arrived", upload=io.BytesIO(PDF), filename="a.pdf")
        refund_request = dispute_services.refund_request_submit(
            charge=shop, expected_amount=Money(Decimal("40.00"), "DKK"), explanation="double charged", by=holder,
            on=on, upload=io.BytesIO(PDF), filename="b.pdf")
        refund_charge = charge(bob_account, "60.00", dt.date(2026, 1, 17), "matrix-taxi", card=card)
        enrolment = enrolment_request(account=bob_account, member_number="EBS123456789", on=NOW.date(), by=bob)
        authorize(shared.token_client(tokens.network), bob_card.pan, transaction_id="MATRIX-1")
        from accounts.audit import Actor, Role
        from accounts.controls import card_controls_set

        card_controls_set(card=card, by=Actor(role=Role.ISSUER, label="ops"), on=NOW.date(), contactless=False)
        from disputes.recurring_stops import recurring_stop_register

        recurring_stop = recurring_stop_register(card=card, merchant_name="Matrix Streaming", on=NOW.date(),
                                                 by=Actor(role=Role.HOLDER, label="user:bob"))
        incident = dispute_services.incident_open(card=card, kind="lost", by=holder, on=on)
        from complaints.models import ComplaintAuthority
        from complaints.services import complaint_open

        complaint = complaint_open(user=alice, company=company_a, account=bob_account, topic="service",
                                   subject="Matrix complaint", description="The phone line was closed.", on=on)
    ops = UserFactory(username="olga", is_staff=True, is_superuser=True)
    collection_cost = _collection_cost(company_a, ops)
    roles = {actor: ops_user(f"ops-{actor}", group) for actor, group in OPS_ROLES.items()}
    notice = Notice.objects.create(kind=Notice.Kind.values[0], cardmember=bob_account.cardmember, subject="Hello Bob",
                                   body="A notice for Bob.", created_on=NOW.date(), source_key="matrix/notice")
    change_request = ChangeRequest.objects.create(
        company=company_a, kind=ChangeRequest.Kind.BANK_DETAILS, requested_on=NOW.date(), requested_at=NOW,
        requested_by=f"user:{alice.get_username()}", requested_by_user=alice,
        changes={"iban": {"before": "", "after": "DK5000400440116243"}, "bic": {"before": "", "after": ""}})
    rule_change = apps.get_model("communications", "RuleChange").objects.create(
        kind="dispute_rules", rule_id=1, market="DK", published_on=NOW.date(), effective_from=dt.date(2026, 4, 1),
        published_by="matrix")
    from events.models import Event, WebhookAttempt
    from events.services import events_sequence
    from events.webhooks import webhook_endpoint_create

    webhook_endpoint = webhook_endpoint_create(company=company_a, url="https://erp.example.com/hooks", by="matrix",
                                               at=NOW)
    events_sequence(company_id=company_a.pk)
    webhook_attempt = WebhookAttempt.objects.create(
        endpoint=webhook_endpoint, event=Event.objects.filter(company=company_a).order_by("seq").first(),
        attempted_at=NOW, status_code=500)
    terms_version = apps.get_model("documents", "TermsVersion").objects.order_by("version").values_list(
        "version", flat=True).first() or 1
    missing = [name for name, value in locals().items() if value is None]
    assert not missing, missing
    return SimpleNamespace(
        company_a=company_a, company_b=company_b, alice=alice, carol=carol, bob=bob, ops=ops,
        bob_account=bob_account, card=card, pan=bob_card.pan, tokens=tokens, statement=statement,
        company_statement=company_statement, charge=hotel, refund_charge=refund_charge, dispute=dispute,
        dispute_evidence=Evidence.objects.filter(dispute=dispute).exclude(file="").get(),
        refund_request=refund_request,
        refund_evidence=Evidence.objects.filter(refund_request=refund_request).exclude(file="").get(),
        enrolment=enrolment, authorization=Authorization.objects.get(transaction_id="MATRIX-1"),
        hold=Hold.objects.get(transaction_id="MATRIX-1"),
        audit_entry=AuditEntry.objects.filter(card=card).first(),
        fee_schedule=FeeSchedule.objects.first(),
        charge_file=ChargeFile.objects.create(content_hmac="a" * 64, filename="c.csv"),
        payment_file=PaymentFile.objects.create(sha256="b" * 64, filename="p.csv"),
        incident=incident, complaint=complaint, collection_cost=collection_cost,
        complaint_authority=ComplaintAuthority.objects.first(),
        notice=notice, terms_version=terms_version, cardmember=bob_account.cardmember,
        read_only_key=api_token_create(name="A reader", kind="company", company=company_a, scope="read-only")[1],
        change_request=change_request, recurring_stop=recurring_stop, rule_change=rule_change,
        webhook_endpoint=webhook_endpoint, webhook_attempt=webhook_attempt,
        markers=[company_a.legal_name, bob_account.number, "Jensen"], **roles,
    )


def login(client: Client, user) -> Client:
    """Signed in as `user`; PAs and ops OTP-verified (tests/conftest.py makes force_login pass the TOTP step)."""
    client.force_login(user)
    return client


def clients(w) -> dict[str, Client]:
    made: dict[str, Client] = {"anon": APIClient()}
    for actor in ("bob", "alice", "carol", "ops", *OPS_ROLES):
        made[actor] = login(APIClient(), getattr(w, actor))
    for actor, key in (("token_a", w.tokens.a), ("token_a_ro", w.read_only_key), ("token_b", w.tokens.b),
                       ("token_network", w.tokens.network), ("token_ops", w.tokens.ops)):
        made[actor] = shared.token_client(key)
    return made


# Company A's data, to compare before and after an outsider's write.
SNAPSHOT_APPS = ("accounts", "ledger", "charges", "fees", "statements", "disputes", "rewards", "liability",
                 "communications", "documents", "auth", "events")
SNAPSHOT_SKIP_MODELS = {"accounts.apitoken"}  # a token records when it was last used


def snapshot() -> dict[str, list]:
    state: dict[str, list] = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in SNAPSHOT_APPS or label in SNAPSHOT_SKIP_MODELS or not model._meta.managed:
            continue
        state[label] = sorted(map(repr, model._default_manager.values()))
    return state


def outcome_of(response, *, admin: bool = False) -> Any:
    code = response.status_code
    if code in (301, 302, 303):
        location = response.headers.get("Location", "")
        login_page = reverse("admin:login") if admin else reverse("portal:login")
        return LOGIN if location.split("?")[0].endswith(login_page) else OK
    if 200 <= code < 300:
        return OK
    return code


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(errors="replace")


def leaked(response, w, url: str) -> list[str]:
    """Company A's markers in the body, except those in the URL the caller typed (a 404 page may echo it)."""
    body = body_of(response)
    return [marker for marker in w.markers if marker in body and marker not in url]


def check(expected, response, w, url: str, refused_with: tuple[int, ...] = ()) -> str | None:
    got = outcome_of(response)
    if expected == HIDDEN:
        if got != OK:
            return f"expected 2xx without company A, got {got}"
        found = leaked(response, w, url)
        return f"company A's data in the body: {found}" if found else None
    if expected == DENIED:
        if got not in (LOGIN, 401, 403, 404, 405, *refused_with):
            return f"expected a refusal, got {got}"
        found = leaked(response, w, url)
        return f"company A's data in the refusal: {found}" if found else None
    return None if got == expected else f"expected {expected}, got {got}"


def request(client: Client, method: str, url: str, body: Any = None, *, multipart: bool = False):
    if method == "get":
        return client.get(url)
    if multipart:
        return getattr(client, method)(url, body or {}, format="multipart")
    return getattr(client, method)(url, body or {}, format="json")


def test_the_matrix(world):
    w = world
    made = clients(w)
    problems: list[str] = []
    keys = {key for key, route in url_patterns() if not is_admin(key, route)}
    for key in sorted(keys & set(ROUTES)):
        entry = ROUTES[key]
        if entry.get is None and entry.write is None:
            continue
        url = reverse(key, kwargs=entry.kwargs(w)) if ":" in key or not key.startswith(("api/", "admin/")) \
            else "/" + key
        actors = API_ACTORS if entry.api else PORTAL_ACTORS
        with time_machine.travel(NOW, tick=False):
            for actor, expected in (entry.get or {}).items():
                if actor not in actors:
                    continue
                problem = check(expected, request(made[actor], "get", url), w, url)
                if problem:
                    problems.append(f"{key} GET as {actor}: {problem} ({url})")
            if entry.write:
                writers = [a for a in (*OUTSIDERS, *entry.write.also) if a in actors and a not in entry.write.allowed]
                for actor in writers:
                    before = snapshot()
                    response = request(made[actor], entry.write.method, url, entry.write.body(w),
                                       multipart=entry.write.multipart)
                    problem = check(DENIED, response, w, url, entry.write.refused_with)
                    if problem:
                        problems.append(f"{key} {entry.write.method.upper()} as {actor}: {problem} ({url})")
                    if snapshot() != before:
                        problems.append(f"{key} {entry.write.method.upper()} as {actor} changed data ({url})")
    assert not problems, "\n".join(problems)


# Ops roles (SPEC section 17, issue 15 item 3) ---------------------------------------------------------

NOTHING_OF_A = "nothing of A"  # 2xx without company A's data, or any refusal
# Not ops actions: the API's index, its schema and docs, "who am I", the language switch.
NOT_OPS_ACTIONS = {"api-root", "schema", "api-docs", "whoami", "set_language"}
# Where a role's GET differs from the superuser ops's (the `ops` column): a page that is a power's form,
# or a read that is a power of its own (a cardmember's personal data).
WITHOUT_EXPORT = {"viewer": FORBIDDEN, "credit": FORBIDDEN, "finance": FORBIDDEN}
OPS_ROLE_GET: dict[str, dict[str, Any]] = {
    "cardmember-export": WITHOUT_EXPORT,
    "portal:cardmember_data_export": dict.fromkeys(WITHOUT_EXPORT, NF),
    "portal:account_close": {"viewer": NF, "agent": NF, "finance": NF},  # the form closes accounts: credit's
    "portal:card_controls": {"viewer": NF, "finance": NF},  # the form changes spending controls
}


def ops_role_get(key: str, entry: Route, actor: str) -> Any:
    """What an ops role gets on GET: the superuser's outcome, except where OPS_ROLE_GET says; the ops
    outsider (staff without any permission) is refused every API route and sees nothing of A in the portal."""
    ops = (entry.get or {}).get("ops")
    override = OPS_ROLE_GET.get(key, {}).get(actor)
    if override is not None:
        return override
    if actor != "outsider" or key in NOT_OPS_ACTIONS or ops in (NF, NOT_ALLOWED, FORBIDDEN):
        return ops
    return FORBIDDEN if entry.api else NOTHING_OF_A


def test_issue15_item3_ops_roles_in_the_matrix(world):
    """Every route as each ops group and as an ops outsider (GET); every write as the view-only ops
    person and the ops outsider: refused, company A's data unchanged. Before the fix any staff user
    was full ops: the viewer terminated company A, closed Bob's account, published fee schedules..."""
    w = world
    made = clients(w)
    problems: list[str] = []
    keys = {key for key, route in url_patterns() if not is_admin(key, route)}
    for key in sorted(keys & set(ROUTES)):
        entry = ROUTES[key]
        if entry.get is None and entry.write is None:
            continue
        url = reverse(key, kwargs=entry.kwargs(w)) if ":" in key or not key.startswith(("api/", "admin/")) \
            else "/" + key
        with time_machine.travel(NOW, tick=False):
            if entry.get and "ops" in entry.get:
                for actor in OPS_ROLES:
                    expected = ops_role_get(key, entry, actor)
                    response = request(made[actor], "get", url)
                    if expected == NOTHING_OF_A:
                        problem = (check(DENIED, response, w, url) if outcome_of(response) != OK
                                   else check(HIDDEN, response, w, url))
                    else:
                        problem = check(expected, response, w, url)
                    if problem:
                        problems.append(f"{key} GET as {actor}: {problem} ({url})")
            if entry.write:
                for actor in ("viewer", "outsider"):
                    before = snapshot()
                    response = request(made[actor], entry.write.method, url, entry.write.body(w),
                                       multipart=entry.write.multipart)
                    # A form's error page (400) refuses too; what matters as much is that nothing changed.
                    problem = check(DENIED, response, w, url, (*entry.write.refused_with, 400))
                    if problem:
                        problems.append(f"{key} {entry.write.method.upper()} as {actor}: {problem} ({url})")
                    if snapshot() != before:
                        problems.append(f"{key} {entry.write.method.upper()} as {actor} changed data ({url})")
    assert not problems, "\n".join(problems)


def test_the_snapshot_sees_a_write_that_went_through(world):
    """The matrix's "unchanged" check is only as good as its snapshot: alice blocking Bob's card shows."""
    client = login(APIClient(), world.alice)
    before = snapshot()
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("card-block", kwargs={"pk": world.card.pk}), {"reason": "lost?"}, format="json")
    assert response.status_code == 200, response.content
    assert snapshot() != before


# Admin: one rule for every page ------------------------------------------------------------------------

def admin_urls(w) -> list[str]:
    """The index, and each registered model's list and add pages and an object's change page."""
    from django.contrib import admin

    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        first: Model | None = model._default_manager.order_by("pk").first() if model._meta.managed else None
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    return urls


def test_admin_pages_are_for_staff_only(world):
    w = world
    made = clients(w)
    problems = []
    urls = admin_urls(w)
    assert len(urls) > 20
    with time_machine.travel(NOW, tick=False):
        for url in urls:
            for actor in ("anon", "bob", "alice", "carol"):
                got = outcome_of(made[actor].get(url), admin=True)
                if got != LOGIN:
                    problems.append(f"{url} as {actor}: expected the admin login, got {got}")
            try:
                got = outcome_of(made["ops"].get(url), admin=True)
            except Exception as exc:  # the test client re-raises a view's exception: a 500 in production
                got = f"{type(exc).__name__}: {str(exc)[:80]}"
            if got not in (OK, 403):
                problems.append(f"{url} as ops: got {got}")
        company = Company.objects.get(pk=w.company_a.pk)
        before = snapshot()
        for actor in ("anon", "bob", "alice", "carol", "token_a"):
            made[actor].post(reverse("admin:accounts_company_change", args=[company.pk]),
                             {"legal_name": "Taken over", "status": "terminated"})
        assert snapshot() == before
    assert not problems, "\n".join(problems)


def test_issue19_item12_customer_overviews_and_cycle_monitor_are_for_ops_who_may_view(world):
    """The ops console's new pages (issue 19 item 12): a company's and a cardmember's overview and the cycle
    monitor. Portal people and the anonymous get the admin login; every ops group reads them (view-only
    included); staff without permissions are refused; nothing changes."""
    w = world
    made = clients(w)
    urls = [reverse("admin:accounts_company_overview", args=[w.company_a.pk]),
            reverse("admin:accounts_cardmember_overview", args=[w.card.account.cardmember_id]),
            reverse("admin:common_cyclemonitor_changelist")]
    expected = {"anon": LOGIN, "bob": LOGIN, "alice": LOGIN, "carol": LOGIN, "ops": OK, "viewer": OK, "agent": OK,
                "credit": OK, "finance": OK, "opsadmin": OK, "outsider": FORBIDDEN}
    problems = []
    before = snapshot()
    with time_machine.travel(NOW, tick=False):
        for url in urls:
            for actor, outcome in expected.items():
                got = outcome_of(made[actor].get(url), admin=True)
                if got != outcome:
                    problems.append(f"{url} as {actor}: expected {outcome}, got {got}")
                if made[actor].post(url, {"status": "terminated"}).status_code not in (200, 302, 403, 405):
                    problems.append(f"POST {url} as {actor} was not refused or ignored")
    assert snapshot() == before
    assert not problems, "\n".join(problems)
