"""Issue 18 item 5 (SPEC section 16): a client generated from the schema works against the server.

The schema the live server serves is turned into a Python client by openapi-python-client (a [dev]
dependency) at test time, imported, and driven through an integrator's flow with a company token: order
a card, set its controls, authorize by card id (sandbox), list the authorizations, clear the charge,
open a dispute, advance the business date (sandbox) until a statement exists, read it, download a data
file, and read an error. Every answer must parse into the generated models: a field the schema calls
non-null that comes back null, an enum value it does not list, an undocumented status — each fails here.
Runs on SQLite and PostgreSQL (CI runs it on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import time_machine

from accounts.services import api_token_create
from tests.accounts.factories import CompanyFactory
from tests.e2e.conftest import flushable_ledger  # noqa: F401 (fixture: the live server's database is flushed)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NOW = dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.UTC)
# The generator writes PDFs and CSVs as bytes; ruff is not run on the generated code.
CONFIG = """post_hooks: []
content_type_overrides:
  application/pdf: application/octet-stream
  text/csv: application/octet-stream
"""


def generate_client(base_url: str, folder: Path):
    """The client openapi-python-client generates from the served schema, imported as `amexprog_client`."""
    schema = folder / "schema.yaml"
    with urllib.request.urlopen(f"{base_url}/api/schema/") as response:  # noqa: S310 (the live test server)
        schema.write_bytes(response.read())
    config = folder / "config.yaml"
    config.write_text(CONFIG)
    result = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(schema), "--output-path",
         str(folder / "amexprog_client"), "--meta", "none", "--config", str(config)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # Every operation made it into the client (the generator leaves out what it cannot parse, with a warning).
    assert "WARNING" not in result.stdout + result.stderr, result.stdout[-3000:] + result.stderr[-3000:]
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module("amexprog_client")
    finally:
        sys.path.remove(str(folder))


def rows_of(page):
    """A list page's rows (page-number or cursor pagination)."""
    return page.results if hasattr(page, "results") else page.data


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=True):
        yield


def test_issue18_item5_a_generated_client_runs_the_integration_flow(flushable_ledger, frozen,  # noqa: F811
                                                                     live_server, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMBOSSING_DIR = str(tmp_path / "embossing")
    company = CompanyFactory(number="30001", legal_name="Integrator A/S", billing_type="individual")
    key = api_token_create(name="ERP", kind="company", company=company)[1]
    client_package = generate_client(live_server.url, tmp_path)
    api = importlib.import_module("amexprog_client.api")
    models = importlib.import_module("amexprog_client.models")
    from amexprog_client import AuthenticatedClient  # noqa: I001 (generated above)
    from amexprog_client.api.sandbox import (
        sandbox_authorization_clear,
        sandbox_authorize,
        sandbox_business_date_advance,
    )
    from amexprog_client.api.v1 import (
        v1_authorizations_list,
        v1_cards_activate_create,
        v1_cards_controls_partial_update,
        v1_cards_orders_create,
        v1_companies_reports_retrieve,
        v1_disputes_create,
        v1_statements_list,
        v1_statements_retrieve,
        v1_whoami_retrieve,
    )

    assert client_package and api and models
    client = AuthenticatedClient(base_url=live_server.url, token=key, prefix="Token",
                                 raise_on_unexpected_status=True)

    def ok(response, *expected: int):
        assert response.status_code in (expected or (200,)), (response.status_code, response.content[:2000])
        assert not isinstance(response.parsed, models.Error), response.content[:2000]
        return response.parsed

    whoami = ok(v1_whoami_retrieve.sync_detailed(client=client))
    assert whoami.company == "30001"
    # 1. Order a card for a new cardmember: it is active at once, so activating it is a documented 409.
    order = ok(v1_cards_orders_create.sync_detailed(client=client, body=models.CardOrderRequest.from_dict({
        "company_number": "30001", "employee_id": "E-1", "first_name": "Ida", "last_name": "Integrator",
        "email": "ida@example.com", "cycle_day": 15}), idempotency_key="order-1"), 201)
    card_id, account_number = order.card.id, order.account.number
    again = v1_cards_activate_create.sync_detailed(card_id, client=client)
    assert again.status_code == 409 and again.parsed.code == "card_not_ordered"
    # 2. Its controls.
    controls = ok(v1_cards_controls_partial_update.sync_detailed(card_id, client=client,
                                                                 body=models.PatchedCardControlsRequest.from_dict(
                                                                     {"blocked_countries": ["RU"]})))
    assert controls.card.blocked_countries == ["RU"] and controls.effective.blocked_countries == ["RU"]
    assert controls.company.credit_limit and controls.card.monthly_limit is None
    # 3. Authorize by card id (sandbox): one approval, one decline.
    approved = ok(sandbox_authorize.sync_detailed(client=client, body=models.SandboxAuthorizeRequest.from_dict({
        "card_id": card_id, "transaction_id": "FLOW-1", "amount": "120.50", "currency": "DKK",
        "merchant_name": "Kantine", "merchant_country": "DK", "mcc": "5812"})))
    assert approved.approved is True and approved.hold_amount == "120.50"
    declined = ok(sandbox_authorize.sync_detailed(client=client, body=models.SandboxAuthorizeRequest.from_dict({
        "card_id": card_id, "transaction_id": "FLOW-2", "amount": "10.00", "currency": "DKK",
        "merchant_country": "RU"})))
    assert declined.approved is False and declined.reason.value == "merchant_country_blocked"
    # 4. List them: approved ones with a null reason, declined ones with theirs.
    listed = rows_of(ok(v1_authorizations_list.sync_detailed(client=client, card=card_id)))
    by_id = {row.transaction_id: row for row in listed}
    assert by_id["FLOW-1"].reason is None and by_id["FLOW-2"].reason.value == "merchant_country_blocked"
    assert by_id["FLOW-1"].amount == "120.50"
    # 5. The merchant presents the charge (sandbox), and the cardmember's company disputes it.
    cleared = ok(sandbox_authorization_clear.sync_detailed("FLOW-1", client=client,
                                                           body=models.SandboxClearRequest.from_dict({})), 201)
    charge_id = cleared.postings[0].id
    dispute = ok(v1_disputes_create.sync_detailed(client=client, body=models.DisputeCreateRequest.from_dict({
        "charge_id": charge_id, "reason": "not_received", "note": "Never delivered."})), 201)
    assert dispute.id
    # 6. The business date moves on (sandbox) through the account's statement day: a statement exists.
    advanced = ok(sandbox_business_date_advance.sync_detailed(
        client=client, body=models.SandboxAdvanceRequest.from_dict({"through": "2026-03-15"})))
    assert advanced.business_date == dt.date(2026, 3, 15)
    statements = rows_of(ok(v1_statements_list.sync_detailed(client=client, account=account_number)))
    assert statements, "no statement after the statement day"
    statement = ok(v1_statements_retrieve.sync_detailed(statements[0].id, client=client))
    assert statement.account_number == account_number and statement.currency == "DKK"
    # 7. A data file: the company's daily transaction file of the day the charge posted, as CSV.
    report = v1_companies_reports_retrieve.sync_detailed(
        "30001", models.V1CompaniesReportsRetrieveName.TRANSACTIONS,
        models.V1CompaniesReportsRetrieveFileFormat.CSV, client=client, date=dt.date(2026, 3, 11))
    assert report.status_code == 200 and b"Kantine" in report.content
    # 8. An error parses into the one error shape.
    missing = sandbox_authorize.sync_detailed(client=client, body=models.SandboxAuthorizeRequest.from_dict({
        "card_id": 999999, "amount": "1.00", "currency": "DKK"}))
    assert missing.status_code == 404 and isinstance(missing.parsed, models.Error)
    assert missing.parsed.code == "not_found" and missing.parsed.request_id
