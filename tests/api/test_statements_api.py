"""Statements over the API (SPEC sections 9, 16): lists, the statement JSON, PDFs, company statements.
Every endpoint is tried by outsiders: carol (PA of B) and B's token get 404 on A's statements."""

import datetime as dt

import pytest

from statements.models import CompanyStatement
from statements.rendering import statement_document, statement_json
from tests.accounts.factories import AccountFactory, CardmemberFactory
from tests.conftest import token_client
from tests.statements.scenarios import bill_on_opening_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def billed(bob_account, bob_card, b_account):
    """Bob's and B's first statements of 5 January 2026: 1,000.00 + the 650.00 fee each; company A
    bills centrally, so it also gets a company statement."""
    statement, b_statement = bill_on_opening_day(bob_account, b_account)
    return statement, b_statement, CompanyStatement.objects.get(company=bob_account.company)


def test_company_token_lists_an_accounts_statements(tokens, billed, bob_account):
    statement = billed[0]
    body = token_client(tokens.a).get(f"/api/v1/accounts/{bob_account.number}/statements/").json()
    assert len(body["results"]) == 1
    row = body["results"][0]
    assert (row["id"], row["statement_date"], row["closing_balance"], row["billed_amount"]) == (
        statement.pk, "2026-01-05", "1650.00", "1650.00")
    assert row["url"].endswith(f"/api/v1/statements/{statement.pk}/")
    assert row["pdf_url"].endswith(f"/api/v1/statements/{statement.pk}/pdf/")


def test_the_statement_json_is_the_documents(tokens, billed):
    statement = billed[0]
    response = token_client(tokens.a).get(f"/api/v1/statements/{statement.pk}/")
    assert response.status_code == 200
    body = response.json()
    document = statement_json(statement_document(statement))
    assert {key: body[key] for key in document} == document  # and the list item's fields (issue 18 item 9)
    assert (body["opening_balance"], body["closing_balance"]) == ("0.00", "1650.00")
    assert body["totals"] == {"purchase": "1000.00", "fee_annual": "650.00"}
    assert list(document) == ["account_number", "company_number", "statement_date", "period_start", "period_end",
                              "due_date", "currency", "opening_balance", "closing_balance", "eurobonus_points",
                              "totals", "lines", "payment"]


def test_language_picks_the_explanations_language(tokens, billed):
    statement = billed[0]
    client = token_client(tokens.a)
    english = client.get(f"/api/v1/statements/{statement.pk}/", {"language": "en"}).json()
    assert english["lines"][1]["explanation"] == "Annual card fee for membership year 1 (5 Jan 2026 – 4 Jan 2027)"
    response = client.get(f"/api/v1/statements/{statement.pk}/", {"language": "xx"})
    assert response.status_code == 400
    assert "language" in response.json()["fields"]


def test_the_pdf_is_a_pdf_download(tokens, billed, bob_card):
    statement = billed[0]
    response = token_client(tokens.a).get(f"/api/v1/statements/{statement.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="statement-{statement.account.number}-2026-01-05.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")
    accepting = token_client(tokens.a).get(f"/api/v1/statements/{statement.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert accepting.status_code == 200 and accepting.content.startswith(b"%PDF-")


def test_company_statements_list_detail_and_pdf(tokens, billed, bob_account):
    company_statement = billed[2]
    client = token_client(tokens.a)
    listed = client.get("/api/v1/company-statements/").json()
    assert [row["id"] for row in listed["results"]] == [company_statement.pk]
    body = client.get(f"/api/v1/company-statements/{company_statement.pk}/").json()
    assert (body["company_number"], body["closing_balance"], body["amount_due"]) == ("10001", "1650.00", "1650.00")
    assert [row["account_number"] for row in body["accounts"]] == [bob_account.number]
    pdf = client.get(f"/api/v1/company-statements/{company_statement.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_outsider_token_gets_404_on_everything_of_company_a(tokens, billed, bob_account):
    statement, b_statement, company_statement = billed
    client = token_client(tokens.b)
    for url in [f"/api/v1/accounts/{bob_account.number}/statements/", f"/api/v1/statements/{statement.pk}/",
                f"/api/v1/statements/{statement.pk}/pdf/", f"/api/v1/company-statements/{company_statement.pk}/",
                f"/api/v1/company-statements/{company_statement.pk}/pdf/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    assert [row["id"] for row in client.get("/api/v1/statements/").json()["results"]] == [b_statement.pk]
    assert client.get("/api/v1/company-statements/").json()["results"] == []


def test_outsider_pa_session_gets_404(api, carol, billed, bob_account):
    statement, _b, company_statement = billed
    api.force_login(carol)
    for url in [f"/api/v1/accounts/{bob_account.number}/statements/", f"/api/v1/statements/{statement.pk}/",
                f"/api/v1/statements/{statement.pk}/pdf/", f"/api/v1/company-statements/{company_statement.pk}/pdf/"]:
        assert api.get(url).status_code == 404, url


def test_a_cardmember_sees_their_own_statements_and_not_a_colleagues(api, bob, bob_account, company_a):
    colleague = AccountFactory(cardmember=CardmemberFactory(company=company_a), opened_on=dt.date(2026, 1, 5),
                               cycle_day=5)
    statement, colleague_statement = bill_on_opening_day(bob_account, colleague)
    company_statement = CompanyStatement.objects.get(company=company_a)
    api.force_login(bob)
    assert api.get(f"/api/v1/statements/{statement.pk}/").status_code == 200
    assert [row["id"] for row in api.get("/api/v1/statements/").json()["results"]] == [statement.pk]
    assert api.get(f"/api/v1/statements/{colleague_statement.pk}/").status_code == 404
    assert api.get(f"/api/v1/statements/{colleague_statement.pk}/pdf/").status_code == 404
    assert api.get(f"/api/v1/accounts/{colleague.number}/statements/").status_code == 404
    # The company statement is the company's bill: a cardmember does not see it.
    assert api.get(f"/api/v1/company-statements/{company_statement.pk}/").status_code == 404
    assert api.get("/api/v1/company-statements/").json()["results"] == []


def test_network_token_and_anonymous_callers_are_refused(api, tokens, billed):
    statement = billed[0]
    assert token_client(tokens.network).get(f"/api/v1/statements/{statement.pk}/").status_code == 403
    assert api.get(f"/api/v1/statements/{statement.pk}/pdf/").status_code == 401


def test_filters_narrow_the_statement_list(tokens, billed, bob_account):
    client = token_client(tokens.ops)
    assert len(client.get("/api/v1/statements/").json()["results"]) == 2
    assert len(client.get("/api/v1/statements/", {"company": "10001"}).json()["results"]) == 1
    assert len(client.get("/api/v1/statements/", {"account": bob_account.number}).json()["results"]) == 1
    assert len(client.get("/api/v1/statements/", {"statement_date_from": "2026-01-06"}).json()["results"]) == 0


def test_statement_lists_use_a_fixed_number_of_queries(tokens, company_a, django_assert_max_num_queries):
    accounts = [AccountFactory(cardmember=CardmemberFactory(company=company_a), opened_on=dt.date(2026, 1, 5),
                               cycle_day=5) for _ in range(12)]
    bill_on_opening_day(*accounts)
    client = token_client(tokens.a)
    for url in ["/api/v1/statements/", "/api/v1/company-statements/",
                f"/api/v1/accounts/{accounts[0].number}/statements/"]:
        with django_assert_max_num_queries(4):
            assert client.get(url).status_code == 200


def test_the_schema_documents_the_statement_endpoints(api):
    schema = api.get("/api/schema/").content
    for path in [b"/api/v1/accounts/{number}/statements/", b"/api/v1/statements/{id}/",
                 b"/api/v1/statements/{id}/pdf/", b"/api/v1/company-statements/{id}/pdf/",
                 b"/api/v1/accounts/{number}/postings/"]:
        assert path in schema
    assert b"fx_rate_to_usd" in schema and b"application/pdf" in schema
